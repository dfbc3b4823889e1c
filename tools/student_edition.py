"""Write student editions of the notebooks: the same lessons without the cells tagged ``solution`` (``make student``).

One source notebook per lesson; the editions are generated::

    python tools/student_edition.py                 # -> build/student/NN_name.ipynb

nbconvert's ``TagRemovePreprocessor`` does the removal. Note that it silently keeps every cell unless it is
*enabled* (``enabled=True``) as well as configured with the tags to remove.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import TagRemovePreprocessor

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_TAG = "solution"


def student_edition(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` without its ``solution`` cells (and without outputs)."""
    pre = TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True)
    out, _ = pre.preprocess(nbformat.from_dict(nb), {})
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "student")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        edition = student_edition(nb)
        nbformat.validate(edition)
        nbformat.write(edition, args.out / path.name)
        removed = len(nb.cells) - len(edition.cells)
        print(f"{path.name}: {removed} solution cell(s) removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
