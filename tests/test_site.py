"""The course book (``make site``, ``tools/build_site.py``: Sphinx, MyST-NB, the Sphinx Book Theme), looked at in
headless Chromium.

The book is built from the notebooks this session executed: nbval's runs are kept with their outputs by
``tests/executed_notebooks.py`` (in smoke mode), so no notebook runs twice. Run alone (``pytest
tests/test_site.py``), the module executes them itself first, in smoke mode (minutes). The book is served on
127.0.0.1, as a web server would serve it, and Chromium (Debian's ``chromium``, driven by Playwright) loads every
page while each request it makes is recorded. Screenshots of the landing page and of notebook 08 are kept in
``build/site-screenshots/``. Without Chromium the browser tests are skipped on a laptop and fail on CI (``CI``
set), where ``.ci/run`` installs it.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import sys
import threading
import time
import tomllib
from pathlib import Path
from urllib.parse import urljoin, urlparse

import matplotlib.image
import nbformat
import numpy as np
import pytest

from tests import executed_notebooks
from tests.helpers import skip_here_fail_on_ci

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402
import run_course  # noqa: E402
import stamp_notebooks  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
STEMS = [path.stem for path in NOTEBOOKS]
SCREENSHOTS = ROOT / "build" / "site-screenshots"
INSTALL_HINT = (
    "headless Chromium is needed to look at the book: install it with "
    "`apt-get update && apt-get install -y chromium` (Debian/Ubuntu, as root), then rerun"
)
# Without the background-networking flags Chromium tries to phone home, and is refused on a closed network.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
OTHER_PAGES = ["index", "running", "results", "instructors"]


def _chromium_executable() -> str | None:
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _assert_not_blank(png: Path) -> None:
    pixels = matplotlib.image.imread(png)[..., :3]
    grey = pixels.mean(axis=-1)
    assert grey.std() > 0.05, f"{png} is (almost) uniform: std {grey.std():.4f}"
    assert (grey < 0.5).mean() > 0.005, f"{png} has almost no dark pixels: nothing is drawn on it"
    rgb = (pixels[::2, ::2] * 255).astype(np.uint32)
    colours = np.unique(rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2])
    assert len(colours) > 50, f"{png} has only {len(colours)} colours"


def _png_outputs(nb: nbformat.NotebookNode) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


# ---------------------------------------------------------------- the staging step, without a browser


def test_no_executed_notebooks_says_how_to_make_them(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"make course.*make site MODE=smoke"):
        build_site.build_site(tmp_path / "executed", tmp_path / "site")
    assert build_site.main(["--executed", str(tmp_path), "--out", str(tmp_path / "site")]) == 2


def test_every_notebook_has_the_title_and_promise_its_page_shows():
    for path in NOTEBOOKS:
        number, title, promise = build_site.describe(nbformat.read(path, as_version=4), path.stem)
        assert number == path.name[:2], f"{path.name}: heading says {number}"
        assert title and promise and not promise.startswith("["), f"{path.name}: {title!r}, {promise!r}"


def test_the_readme_has_every_section_the_pages_include():
    readme = (ROOT / "README.md").read_text()
    sections = build_site.readme_sections(readme)
    assert set(sections) == set(build_site.README_SECTIONS)
    assert "## Quick start" in sections["start"] and "### Open in Colab" in sections["start"]
    assert "### Grading with nbgrader" in sections["instructors"]
    for page in {*build_site.README_SECTIONS.values()}:
        text = (ROOT / "docs" / f"{page}.md").read_text()
        for name, target in build_site.README_SECTIONS.items():
            if target == page:
                assert f":start-after: <!-- book:{name} -->" in text, (
                    f"docs/{page}.md does not include {name}"
                )
    with pytest.raises(ValueError, match="book:running"):
        build_site.readme_sections(readme.replace("<!-- /book:running -->", ""))


def test_readme_links_become_the_books_pages_or_github():
    readme = (ROOT / "README.md").read_text()
    book = build_site.readme_for_book(readme, "https://github.com/o/r", set(STEMS))
    about = build_site.readme_sections(book)["about"]
    assert "[welcome](00_welcome.ipynb)" in about and "notebooks/00_welcome.ipynb" not in about
    assert "[instructors' section](instructors.md)" in about
    instructors = build_site.readme_sections(book)["instructors"]
    assert "(https://github.com/o/r/tree/main/student/)" in instructors
    assert "(running.md#trained-once-loaded-after)" in instructors  # a heading on another page
    assert re.search(r"^## Grading with nbgrader$", instructors, re.M), (
        "headings go up one level on their page"
    )
    start = build_site.readme_sections(book)["start"]
    assert (
        "(instructors.md#grading-with-nbgrader)" in start
        and "(https://github.com/o/r/blob/main/" not in start
    )


def test_a_page_drops_widget_state_draws_a_local_badge_and_says_which_run_it_shows():
    png = "iVBORw0KGgo="
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "# 08 · Title\n\nThe promise.\n\n"
                f"{stamp_notebooks.badge('https://github.com/o/r', '08_x.ipynb')}\n\nMore."
            ),
            nbformat.v4.new_code_cell(
                "explorer",
                outputs=[
                    nbformat.v4.new_output(
                        "display_data",
                        data={
                            build_site.WIDGET_VIEW: {
                                "model_id": "abc",
                                "version_major": 2,
                                "version_minor": 0,
                            },
                            "image/png": png,
                            "text/plain": "latent explorer (static view)",
                        },
                    )
                ],
            ),
        ]
    )
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}}
    run = {"mode": "smoke", "date": "2026-12-02", "seconds": 12.0, "status": "ok"}
    page = build_site.page_notebook(nb, run)
    assert "widgets" not in page.metadata and "widgets" in nb.metadata, "the executed copy is left as it was"
    (output,) = page.cells[1].outputs
    assert set(output.data) == {"image/png", "text/plain"} and output.data["image/png"] == png
    title = page.cells[0].source.split("\n\n")
    assert title[:2] == ["# 08 · Title", "The promise."] and title[2].startswith(":::{important}")
    assert "smoke-mode" in title[2] and "12 s" in title[2]
    assert "colab.research.google.com/assets" not in page.cells[0].source
    assert f"[![Open In Colab]({build_site.LOCAL_BADGE})](https://colab.research.google.com/github/o/r/" in (
        page.cells[0].source
    )
    failed = build_site.page_notebook(nb, {**run, "status": "failed: Cell 4"})
    assert ":::{warning}" in failed.cells[0].source and "Cell 4" in failed.cells[0].source
    assert "no record of its run" in build_site.page_notebook(nb, None).cells[0].source


# ---------------------------------------------------------------- the book of this session's runs


@pytest.fixture(scope="module")
def executed(request) -> Path:
    """The build folder of this session's smoke runs (executed/, results/, results.md).

    The notebooks this session runs with nbval are waited for; any other notebook is executed here, in smoke
    mode, as `make site MODE=smoke` does (all of them when this module runs alone).
    """
    build = executed_notebooks.build_dir()
    assert build is not None, f"the root conftest.py sets {executed_notebooks.ENV}"
    theirs = executed_notebooks.runs_in_session(request.session)
    runs = {stem: executed_notebooks.wait_for(request.session, stem) for stem in STEMS if stem in theirs}
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MPLBACKEND", raising=False)  # the inline backend, so that figures are images
        for path in NOTEBOOKS:
            if path.stem not in theirs:
                runs[path.stem] = run_course.run_notebook(path, build, "smoke", timeout=600)
    failed = {stem: run["status"] for stem, run in runs.items() if run["status"] != "ok"}
    assert not failed, f"notebooks that did not run (their own tests say why): {failed}"
    (build / "results.md").write_text(run_course.results_markdown(run_course.collect(build)))
    return build


@pytest.fixture(scope="module")
def book(executed, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("book") / "site"
    start = time.perf_counter()
    warnings = build_site.build_site(executed / "executed", out)
    return {"out": out, "warnings": warnings, "seconds": time.perf_counter() - start}


def test_the_book_builds_without_a_warning(book):
    assert book["warnings"] == [], "\n".join(book["warnings"])
    for stem in STEMS:
        assert (book["out"] / f"{stem}.html").is_file()
        for folder in ("notebooks", "student"):
            copy = book["out"] / folder / f"{stem}.ipynb"
            assert copy.read_bytes() == (ROOT / folder / f"{stem}.ipynb").read_bytes(), f"{copy} differs"
    assert (book["out"] / "_static" / "mathjax" / "tex-chtml.js").is_file(), "MathJax is not in the book"
    assert (book["out"] / "searchindex.js").is_file()
    assert (book["out"] / ".nojekyll").is_file(), "GitHub Pages would hide _static/ from a gh-pages branch"
    print(f"the book of {len(STEMS)} notebooks: built in {book['seconds']:.0f} s")


@pytest.fixture(scope="module")
def server(book):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(book["out"]))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    executable = _chromium_executable()
    if executable is None:
        skip_here_fail_on_ci(f"Chromium is missing (no /usr/bin/chromium, none on PATH): {INSTALL_HINT}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a dev install has it
        skip_here_fail_on_ci("Playwright is missing: `make install` installs it (the dev extra)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


# What a page holds once MathJax has typeset it: raw TeX outside code, images not loaded, MathJax's output, and
# the code cells that scroll sideways (the length of the longest line of each).
_PAGE_FACTS = r"""() => {
  const article = document.querySelector('article') || document.body;
  const copy = article.cloneNode(true);
  copy.querySelectorAll('pre, code, mjx-container, script, style').forEach(e => e.remove());
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src);
  return {text: copy.textContent, math: article.querySelectorAll('mjx-container').length,
          figures: article.querySelectorAll('div.cell_output img').length, broken: broken,
          links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
          code: article.querySelectorAll('div.cell_input pre').length,
          scrolling: [...article.querySelectorAll('div.cell_input pre')].filter(p => p.scrollWidth > p.clientWidth + 1)
                       .map(p => Math.max(...p.textContent.split('\n').map(l => l.length)))};
}"""


@pytest.fixture(scope="module")
def pages(browser, server) -> dict[str, dict]:
    """Every page of the book, loaded in Chromium: its facts and every request it made (in a 1440 px window, a
    common laptop's)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    seen: dict[str, dict] = {}
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    for name in OTHER_PAGES + STEMS:
        requests.clear()
        page.goto(f"{server}{name}.html", wait_until="networkidle")
        page.wait_for_function("() => !window.MathJax || !MathJax.startup || MathJax.startup.promise")
        page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
        seen[name] = {**page.evaluate(_PAGE_FACTS), "requests": list(requests), "title": page.title()}
    context.close()
    return seen


def test_no_page_makes_a_request_that_leaves_the_machine(pages, server):
    for name, facts in pages.items():
        outside = [url for url in facts["requests"] if not url.startswith((server, "data:", "blob:"))]
        assert not outside, f"{name}.html asked for {outside}"
        assert len(facts["requests"]) > 3, f"{name}.html made only {facts['requests']}: was it recorded?"


def test_code_lines_of_the_course_length_fit_without_scrolling(pages):
    """The notebooks' code is formatted at ruff's line length; a line that long fits the column at 1440 px."""
    length = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["line-length"]
    for stem in STEMS:
        facts = pages[stem]
        assert facts["code"] > 10, f"{stem}: only {facts['code']} code cells found"
        short = [n for n in facts["scrolling"] if n <= length]
        assert not short, (
            f"{stem}: code cells with lines of at most {length} characters scroll sideways: {short}"
        )


def test_math_is_typeset_and_no_raw_tex_is_left(pages):
    for name, facts in pages.items():
        for raw in ("$$", "\\frac", "\\begin{", "\\mathbb", "\\mid"):
            assert raw not in facts["text"], f"{name}.html shows raw TeX {raw!r}"
    for stem in STEMS:
        assert pages[stem]["math"] >= 5, f"{stem}: only {pages[stem]['math']} typeset formulas"
    assert pages["07_variational_inference"]["math"] >= 100


def test_every_figure_shows(pages, executed):
    for stem in STEMS:
        facts = pages[stem]
        assert not facts["broken"], f"{stem}.html has images that did not load: {facts['broken']}"
        drawn = _png_outputs(nbformat.read(executed / "executed" / f"{stem}.ipynb", as_version=4))
        assert drawn >= 1, f"{stem}: its run drew no figure as an image (a non-inline matplotlib backend?)"
        assert facts["figures"] == drawn, f"{stem}.html shows {facts['figures']} of the run's {drawn} figures"


def test_every_link_inside_the_book_leads_to_a_page(pages, server, book):
    for name, facts in pages.items():
        for href in facts["links"]:
            url = urljoin(f"{server}{name}.html", href)
            if not url.startswith(server) or href.startswith("#"):
                continue
            target = book["out"] / urlparse(url).path.lstrip("/")
            assert target.is_file() or (target / "index.html").is_file(), (
                f"{name}.html links to missing {href}"
            )
    for stem in STEMS[1:]:  # the page order is the course's: each notebook's page links to the one before
        previous = STEMS[STEMS.index(stem) - 1]
        assert f"{previous}.html" in pages[stem]["links"], f"{stem}.html has no link to {previous}.html"


def test_search_finds_reparameterization_and_lands_on_notebook_07_or_08(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}search.html?q=reparameterization", wait_until="networkidle")
    page.wait_for_selector("#search-results ul.search li a", timeout=20_000)
    hits = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.href)")
    first = hits[0]
    assert re.search(r"/0[78]_[a-z_]+\.html", first), f"the first hit is {first}; all: {hits}"
    page.click("#search-results ul.search li a >> nth=0")
    page.wait_for_load_state("networkidle")
    assert re.search(r"/0[78]_[a-z_]+\.html", page.url), page.url
    assert "reparameteri" in page.inner_text("article").lower()
    context.close()


