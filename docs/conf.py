"""Sphinx configuration of the course book (``make site``; ``tools/build_site.py`` stages the sources).

The book is built by Sphinx with MyST-NB (the executed notebooks, never re-executed) and the Sphinx Book Theme,
and works without a network: MathJax is served from the book itself (``sphinx-mathjax-offline``), the theme's
fonts and icons are bundled, and widget views are not rendered (their static figures are). What the staging step
knows about the course (repository, notebooks, run) is in ``_course.json`` beside this file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
COURSE = json.loads((HERE / "_course.json").read_text())

project = COURSE["title"]
author = "The course's authors"
copyright = f"{COURSE['year']}, {author}"
# "sphinx-mathjax-offline" (its module name has hyphens) copies MathJax 3 into _static/mathjax/ and points pages at it
# sphinx.ext.githubpages writes .nojekyll, so that GitHub Pages serves the _static/ folder from a gh-pages branch
extensions = ["myst_nb", "sphinx-mathjax-offline", "sphinx.ext.githubpages", "course_site"]

root_doc = "index"
# what tools/build_site.py stages beside the pages but Sphinx must not read as pages (and where it writes)
exclude_patterns = [
    "_readme.md",
    "_course.json",
    "_extra",
    "_html",
    "_doctrees",
    "jupyter_execute",
    "Thumbs.db",
    ".DS_Store",
]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

# MyST: $…$ and $$…$$ math, \begin{align} blocks, heading anchors for links such as README.md#data
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
# $$…$$ inside a paragraph (no blank line around it), as Jupyter renders it: display math there too
myst_dmath_double_inline = True
nb_execution_mode = "off"  # the notebooks arrive executed (make course, or make site MODE=smoke)
nb_ipywidgets_js = {}  # widget views need a kernel and a CDN; each explorer's static figure is shown instead
nb_merge_streams = True

html_theme = "sphinx_book_theme"
html_title = COURSE["title"]
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_extra_path = ["_extra"]  # notebooks/ and student/ as downloads, beside the pages
html_last_updated_fmt = ""
html_copy_source = True
html_theme_options = {
    "repository_url": COURSE["repository"],
    "repository_branch": COURSE["branch"],
    "path_to_docs": "notebooks",
    "use_repository_button": True,
    "use_issues_button": False,
    "use_download_button": False,  # course_site adds its own: the notebook, the student edition, the executed copy
    "launch_buttons": {"colab_url": "https://colab.research.google.com", "notebook_interface": "jupyterlab"},
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    # the book's search box is in the sidebar; without this the PyData header above the page repeats it
    "navbar_persistent": [],
    "extra_footer": COURSE["footer"],
}
