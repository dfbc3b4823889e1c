"""Render the executed course as a static web site (``make site``).

Each notebook executed by ``tools/run_course.py`` (``build/executed/NN_name.ipynb``) becomes one HTML page with its
outputs and figures embedded (nbconvert's lab template), and ``index.html`` lists them in course order with each
notebook's title, its one-sentence promise, and, from ``build/results/NN_name.json``, the mode, wall time and date
of the run that produced it::

    python tools/build_site.py                      # build/executed/ -> build/site/
    python tools/build_site.py --executed /tmp/build/executed --out /tmp/site

Links between notebooks (``[notebook 03](03_denoising_autoencoders.ipynb)``) are rewritten to the sibling pages
(``03_denoising_autoencoders.html``); absolute links, such as the Colab badge, stay as they are. Every page gets a
navigation bar (index, previous, next) at its top and bottom. The pages need no server: open
``build/site/index.html`` in a browser. Formulas are typeset by MathJax, loaded from a CDN, so offline they show
as LaTeX source.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbconvert
import nbformat
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune

ROOT = Path(__file__).resolve().parents[1]
COURSE_TITLE = "Autoencoders and variational autoencoders, from PCA to VAEs"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"

_HEADING = re.compile(r"^#\s+(\d\d)\s*·\s*(.+?)\s*$", re.MULTILINE)
# href="…NN_name.ipynb#anchor" where the target is relative (no scheme such as https:, no leading / or #).
_NOTEBOOK_HREF = re.compile(
    r'href="(?![A-Za-z][A-Za-z0-9+.-]*:|/|#)(?:[^"#?]*/)?(\d\d_[A-Za-z0-9_-]+)\.ipynb((?:#[^"]*)?)"'
)
_NAV_CSS = """
<style type="text/css">
nav.course-nav { display: flex; gap: 1.5em; align-items: baseline; max-width: 1100px; margin: 0 auto;
  padding: 0.6em 1em; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 14px;
  border-bottom: 1px solid #ddd; }
nav.course-nav.bottom { border-bottom: none; border-top: 1px solid #ddd; margin-top: 2em; }
nav.course-nav a { color: #1a5fb4; text-decoration: none; }
nav.course-nav a:hover { text-decoration: underline; }
nav.course-nav .spacer { flex: 1; }
</style>
"""
_MATHJAX = """
<script type="text/x-mathjax-config">
MathJax.Hub.Config({tex2jax: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], processEscapes: true},
                   messageStyle: 'none'});
</script>
<script src="{url}"></script>
"""
_INDEX_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; background: #fff;
  max-width: 900px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
p.lead { color: #555; margin-top: 0; }
ol.notebooks { list-style: none; padding: 0; }
ol.notebooks li { display: flex; gap: 1em; padding: 0.9em 0; border-bottom: 1px solid #e5e5e5; }
.number { font-size: 1.6em; font-weight: 600; color: #999; min-width: 1.6em; }
.title { font-size: 1.15em; font-weight: 600; }
.title a { color: #1a5fb4; text-decoration: none; }
.title a:hover { text-decoration: underline; }
.promise { margin: 0.25em 0; }
.promise p { margin: 0; }
.run { font-size: 0.85em; color: #666; }
.run .failed { color: #b00; font-weight: 600; }
footer { font-size: 0.8em; color: #888; margin-top: 2em; }
"""


@dataclass(frozen=True)
class Page:
    """One notebook of the site: where it comes from, what it is called and what its run recorded."""

    source: Path
    number: str
    title: str
    promise: str
    run: dict | None

    @property
    def stem(self) -> str:
        """The notebook's name without extension, e.g. ``03_denoising_autoencoders``."""
        return self.source.stem

    @property
    def href(self) -> str:
        """The page's file name inside the site, e.g. ``03_denoising_autoencoders.html``."""
        return self.stem + ".html"


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


def link_notebooks_to_pages(page_html: str) -> str:
    """Point relative links to course notebooks (``NN_name.ipynb``) at their sibling pages (``NN_name.html``).

    >>> link_notebooks_to_pages('<a href="03_denoising.ipynb#watermarks">03</a>')
    '<a href="03_denoising.html#watermarks">03</a>'
    >>> link_notebooks_to_pages('<a href="https://colab.research.google.com/x/00_welcome.ipynb">')
    '<a href="https://colab.research.google.com/x/00_welcome.ipynb">'
    """
    return _NOTEBOOK_HREF.sub(r'href="\1.html\2"', page_html)


def _nav(page: Page, previous: Page | None, following: Page | None, where: str) -> str:
    parts = ['<a href="index.html">Course index</a>', '<span class="spacer"></span>']
    if previous is not None:
        parts.append(f'<a href="{previous.href}">← {previous.number} {html.escape(previous.title)}</a>')
    if following is not None:
        parts.append(f'<a href="{following.href}">{following.number} {html.escape(following.title)} →</a>')
    return f'<nav class="course-nav {where}" aria-label="course">{"".join(parts)}</nav>'


def render_page(
    nb: nbformat.NotebookNode, page: Page, previous: Page | None = None, following: Page | None = None
) -> str:
    """The notebook as a standalone HTML page: lab template, images embedded, links and navigation added."""
    exporter = HTMLExporter(template_name="lab", embed_images=True)
    # Without saved widget state nbconvert shows each explorer's static PNG fallback; with it, it would draw the
    # widgets with JavaScript from a CDN, which stays blank offline and cannot move without a kernel anyway.
    nb = nbformat.from_dict(nb)
    nb.metadata.pop("widgets", None)
    resources = {
        "metadata": {"name": f"{page.number} · {page.title}", "path": str(page.source.parent)},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    body = link_notebooks_to_pages(body)
    body = body.replace("</head>", _NAV_CSS + "</head>", 1)
    body, found = re.subn(
        r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + _nav(page, previous, following, "top"), body, count=1
    )
    if not found:
        raise ValueError(f"nbconvert's page for {page.stem} has no <body> tag; cannot add the navigation bar")
    head, sep, tail = body.rpartition("</body>")
    return head + _nav(page, previous, following, "bottom") + "\n" + sep + tail


def _run_line(run: dict | None) -> str:
    if run is None:
        return "no run recorded"
    when = f"{run.get('mode', '?')} mode · {run.get('seconds', 0):.0f} s · {run.get('date', '?')}"
    status = str(run.get("status", "ok"))
    if status != "ok":
        when += f' · <span class="failed">{html.escape(status)}</span>'
    return when


def index_html(pages: list[Page], mathjax_url: str) -> str:
    """The site's front page: every notebook in course order, with its promise and how it was run."""
    items = []
    for page in pages:
        items.append(
            f'<li id="nb-{page.number}"><span class="number">{page.number}</span><div>'
            f'<div class="title"><a href="{page.href}">{html.escape(page.title)}</a></div>'
            f'<div class="promise">{markdown2html_mistune(page.promise)}</div>'
            f'<div class="run">{_run_line(page.run)}</div></div></li>'
        )
    items_html = "\n".join(items)
    built = dt.date.today().isoformat()
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(COURSE_TITLE)}</title>
<style type="text/css">{_INDEX_CSS}</style>
{_MATHJAX.replace("{url}", html.escape(mathjax_url))}
</head>
<body>
<main>
<h1>{html.escape(COURSE_TITLE)}</h1>
<p class="lead">The course's notebooks, executed. Each line says how its page was produced: <em>full</em> mode
trains for real; <em>smoke</em> mode runs on small slices for a few steps, so its figures are only a sketch.</p>
<ol class="notebooks">
{items_html}
</ol>
<footer>Built {built} with nbconvert {nbconvert.__version__} by <code>tools/build_site.py</code>.</footer>
</main>
</body>
</html>
"""


def _load_run(results: Path, stem: str) -> dict | None:
    path = results / f"{stem}.json"
    if not path.is_file():
        return None
    try:
        row = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    return row if isinstance(row, dict) and "seconds" in row else None  # a run cut off mid-notebook has none


def build_site(executed: Path, out: Path, results: Path | None = None) -> list[Path]:
    """Render every ``NN_name.ipynb`` in ``executed`` into ``out``; return the pages written, index first.

    ``results`` (default: ``results/`` next to ``executed``, as ``tools/run_course.py`` lays them out) holds
    each run's ``NN_name.json``. Pages of notebooks no longer in ``executed`` are removed from ``out``.

    Raises
    ------
    FileNotFoundError
        If ``executed`` holds no executed notebook.
    """
    executed, out = Path(executed), Path(out)
    results = executed.parent / "results" if results is None else Path(results)
    sources = sorted(executed.glob(NOTEBOOK_GLOB)) if executed.is_dir() else []
    if not sources:
        raise FileNotFoundError(
            f"no executed notebooks (NN_name.ipynb) in {executed}: run `make course` first, "
            "or `make site MODE=smoke`"
        )
    notebooks = [nbformat.read(path, as_version=4) for path in sources]
    pages = [
        Page(path, *describe(nb, path.stem), run=_load_run(results, path.stem))
        for path, nb in zip(sources, notebooks, strict=True)
    ]
    out.mkdir(parents=True, exist_ok=True)
    wanted = {page.href for page in pages}
    for stale in out.glob("[0-9][0-9]_*.html"):
        if stale.name not in wanted:
            stale.unlink()
    written = []
    for i, (page, nb) in enumerate(zip(pages, notebooks, strict=True)):
        previous = pages[i - 1] if i > 0 else None
        following = pages[i + 1] if i + 1 < len(pages) else None
        target = out / page.href
        target.write_text(render_page(nb, page, previous, following), encoding="utf-8")
        written.append(target)
    index = out / "index.html"
    index.write_text(index_html(pages, HTMLExporter().mathjax_url), encoding="utf-8")
    return [index, *written]


def broken_links(out: Path) -> dict[str, list[str]]:
    """Relative links to ``NN_name.html`` pages that are not in the site, by page (e.g. after ``--only``)."""
    missing: dict[str, list[str]] = {}
    for page in sorted(out.glob("*.html")):
        targets = set(re.findall(r'href="(\d\d_[A-Za-z0-9_-]+\.html)', page.read_text(encoding="utf-8")))
        gone = sorted(t for t in targets if not (out / t).is_file())
        if gone:
            missing[page.name] = gone
    return missing


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executed", type=Path, default=ROOT / "build" / "executed")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    args = parser.parse_args(argv)
    try:
        written = build_site(args.executed, args.out)
    except FileNotFoundError as err:
        print(err, file=sys.stderr)
        return 2
    for path in sorted(args.executed.glob(NOTEBOOK_GLOB)):
        if n := figures_shown_as_text(nbformat.read(path, as_version=4)):
            print(
                f"note: {path.name} shows {n} figure(s) as text, not images: it ran with a non-inline "
                "matplotlib backend (is MPLBACKEND set?); unset it and execute the notebook again"
            )
    for page, targets in broken_links(args.out).items():
        print(f"note: {page} links to pages not in this site: {', '.join(targets)}")
    print(f"wrote {len(written) - 1} pages and {written[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
