"""Write the student editions: the same lessons without their solutions, into ``student/`` (``make student``).

One source notebook per lesson (``notebooks/NN_name.ipynb``, with solutions); the student editions are generated
from it and tracked in git, so that a badge can open them::

    python tools/student_edition.py            # -> student/NN_name.ipynb
    python tools/student_edition.py --check    # exit 1 if student/ is not what the sources give (the tests)

An edition drops the cells tagged ``solution`` (code and model answers) and ``hidden-test`` (the instructor's
exact-value tests, which nbgrader keeps hidden), clears outputs, and is re-stamped: its Colab badge opens the
student edition, and its title cell says where the full notebook is. Each exercise keeps its blank answer cell and
its self-check, which prints ✗ with a hint until the answer is right.

nbconvert's ``TagRemovePreprocessor`` does the removal. Note that it silently keeps every cell unless it is
*enabled* (``enabled=True``) as well as configured with the tags to remove.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import TagRemovePreprocessor

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stamp_notebooks  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_TAG = "solution"
HIDDEN_TEST_TAG = "hidden-test"
REMOVED_TAGS = frozenset({SOLUTION_TAG, HIDDEN_TEST_TAG})
STUDENT_DIR = "student"
EDITION_NOTE_PREFIX = "*Student edition:"


def edition_note(name: str) -> str:
    """The line under the badge that says what this edition is and where the solutions are."""
    return (
        f"{EDITION_NOTE_PREFIX} the exercises' solutions are left out; each check cell prints ✓ or ✗ with a hint. "
        f"The full notebook, with solutions, is [notebooks/{name}](../notebooks/{name}).*"
    )


def student_edition(
    nb: nbformat.NotebookNode, name: str | None = None, url: str | None = None
) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` without its ``solution`` and ``hidden-test`` cells, and without outputs.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A source notebook; it is left unchanged.
    name, url : str, optional
        The notebook's file name and the repository URL. Given both, the edition's badge opens the student
        edition (``student/<name>``) and its title cell gets the edition note.
    """
    pre = TagRemovePreprocessor(remove_cell_tags=set(REMOVED_TAGS), enabled=True)
    out, _ = pre.preprocess(nbformat.from_dict(nb), {})
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    if name is not None and url is not None:
        stamp_notebooks.stamp(out, name, url, folder=STUDENT_DIR)
        title = next(c for c in out.cells if c.cell_type == "markdown")
        lines = title.source.split("\n")
        at = next(i for i, line in enumerate(lines) if line.startswith(stamp_notebooks.BADGE_PREFIX))
        lines.insert(at + 1, "")
        lines.insert(at + 2, edition_note(name))
        title.source = "\n".join(lines)
    return out


def editions(root: Path = ROOT) -> dict[str, str]:
    """Every student edition as the text ``student/<name>`` should hold, by file name."""
    url = stamp_notebooks.repository_url(root / "pyproject.toml")
    out = {}
    for path in stamp_notebooks.notebooks(root):
        edition = student_edition(nbformat.read(path, as_version=4), path.name, url)
        nbformat.validate(edition)
        out[path.name] = nbformat.writes(edition) + "\n"
    return out


def stale(root: Path = ROOT, out: Path | None = None) -> list[str]:
    """Names of the editions in ``out`` (default ``student/``) that are missing, out of date or have no source."""
    out = out or root / STUDENT_DIR
    wanted = editions(root)
    found = {p.name for p in out.glob("*.ipynb")}
    bad = [n for n, text in wanted.items() if n not in found or (out / n).read_text() != text]
    return sorted(bad + sorted(found - set(wanted)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / STUDENT_DIR)
    parser.add_argument(
        "--check", action="store_true", help="only report; exit 1 if an edition is out of date"
    )
    args = parser.parse_args(argv)
    if args.check:
        bad = stale(ROOT, args.out)
        if bad:
            print(f"out of date in {args.out}: {', '.join(bad)} (run make student, then commit student/)")
            return 1
        print(f"{args.out}: every student edition is up to date")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    wanted = editions(ROOT)
    for old in args.out.glob("*.ipynb"):
        if old.name not in wanted:
            old.unlink()
            print(f"{old.name}: removed (no source notebook)")
    for name, text in wanted.items():
        (args.out / name).write_text(text)
        source = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        removed = sum(bool(REMOVED_TAGS & set(c.metadata.get("tags", []))) for c in source.cells)
        print(f"{name}: {removed} solution/hidden-test cell(s) left out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
