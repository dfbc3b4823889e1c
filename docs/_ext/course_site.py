"""Sphinx extension of the course book: each notebook page's buttons for the student edition and downloads.

The Sphinx Book Theme gives a notebook page a launch menu with "Colab" (the full notebook, with solutions). This
adds, for the pages of course notebooks (``NN_name``):

- to the launch menu, "Colab: student edition", which opens ``student/NN_name.ipynb`` of the same repository;
- a download menu with the notebook as in the repository (no outputs), its student edition, the executed copy
  the page shows, and the browser's print-to-PDF.

The two ``.ipynb`` files are staged into ``_extra/notebooks/`` and ``_extra/student/`` by ``tools/build_site.py``
and copied beside the pages by Sphinx (``html_extra_path``).
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx

_COURSE_PAGE = re.compile(r"^\d\d_[A-Za-z0-9_]+$")


def _colab(repository: str, branch: str, path: str) -> str:
    owner_repo = repository.removeprefix("https://github.com/").strip("/")
    return f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{path}"


def add_course_buttons(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree
) -> None:
    """Add the student edition's Colab link and the download menu to a course notebook's page."""
    if not _COURSE_PAGE.match(pagename) or "header_buttons" not in context:
        return
    options = app.config.html_theme_options
    repository, branch = options["repository_url"], options["repository_branch"]
    buttons = context["header_buttons"]
    launch = next((b for b in buttons if b.get("label") == "launch-buttons"), None)
    student_colab = {
        "type": "link",
        "text": "Colab: student edition",
        "tooltip": "Open the student edition (no solutions) in Colab",
        "icon": "_static/images/logo_colab.png",
        "url": _colab(repository, branch, f"student/{pagename}.ipynb"),
        "label": "colab-student-button",
    }
    if launch is None:
        raise RuntimeError(f"{pagename}: the theme added no launch menu; is launch_buttons.colab_url set?")
    launch["buttons"].append(student_colab)
    pathto = context["pathto"]
    downloads = [
        (
            "notebooks",
            "notebook (.ipynb)",
            "The notebook as in the repository, without outputs",
            "fas fa-code",
        ),
        (
            "student",
            "student edition (.ipynb)",
            "The student edition: exercises without solutions",
            "fas fa-user-graduate",
        ),
    ]
    group = [
        {
            "type": "link",
            "text": text,
            "tooltip": tooltip,
            "icon": icon,
            "url": pathto(f"{folder}/{pagename}.ipynb", 1),
            "label": f"download-{folder}-button",
        }
        for folder, text, tooltip, icon in downloads
    ]
    group.append(
        {
            "type": "link",
            "text": "with these outputs (.ipynb)",
            "tooltip": "The executed notebook this page shows",
            "icon": "fas fa-file",
            "url": f"{pathto('_sources', 1)}/{context['sourcename']}",
            "label": "download-executed-button",
        }
    )
    group.append(
        {
            "type": "javascript",
            "javascript": "window.print()",
            "text": ".pdf",
            "tooltip": "Print to PDF",
            "icon": "fas fa-file-pdf",
            "label": "download-pdf-button",
        }
    )
    buttons.insert(
        buttons.index(launch) + 1,
        {
            "type": "group",
            "tooltip": "Download this notebook",
            "icon": "fas fa-download",
            "buttons": group,
            "label": "download-buttons",
        },
    )


def setup(app: Sphinx) -> dict[str, Any]:
    # after the theme's own header buttons (priority 501)
    app.connect("html-page-context", add_course_buttons, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
