"""tools/build_site.py: the executed course as static HTML pages, looked at in headless Chromium.

Notebook 00 (the quickest) is executed in smoke mode into a temporary build, rendered, and opened in Chromium,
which dumps each page's DOM after load and takes screenshots; the screenshots are kept in
``build/site-screenshots/``. Chromium is Debian's ``chromium`` package: without it these tests are skipped on a
laptop, and fail on CI (``CI`` set), where ``.ci/run`` installs it.
"""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlparse
from urllib.request import url2pathname

import matplotlib.image
import nbformat
import numpy as np
import pytest
from bs4 import BeautifulSoup

from tests.helpers import skip_here_fail_on_ci

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402
import run_course  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "00_welcome.ipynb"
SCREENSHOTS = ROOT / "build" / "site-screenshots"
INSTALL_HINT = (
    "headless Chromium is needed to look at the rendered site: install it with "
    "`apt-get update && apt-get install -y chromium` (Debian/Ubuntu, as root), then rerun"
)
# Without the background-networking flags Chromium tries to phone home, and is refused on a closed network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _chromium_executable() -> str | None:
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _chromium(executable: str, profile: Path, *args: str) -> str:
    """Run headless Chromium once with a fresh profile; return its stdout."""
    profile.mkdir(parents=True)
    done = subprocess.run(
        [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, f"chromium {' '.join(args)} failed:\n{done.stderr[-2000:]}"
    return done.stdout


def _file_of(url: str) -> Path:
    return Path(url2pathname(urlparse(url).path))


def _assert_not_blank(png: Path) -> None:
    pixels = matplotlib.image.imread(png)[..., :3]
    grey = pixels.mean(axis=-1)
    assert grey.std() > 0.05, f"{png} is (almost) uniform: std {grey.std():.4f}"
    assert (grey < 0.5).mean() > 0.005, f"{png} has almost no dark pixels: nothing is drawn on it"
    rgb = (pixels[::2, ::2] * 255).astype(np.uint32)
    colours = np.unique(rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2])
    assert len(colours) > 50, f"{png} has only {len(colours)} colours"


@pytest.fixture(scope="module")
def chromium() -> str:
    executable = _chromium_executable()
    if executable is None:
        skip_here_fail_on_ci(f"Chromium is missing (no /usr/bin/chromium, none on PATH): {INSTALL_HINT}")
    return executable


@pytest.fixture(scope="module")
def site(tmp_path_factory, chromium) -> Path:
    """Notebook 00 executed in smoke mode and rendered; returns the site's folder."""
    build = tmp_path_factory.mktemp("build")
    with pytest.MonkeyPatch.context() as mp:
        # The root conftest.py sets MPLBACKEND=Agg for the notebook tests; a kernel that inherits it shows
        # figures as "<Figure size …>" text. Let ipykernel pick its inline backend, as in `make course`.
        mp.delenv("MPLBACKEND", raising=False)
        row = run_course.run_notebook(NOTEBOOK, build, "smoke", timeout=300)
    assert row["status"] == "ok", f"notebook 00 did not run: {row['status']}"
    out = build / "site"
    build_site.build_site(build / "executed", out)
    return out


@pytest.fixture(scope="module")
def rendered(site, chromium, tmp_path_factory) -> dict:
    """What Chromium shows: the index, then the page its link to notebook 00 leads to (DOMs and screenshots)."""
    profiles = tmp_path_factory.mktemp("chromium")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    index_url = (site / "index.html").as_uri()
    index = BeautifulSoup(_chromium(chromium, profiles / "1", "--dump-dom", index_url), "html.parser")
    link = index.select_one('li#nb-00 a[href$=".html"]')
    assert link is not None, f"the index has no link to notebook 00:\n{index.prettify()[:3000]}"
    page_url = urljoin(index_url, link["href"])
    page = BeautifulSoup(_chromium(chromium, profiles / "2", "--dump-dom", page_url), "html.parser")
    shots = {"index": SCREENSHOTS / "index.png", "page": SCREENSHOTS / "00_welcome.png"}
    for (name, url), size in zip(
        (("index", index_url), ("page", page_url)), ("1280,900", "1280,3000"), strict=True
    ):
        shots[name].unlink(missing_ok=True)
        _chromium(
            chromium, profiles / f"shot-{name}", f"--window-size={size}", f"--screenshot={shots[name]}", url
        )
    return {"index": index, "page_url": page_url, "page": page, "shots": shots}


def test_no_executed_notebooks_says_how_to_make_them(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"make course.*make site MODE=smoke"):
        build_site.build_site(tmp_path / "executed", tmp_path / "site")
    assert build_site.main(["--executed", str(tmp_path), "--out", str(tmp_path / "site")]) == 2


def test_every_notebook_has_the_title_and_promise_the_index_shows():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        number, title, promise = build_site.describe(nbformat.read(path, as_version=4), path.stem)
        assert number == path.name[:2], f"{path.name}: heading says {number}"
        assert title and promise and not promise.startswith("["), f"{path.name}: {title!r}, {promise!r}"


def test_relative_links_to_notebooks_become_pages_and_absolute_ones_stay():
    html = (
        '<a href="03_denoising_autoencoders.ipynb">03</a> <a href="../notebooks/04_x.ipynb#top">04</a> '
        '<a href="https://colab.research.google.com/github/o/r/blob/main/notebooks/00_welcome.ipynb">Colab</a>'
    )
    assert build_site.link_notebooks_to_pages(html) == (
        '<a href="03_denoising_autoencoders.html">03</a> <a href="04_x.html#top">04</a> '
        '<a href="https://colab.research.google.com/github/o/r/blob/main/notebooks/00_welcome.ipynb">Colab</a>'
    )


def test_index_lists_the_notebook_with_a_working_link_and_its_run(rendered):
    entry = rendered["index"].select_one("li#nb-00")
    assert "Welcome" in entry.select_one(".title").get_text()
    assert "By the end of this notebook" in entry.select_one(".promise").get_text()
    assert "smoke mode" in entry.select_one(".run").get_text()
    assert _file_of(rendered["page_url"]).is_file(), (
        f"the index links to a missing page: {rendered['page_url']}"
    )
    assert rendered["page"].title.get_text().startswith("00 · Welcome")


def test_page_contains_the_figures_as_png_images(rendered):
    sources = [img.get("src", "") for img in rendered["page"].find_all("img")]
    pngs = [s for s in sources if s.startswith("data:image/png;base64,")]
    assert len(pngs) >= 3, f"expected notebook 00's figures as embedded PNGs, found {len(pngs)}"
    figure = matplotlib.image.imread(io.BytesIO(base64.b64decode(pngs[0].split(",", 1)[1])), format="png")
    assert figure.shape[0] > 100 and figure.std() > 0.05, f"first figure: shape {figure.shape}"


def test_page_links_point_to_pages_and_back_to_the_index(rendered):
    hrefs = [a["href"] for a in rendered["page"].find_all("a", href=True)]
    relative_notebooks = [h for h in hrefs if ".ipynb" in h and not urlparse(h).scheme]
    assert not relative_notebooks, f"links still pointing at notebooks: {relative_notebooks}"
    assert "01_pca_and_linear_autoencoders.html" in hrefs, "notebook 00's link to 01 should lead to its page"
    assert hrefs.count("index.html") >= 1 and rendered["page"].select_one("nav.course-nav") is not None


def test_screenshots_are_not_blank(rendered):
    for png in rendered["shots"].values():
        assert png.is_file(), f"chromium wrote no screenshot {png}"
        _assert_not_blank(png)


def test_an_explorer_shows_its_static_figure_on_the_page_not_the_blank_widget(tmp_path):
    """Executed notebooks keep widget state; the page must drop it so that the PNG fallback is what shows."""
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 32).decode()
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 08 · Title\n\nPromise."),
            nbformat.v4.new_code_cell(
                "explorer",
                outputs=[
                    nbformat.v4.new_output(
                        "display_data",
                        data={
                            "application/vnd.jupyter.widget-view+json": {
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
    page = build_site.Page(tmp_path / "08_x.ipynb", "08", "Title", "Promise.", None)
    body = build_site.render_page(nb, page)
    assert f"data:image/png;base64,{png}" in body
    assert "widget-state+json" not in body and "widget-view+json" not in body
