"""tools/student_edition.py: editions without solutions, every exercise followed by its self-check."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import student_edition  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def test_the_preprocessor_really_removes_cells():
    """TagRemovePreprocessor keeps everything unless enabled: guard against that silent failure."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("answer = None"),
            nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["solution"]}),
            nbformat.v4.new_code_cell("assert answer == 42"),
        ]
    )
    edition = student_edition.student_edition(nb)
    assert [c.source for c in edition.cells] == ["answer = None", "assert answer == 42"]
    assert len(nb.cells) == 3  # the source is left alone


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_student_edition_has_no_solutions_and_keeps_the_checks(path):
    nb = nbformat.read(path, as_version=4)
    solutions = [i for i, c in enumerate(nb.cells) if "solution" in _tags(c)]
    assert len(solutions) >= 2, f"{path.name}: at least two exercises with a `solution` cell"
    edition = student_edition.student_edition(nb)
    nbformat.validate(edition)
    assert not any("solution" in _tags(c) for c in edition.cells)
    assert len(edition.cells) == len(nb.cells) - len(solutions)
    kept = {c.source for c in edition.cells}
    for i in solutions:
        check = nb.cells[i + 1]
        assert check.cell_type == "code" and "solution" not in _tags(check), (
            f"{path.name}: cell {i + 1} after a solution must be its self-check"
        )
        assert check.source in kept
        assert nb.cells[i].source not in kept