def test_the_colab_buttons_open_this_repositorys_notebooks(browser, server):
    url = stamp_notebooks.repository_url()
    owner_repo = url.removeprefix("https://github.com/")
    context = browser.new_context()
    page = context.new_page()
    stem = "08_variational_autoencoders"
    page.goto(f"{server}{stem}.html", wait_until="networkidle")
    colab = page.eval_on_selector_all(
        'a[href^="https://colab.research.google.com/"]', "els => els.map(e => e.getAttribute('href'))"
    )
    base = f"https://colab.research.google.com/github/{owner_repo}/blob/{stamp_notebooks.BRANCH}"
    assert f"{base}/notebooks/{stem}.ipynb" in colab, colab
    assert f"{base}/student/{stem}.ipynb" in colab, colab
    downloads = page.eval_on_selector_all(
        ".dropdown-download-buttons a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    assert f"notebooks/{stem}.ipynb" in downloads and f"student/{stem}.ipynb" in downloads, downloads
    assert any(d.endswith(f"_sources/{stem}.ipynb") for d in downloads), downloads
    context.close()


def test_the_results_page_has_every_notebooks_run(pages):
    text = pages["results"]["text"]
    for stem in STEMS:
        assert re.search(rf"{stem}\s*smoke", text), f"the results page has no smoke run of {stem}"
    assert "Grading with nbgrader" in pages["instructors"]["text"]
    assert "Trained once, loaded after" in pages["running"]["text"]


def test_screenshots_of_the_landing_page_and_notebook_08(browser, server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    shots = {"index": SCREENSHOTS / "index.png", "08_variational_autoencoders": SCREENSHOTS / "08.png"}
    for name, png in shots.items():
        png.unlink(missing_ok=True)
        page.goto(f"{server}{name}.html", wait_until="networkidle")
        page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
        page.screenshot(path=str(png))
        _assert_not_blank(png)
    # and a figure of notebook 08 as a reader scrolls to it
    figure = page.locator("div.cell_output img").nth(2)
    figure.scroll_into_view_if_needed()
    png = SCREENSHOTS / "08-figure.png"
    page.screenshot(path=str(png))
    _assert_not_blank(png)
    context.close()


def test_the_pages_workflow_runs_the_course_in_full_then_publishes_the_book():
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs == ["make install", "make data", "make course", "make site"], runs
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "build/site"
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages")
