"""Turn a percent-format script (``# %%`` cells, as in VS Code, Spyder or jupytext) into a course notebook.

For authors who prefer a text editor::

    python tools/from_percent.py draft.py notebooks/NN_name.ipynb

Markdown cells are ``# %% [markdown]``; a cell's tags go in its header: ``# %% tags=["solution"]``. The result has
no outputs, the ``python3`` kernel, no jupytext metadata, and is then stamped (Colab badge and setup cell) from
``pyproject.toml``. ``jupytext --to py:percent notebooks/NN_name.ipynb`` goes the other way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stamp_notebooks  # noqa: E402

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def convert(src: Path, dest: Path) -> None:
    nb = jupytext.read(src, fmt="py:percent")
    nb.metadata = nbformat.NotebookNode(
        {"kernelspec": KERNELSPEC, "language_info": {"name": "python", "pygments_lexer": "ipython3"}}
    )
    for cell in nb.cells:
        cell.metadata.pop("lines_to_next_cell", None)
        if not cell.metadata.get("jupyter"):  # jupytext leaves an empty "jupyter" entry behind
            cell.metadata.pop("jupyter", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.nbformat, nb.nbformat_minor = 4, 5
    stamp_notebooks.stamp(nb, dest.name, stamp_notebooks.repository_url())
    # keep cell ids stable across re-conversions so that diffs stay small
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{dest.stem[:2]}-{i:03d}"
    nbformat.validate(nb)
    nbformat.write(nb, dest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("dest", type=Path)
    args = parser.parse_args(argv)
    convert(args.src, args.dest)
    print(f"wrote {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
