"""Find numbers typed into markdown that look measured: they go stale the day the run changes.

A number a student reads that comes from a run belongs in the run's printed output (a sentence formatted from
variables). Markdown keeps only constants, definitions and published (cited) figures, and a cell says which of its
numbers are which in an HTML comment, invisible in the rendered notebook::

    <!-- constant: 0.1, 10 minutes -->
    <!-- definition: 0.693 -->
    <!-- cited Burda, Grosse & Salakhutdinov (2016), Table 1: 86.76 -->

``cited`` needs its source between the word and the colon. Every number that looks measured must be listed in such
a comment of its own cell, and every number listed must occur in the cell (no stale marks). Looks measured:

* any decimal number (``17.7``, ``0.05``), in prose or in LaTeX;
* any number with a unit of a measurement: ``%``, ``×``, ``dB``, ``nats``, ``bits``, ``s``, ``ms``, ``seconds``,
  ``minutes``, ``min``, ``CPU s``, ``times`` (``30 times faster``).

Not counted: numbers inside code spans (they quote code), and labels such as ``Exercise 08.1``, ``answer (08.1)``, ``section 3.2``,
``Python 3.13``.

Usage: ``python tools/markdown_numbers.py notebooks/*.ipynb`` lists what is not marked (exit 1 if anything is).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat

KINDS = ("constant", "definition", "cited")
MARK = re.compile(r"<!--\s*(constant|definition|cited)\b([^:]*?):(.*?)-->", re.S)
COMMENT = re.compile(r"<!--.*?-->", re.S)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LABEL = re.compile(
    r"(?:[Ee]xercises?|[Ss]ections?|§|[Tt]ables?|[Ff]igures?|[Ff]ig\.|[Ee]q\.|[Ee]quations?|[Nn]otebooks?|Python|"
    r"TF|TensorFlow|Keras|NumPy|[Vv]ersions?|v)\s?$|[Aa]nswers?\s?\($"  # "Your answer (08.1):"
)
UNIT = r"(?:\s?(?:%|×(?!\s?\d)|dB\b|nats?\b|bits?\b|CPU\s?s\b|ms\b|s\b|seconds?\b|minutes?\b|min\b)|\s(?:times)\b)"
NUMBER = re.compile(rf"(?<![\w.,])(?P<num>\d[\d,]*\.\d+|\d[\d,]*(?={UNIT}))(?![\w.]\d)")
LISTED = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _canon(token: str) -> str:
    return token.replace(",", "")


def typed_numbers(source: str) -> list[str]:
    """Numbers in one markdown cell's text that look measured (marks, comments and code spans left out).

    Examples
    --------
    >>> typed_numbers("gains 4.9 dB in 79 s, 30 times faster; `EPOCHS = 12`; exercise 03.1; p = 0.1")
    ['4.9', '79', '30', '0.1']
    >>> typed_numbers("**Your answer (08.1):** and **A model answer (08.1).** of (0.5)")
    ['0.5']
    >>> typed_numbers("$D = 784$ pixels and 10 classes")
    []
    """
    text = CODE_SPAN.sub(" ", COMMENT.sub(" ", source))
    return [
        _canon(m.group("num"))
        for m in NUMBER.finditer(text)
        if not LABEL.search(text[max(0, m.start() - 12) : m.start()])
    ]


def marked_numbers(source: str) -> set[str]:
    """Numbers a cell declares as constants, definitions or cited figures in its ``<!-- kind: ... -->`` marks.

    Raises
    ------
    ValueError
        If a ``cited`` mark names no source.

    Examples
    --------
    >>> sorted(marked_numbers("<!-- constant: 0.1, 10 minutes --> <!-- cited Burda et al. (2016): 86.76 -->"))
    ['0.1', '10', '86.76']
    """
    found: set[str] = set()
    for m in MARK.finditer(source):
        kind, source_text, listed = m.group(1), m.group(2).strip(), m.group(3)
        if kind == "cited" and not source_text:
            raise ValueError(f"a 'cited' mark must name its source before the colon: {m.group(0)!r}")
        found |= {_canon(t) for t in LISTED.findall(listed)}
    return found


def problems(path: Path) -> Iterator[str]:
    """One line per unmarked measured-looking number (or stale mark) in the markdown cells of a notebook."""
    book = nbformat.read(path, as_version=4)
    for i, cell in enumerate(book.cells):
        if cell.cell_type != "markdown":
            continue
        try:
            marked = marked_numbers(cell.source)
        except ValueError as err:
            yield f"{path.name} cell {i}: {err}"
            continue
        typed = typed_numbers(cell.source)
        for number in dict.fromkeys(typed):
            if number not in marked:
                snippet = cell.source.replace("\n", " ")
                at = snippet.find(number)
                yield (
                    f"{path.name} cell {i}: {number!r} looks measured ('…{snippet[max(0, at - 40) : at + 30]}…'): "
                    "print it from the run, or mark it <!-- constant|definition|cited SOURCE: "
                    f"{number} -->"
                )
        for number in sorted(marked - set(typed)):
            yield f"{path.name} cell {i}: the mark lists {number!r}, which the cell's text does not contain"


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(Path(__file__).resolve().parents[1].glob("notebooks/*.ipynb"))
    lines = [line for p in paths for line in problems(p)]
    print("\n".join(lines) if lines else "no unmarked numbers")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
