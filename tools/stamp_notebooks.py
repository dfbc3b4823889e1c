"""Re-stamp every notebook's "Open in Colab" badge and Colab setup cell from pyproject's repository URL.

The repository's address is written in one place, ``[project.urls] Repository`` in ``pyproject.toml``. An instructor
who forks the course changes it there and runs::

    python tools/stamp_notebooks.py          # rewrite notebooks/NN_*.ipynb in place
    python tools/stamp_notebooks.py --check  # exit 1 if any notebook is not stamped (used by the tests)

then ``make student`` (the student editions in ``student/`` are stamped from the same URL, their badges opening
themselves), and commits and pushes both folders.

The badge is the line of the first (title) cell that starts with ``[![Open In Colab]``; the setup cell is the code
cell tagged ``colab-setup``. Both are created if missing (badge after the title line, setup cell after the first
markdown cell).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BRANCH = "main"
BADGE_PREFIX = "[![Open In Colab]"
SETUP_TAG = "colab-setup"


def repository_url(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The repository URL from ``[project.urls] Repository``, without a trailing slash or ``.git``."""
    meta = tomllib.loads(pyproject.read_text())
    try:
        url = meta["project"]["urls"]["Repository"]
    except KeyError as err:
        raise ValueError(f"{pyproject} has no [project.urls] Repository entry") from err
    url = url.rstrip("/").removesuffix(".git")
    if not re.match(r"^https://github\.com/[\w.-]+/[\w.-]+$", url):
        raise ValueError(f"Repository must look like https://github.com/OWNER/REPO, got {url!r}")
    return url


def badge(url: str, notebook: str, folder: str = "notebooks") -> str:
    """The Markdown badge that opens ``<folder>/<notebook>`` of ``url`` in Colab (the student edition: ``student``)."""
    path = url.removeprefix("https://github.com/")
    target = f"https://colab.research.google.com/github/{path}/blob/{BRANCH}/{folder}/{notebook}"
    return f"{BADGE_PREFIX}(https://colab.research.google.com/assets/colab-badge.svg)]({target})"


def setup_source(url: str) -> str:
    """The Colab setup cell: installs the helpers and imaug with --no-deps, so Colab's own stack is untouched."""
    return (
        "# Colab only: install the course helpers and imgaug's NumPy-2 fork `imaug`, without touching Colab's own\n"
        "# TensorFlow, Keras or NumPy (--no-deps). pip's note about restarting does not apply: nothing already\n"
        "# imported changes. Elsewhere this cell does nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install -q --no-deps "course-utils @ git+{url}@{BRANCH}" imaug'
    )


def stamp(nb: nbformat.NotebookNode, name: str, url: str, folder: str = "notebooks") -> bool:
    """Stamp one notebook in memory (its badge opening ``<folder>/<name>``); return True if it changed."""
    changed = False
    md = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if md is None:
        raise ValueError(f"{name} has no markdown title cell")
    lines = md.source.split("\n")
    new_badge = badge(url, name, folder)
    idx = next((i for i, line in enumerate(lines) if line.startswith(BADGE_PREFIX)), None)
    if idx is None:
        lines.insert(1, "")
        lines.insert(2, new_badge)
    elif lines[idx] != new_badge:
        lines[idx] = new_badge
    new_md = "\n".join(lines)
    if new_md != md.source:
        md.source = new_md
        changed = True

    src = setup_source(url)
    cell = next((c for c in nb.cells if SETUP_TAG in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        cell = nbformat.v4.new_code_cell(src, metadata={"tags": [SETUP_TAG]})
        nb.cells.insert(nb.cells.index(md) + 1, cell)
        changed = True
    elif cell.source != src:
        cell.source = src
        changed = True
    return changed


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only report; exit 1 if a notebook needs stamping"
    )
    args = parser.parse_args(argv)
    url = repository_url()
    stale = []
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        if stamp(nb, path.name, url):
            stale.append(path.name)
            if not args.check:
                nbformat.write(nb, path)
    if args.check and stale:
        print("not stamped for " + url + ": " + ", ".join(stale) + " (run python tools/stamp_notebooks.py)")
        return 1
    print(("would re-stamp" if args.check else "re-stamped") + f" {len(stale)} notebook(s) for {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
