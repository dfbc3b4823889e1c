"""Build the course book (``make site``): Sphinx with MyST-NB and the Sphinx Book Theme, fully offline.

The book is Sphinx's: ``docs/conf.py`` configures it (MyST-NB reads the notebooks *as executed*, never running
them; the Sphinx Book Theme gives the sidebar, the page outline, search and the launch buttons; MathJax is served
from the book, ``sphinx-mathjax-offline``). This script only stages what Sphinx reads, then runs it::

    python tools/build_site.py                      # build/executed/ (make course) -> build/site/
    python tools/build_site.py --executed /tmp/build/executed --out /tmp/site

Staged into ``build/site-src/``:

- ``docs/`` (``conf.py``, the landing page, the instructors' and the running pages, the theme's CSS, the
  extension ``course_site`` that adds the student edition's Colab and download buttons);
- each executed notebook ``NN_name.ipynb``, with its saved widget state dropped (a widget view needs a kernel
  and a CDN; each explorer's static figure is what shows), its Colab badge drawn from a local image, and a note
  of the run it shows (mode, date, time, from ``build/results/NN_name.json``);
- ``_readme.md``: the README, whose marked sections (``<!-- book:about -->`` …) the pages include, its links
  rewritten for the book (notebooks to their pages, other files of the repository to GitHub);
- ``results.md``: ``build/results.md`` of the same run, if there is one;
- ``_extra/notebooks/`` and ``_extra/student/``: the notebooks without outputs and their student editions, the
  download buttons' targets.

The result, ``build/site/``, is a static folder: open ``index.html``, or serve it from any web server
(README, "Publishing the book").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from stamp_notebooks import BADGE_PREFIX, BRANCH, repository_url  # noqa: E402

COURSE_TITLE = "Autoencoders and variational autoencoders, from PCA to VAEs"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
# Which page of the book each marked README section goes to (docs/*.md include them by these markers).
README_SECTIONS = {"about": "index", "start": "index", "running": "running", "instructors": "instructors"}
# The README's headings that are a whole page's title in the book (the page's own heading, outside the section).
PAGE_TITLES = {"how-the-course-runs": "running", "for-instructors": "instructors"}
# Sections whose page has its own title (# …): their ### headings become the page's ## sections.
PROMOTED = {"running", "instructors"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
LOCAL_BADGE = "_static/colab-badge.svg"

_HEADING = re.compile(r"^#\s+(\d\d)\s*·\s*(.+?)\s*$", re.MULTILINE)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$", re.MULTILINE)
# [text](target) where target has no spaces; images ![..](..) are matched too and left alone below
_MD_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


def describe(nb: nbformat.NotebookNode, stem: str) -> tuple[str, str, str]:
    """Return ``(number, title, promise)`` from a notebook's title cell.

    The title cell starts with ``# NN · Title`` followed, possibly after the Colab badge, by a one-paragraph
    promise ("By the end of this notebook you can …"). Without such a heading the number comes from the file
    name and the title is the name itself; without a promise, the promise is empty.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 05 · Sparse\\n\\nYou can x.")])
    >>> describe(nb, "05_sparse_autoencoders")
    ('05', 'Sparse', 'You can x.')
    """
    number, title, promise = stem[:2], stem[3:].replace("_", " "), ""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        match = _HEADING.search(cell.source)
        if match is None:
            continue
        number, title = match.group(1), match.group(2)
        for paragraph in re.split(r"\n\s*\n", cell.source[match.end() :]):
            text = " ".join(line.strip() for line in paragraph.strip().splitlines())
            if text and not text.startswith(("[![", "<", "**", "#", "- ", "* ")):
                promise = text
                break
        break
    return number, title, promise


def slug(heading: str) -> str:
    """The anchor GitHub and MyST give a heading: lower case, punctuation dropped, spaces to hyphens.

    >>> slug("Trained once, loaded after")
    'trained-once-loaded-after'
    >>> slug("Why `imaug`")
    'why-imaug'
    """
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def readme_sections(text: str) -> dict[str, str]:
    """The README's marked sections, ``<!-- book:NAME -->`` … ``<!-- /book:NAME -->``, by name.

    Raises
    ------
    ValueError
        If a section of ``README_SECTIONS`` is missing or not closed.
    """
    found = {}
    for name in README_SECTIONS:
        match = re.search(rf"<!-- book:{name} -->\n(.*?)<!-- /book:{name} -->", text, re.S)
        if match is None:
            raise ValueError(f"README.md has no section <!-- book:{name} --> … <!-- /book:{name} -->")
        found[name] = match.group(1)
    return found


def readme_for_book(text: str, repository: str, notebooks: set[str]) -> str:
    """The README with its links rewritten for the book's pages.

    - ``notebooks/NN_name.ipynb`` (a course notebook) becomes the notebook's page, ``NN_name.ipynb``;
    - ``#anchor`` becomes ``page.md#anchor`` when the heading lies in a section another page includes, and the
      README on GitHub when no page includes it;
    - ``#for-instructors`` and ``#how-the-course-runs``, the headings of whole pages, become those pages;
    - any other relative link (``student/``, ``CONTRIBUTING.md``) points at the repository on GitHub;
    - absolute links and images stay as they are;
    - in the sections of pages with their own title (``PROMOTED``), each heading goes up one level.

    >>> readme = (
    ...     "<!-- book:about -->\\nSee [03](notebooks/03_x.ipynb), [the cache](#trained-once) and [s](student/).\\n"
    ...     "<!-- /book:about -->\\n<!-- book:start -->\\n<!-- /book:start -->\\n<!-- book:running -->\\n"
    ...     "### Trained once\\n<!-- /book:running -->\\n<!-- book:instructors -->\\n<!-- /book:instructors -->\\n"
    ... )
    >>> print(readme_for_book(readme, "https://github.com/o/r", {"03_x"}).splitlines()[1])
    See [03](03_x.ipynb), [the cache](running.md#trained-once) and [s](https://github.com/o/r/tree/main/student/).
    """
    sections = readme_sections(text)
    page_of_anchor: dict[str, str] = {}
    for name, body in sections.items():
        for match in _MD_HEADING.finditer(body):
            page_of_anchor.setdefault(slug(match.group(2)), README_SECTIONS[name])

    def rewrite(section: str, body: str) -> str:
        here = README_SECTIONS[section]

        def link(match: re.Match) -> str:
            bang, label, target = match.groups()
            if bang or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target):
                return match.group(0)
            if target.startswith("#"):
                page = page_of_anchor.get(target[1:])
                if target[1:] in PAGE_TITLES:
                    new = f"{PAGE_TITLES[target[1:]]}.md"
                elif page is None:
                    new = f"{repository}/blob/{BRANCH}/README.md{target}"
                else:
                    new = target if page == here else f"{page}.md{target}"
            else:
                path, _, anchor = target.partition("#")
                stem = Path(path).stem
                if path.startswith("notebooks/") and path.endswith(".ipynb") and stem in notebooks:
                    new = f"{stem}.ipynb" + (f"#{anchor}" if anchor else "")
                else:
                    kind = "tree" if path.endswith("/") else "blob"
                    new = f"{repository}/{kind}/{BRANCH}/{target}"
            return f"[{label}]({new})"

        body = _MD_LINK.sub(link, body)
        if section in PROMOTED:
            body = re.sub(r"^#(#{2,6} )", r"\1", body, flags=re.M)
        return body

    for name, body in sections.items():
        text = text.replace(body, rewrite(name, body), 1)
    return text


def run_note(run: dict | None) -> str:
    """The note a notebook's page opens with: which run it shows (mode, date, time), or that it failed.

    >>> print(run_note({"mode": "smoke", "date": "2026-12-02", "seconds": 31.0, "status": "ok"}).splitlines()[1])
    This page shows a **smoke-mode** run (2026-12-02, 31 s): small data slices and a few training steps, made to
    """
    if run is None:
        return (
            ":::{note}\nThis page shows an executed copy of the notebook; no record of its run was found "
            "(`make course` keeps one in `build/results/`).\n:::"
        )
    mode, date, seconds = run.get("mode", "?"), run.get("date", "?"), float(run.get("seconds", 0))
    status = str(run.get("status", "ok"))
    if status != "ok":
        return (
            f":::{{warning}}\nThis {mode}-mode run of {date} stopped with an error ({status}); the page shows the "
            "cells as far as it got.\n:::"
        )
    if mode == "smoke":
        return (
            ":::{important}\n"
            f"This page shows a **smoke-mode** run ({date}, {seconds:.0f} s): small data slices and a few training"
            " steps, made to\ntest the book. Its figures and numbers are a sketch, not the course's results; "
            "`make course`, then `make site`, builds\nthe book from the full run.\n:::"
        )
    return (
        f":::{{note}}\nThis page shows the notebook's **{mode}-mode** run of {date} ({seconds:.0f} s on the "
        "machine that built the book; the [results](results.md) page says which).\n:::"
    )


def page_notebook(nb: nbformat.NotebookNode, run: dict | None) -> nbformat.NotebookNode:
    """An executed notebook as its page shows it: no widget state, a local badge image, the run's note.

    The note goes into the title cell, after the heading and the promise (the first paragraph after it).

    Saved widget state would make MyST-NB draw the widgets with JavaScript from a CDN (blank offline, and inert
    without a kernel anyway); without it each explorer's static figure is shown. The Colab badge's image comes
    from Colab's server, so the page draws a local copy; its link is unchanged.
    """
    nb = nbformat.from_dict(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and BADGE_PREFIX in cell.source:
            cell.source = re.sub(
                r"\[!\[Open In Colab\]\([^)]*\)\]", f"[![Open In Colab]({LOCAL_BADGE})]", cell.source
            )
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    note = run_note(run)
    title = next((c for c in nb.cells if c.cell_type == "markdown" and _HEADING.search(c.source)), None)
    if title is None:
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(note))
    else:  # after the heading and the promise, before the badge and the rest of the title cell
        paragraphs = re.split(r"\n\s*\n", title.source.strip("\n"))
        paragraphs.insert(min(2, len(paragraphs)), note)
        title.source = "\n\n".join(paragraphs)
    return nb


def load_run(results: Path, stem: str) -> dict | None:
    """The record ``tools/run_course.py`` kept of a notebook's run, or None (none, unreadable, or cut off)."""
    path = results / f"{stem}.json"
    if not path.is_file():
        return None
    try:
        row = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    return row if isinstance(row, dict) and "seconds" in row else None


def figures_shown_as_text(nb: nbformat.NotebookNode) -> int:
    """How many outputs are a matplotlib figure's repr (``<Figure size …>``) instead of its image.

    That happens when the notebook ran with a non-inline backend, e.g. ``MPLBACKEND=Agg`` in the environment:
    the page then shows no figures.
    """
    return sum(
        1
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "execute_result"
        and set(output.get("data", {})) == {"text/plain"}
        and str(output["data"]["text/plain"]).startswith("<Figure size")
    )


def stage(executed: Path, staging: Path, results: Path | None = None, root: Path = ROOT) -> list[str]:
    """Write Sphinx's sources for the book into ``staging`` (emptied first); return the notebooks' stems.

    ``results`` (default: ``results/`` beside ``executed``, as ``tools/run_course.py`` lays them out) holds each
    run's ``NN_name.json``; ``results.md`` beside it becomes the results page.

    Raises
    ------
    FileNotFoundError
        If ``executed`` holds no executed notebook, or a notebook has no source in ``notebooks/`` or no student
        edition in ``student/``.
    """
    executed, staging = Path(executed), Path(staging)
    results = executed.parent / "results" if results is None else Path(results)
    sources = sorted(executed.glob(NOTEBOOK_GLOB)) if executed.is_dir() else []
    if not sources:
        raise FileNotFoundError(
            f"no executed notebooks (NN_name.ipynb) in {executed}: run `make course` first, "
            "or `make site MODE=smoke`"
        )
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(root / "docs", staging)
    stems = [path.stem for path in sources]
    for folder in ("notebooks", "student"):
        (staging / "_extra" / folder).mkdir(parents=True)
        for stem in stems:
            original = root / folder / f"{stem}.ipynb"
            if not original.is_file():
                raise FileNotFoundError(f"{stem}: no {original} to offer for download (`make student`?)")
            shutil.copy2(original, staging / "_extra" / folder / original.name)
    for path in sources:
        nb = nbformat.read(path, as_version=4)
        if n := figures_shown_as_text(nb):
            print(
                f"note: {path.name} shows {n} figure(s) as text, not images: it ran with a non-inline "
                "matplotlib backend (is MPLBACKEND set?); unset it and execute the notebook again"
            )
        nbformat.write(page_notebook(nb, load_run(results, path.stem)), staging / path.name)
    repository = repository_url(root / "pyproject.toml")
    readme = readme_for_book((root / "README.md").read_text(), repository, set(stems))
    (staging / "_readme.md").write_text(readme)
    report = results.parent / "results.md"
    results_page = staging / "results.md"
    if report.is_file():
        results_page.write_text(report.read_text())
    else:
        results_page.write_text(
            "# Course results\n\nThis book was built without a results table: `make course` writes "
            "`build/results.md` (each notebook's time, cold and warm, and every figure it records), and the next "
            "`make site` shows it here.\n"
        )
    course = {
        "title": COURSE_TITLE,
        "repository": repository,
        "branch": BRANCH,
        "year": dt.date.today().year,
        "footer": f"Built {dt.date.today().isoformat()} from the executed notebooks by <code>make site</code>.",
        "notebooks": stems,
    }
    (staging / "_course.json").write_text(json.dumps(course, indent=1))
    return stems


def build_site(
    executed: Path, out: Path, results: Path | None = None, staging: Path | None = None
) -> list[str]:
    """Stage the book's sources and build it with Sphinx into ``out``; return Sphinx's warnings (one per line).

    Raises
    ------
    FileNotFoundError
        As :func:`stage`.
    RuntimeError
        If Sphinx fails; the message ends with its output.
    """
    out = Path(out)
    staging = out.parent / f"{out.name}-src" if staging is None else Path(staging)
    stage(executed, staging, results)
    warnings = staging / "_build-warnings.txt"
    # Sphinx writes into the staging folder first (MyST-NB keeps its output files beside the HTML folder, in
    # jupyter_execute/), then the finished book replaces `out`.
    html = staging / "_html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-q",
            "-E",
            "-w",
            str(warnings),
            "-d",
            str(staging / "_doctrees"),
            str(staging),
            str(html),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"Sphinx failed (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(html, out)
    return [line for line in warnings.read_text().splitlines() if line.strip()] if warnings.is_file() else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executed", type=Path, default=ROOT / "build" / "executed")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    args = parser.parse_args(argv)
    try:
        warnings = build_site(args.executed, args.out)
    except FileNotFoundError as err:
        print(err, file=sys.stderr)
        return 2
    except RuntimeError as err:
        print(err, file=sys.stderr)
        return 1
    for line in warnings:
        print(f"sphinx: {line}")
    print(f"wrote the book to {args.out} (open {args.out / 'index.html'}); {len(warnings)} warning(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
