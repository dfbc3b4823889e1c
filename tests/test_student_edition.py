"""tools/student_edition.py: tracked editions without solutions, in sync with the sources, opening themselves.

The layout of an exercise in a source notebook (``CONTRIBUTING.md``): the exercise's markdown, a blank answer cell,
a code cell tagged ``solution``, the check cell; optionally a code cell tagged ``hidden-test`` right after the check
(the instructor's exact-value test, hidden by nbgrader) and, for a prose question, a markdown cell tagged
``answer`` followed by a markdown cell tagged ``solution`` (a model answer).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import stamp_notebooks  # noqa: E402
import student_edition  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
URL = stamp_notebooks.repository_url()


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def test_the_preprocessor_really_removes_cells():
    """TagRemovePreprocessor keeps everything unless enabled: guard against that silent failure."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("answer = None"),
            nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["solution"]}),
            nbformat.v4.new_code_cell("check(answer)"),
            nbformat.v4.new_code_cell("assert answer == 42", metadata={"tags": ["hidden-test"]}),
        ]
    )
    edition = student_edition.student_edition(nb)
    assert [c.source for c in edition.cells] == ["answer = None", "check(answer)"]
    assert len(nb.cells) == 4  # the source is left alone


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_exercise_layout_solutions_hidden_tests_and_answer_cells(path):
    cells = nbformat.read(path, as_version=4).cells
    code_solutions = 0
    for i, cell in enumerate(cells):
        tags = _tags(cell)
        if "solution" in tags and cell.cell_type == "code":
            code_solutions += 1
            check = cells[i + 1]
            assert check.cell_type == "code" and "cu.checks.nb" in check.source and not _tags(check), (
                f"{path.name}: cell {i + 1} after a solution must be its self-check"
            )
            assert cells[i - 1].cell_type == "code" and not _tags(cells[i - 1]), (
                f"{path.name}: cell {i - 1} before a solution must be the blank answer cell"
            )
        elif "solution" in tags:
            assert "answer" in _tags(cells[i - 1]) and cells[i - 1].cell_type == "markdown", (
                f"{path.name}: the model answer in cell {i} must follow a markdown cell tagged `answer`"
            )
            assert cell.source.startswith("**A model answer"), f"{path.name}: cell {i}"
        if "answer" in tags:
            assert cell.cell_type == "markdown" and cell.source.startswith("**Your answer"), (
                f"{path.name}: {i}"
            )
            assert "solution" in _tags(cells[i + 1]), (
                f"{path.name}: answer cell {i} needs a model answer after it"
            )
        if "hidden-test" in tags:
            assert cell.cell_type == "code" and "cu.checks.nb" in cells[i - 1].source, (
                f"{path.name}: the hidden test in cell {i} must come right after a check cell"
            )
            assert cell.source.startswith("# Hidden test"), f"{path.name}: cell {i} starts with # Hidden test"
    assert code_solutions >= 2, f"{path.name}: at least two exercises with a `solution` cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_student_edition_has_no_solutions_and_opens_itself(path):
    nb = nbformat.read(path, as_version=4)
    edition = student_edition.student_edition(nb, path.name, URL)
    nbformat.validate(edition)
    removed = [c for c in nb.cells if {"solution", "hidden-test"} & set(_tags(c))]
    assert not any({"solution", "hidden-test"} & set(_tags(c)) for c in edition.cells)
    assert len(edition.cells) == len(nb.cells) - len(removed)
    kept = {c.source for c in edition.cells}
    assert not any(c.source in kept for c in removed)
    title = edition.cells[0].source
    assert stamp_notebooks.badge(URL, path.name, "student") in title
    assert f"/blob/{stamp_notebooks.BRANCH}/student/{path.name})" in title
    assert student_edition.edition_note(path.name) in title
    # the source's own badge opens the source (with solutions)
    assert stamp_notebooks.badge(URL, path.name) in nb.cells[0].source
    assert "/student/" not in nb.cells[0].source


def test_the_tracked_student_editions_are_in_sync_with_the_sources():
    assert student_edition.stale(ROOT) == [], "run `make student` and commit student/"


def test_a_stale_missing_or_orphan_edition_is_reported(tmp_path):
    for name, text in student_edition.editions(ROOT).items():
        (tmp_path / name).write_text(text)
    assert student_edition.stale(ROOT, tmp_path) == []
    first, second = NOTEBOOKS[0].name, NOTEBOOKS[1].name
    (tmp_path / first).write_text((tmp_path / first).read_text().replace("Exercise", "Exercize", 1))
    (tmp_path / second).unlink()
    (tmp_path / "99_gone.ipynb").write_text("{}")
    assert student_edition.stale(ROOT, tmp_path) == sorted([first, second, "99_gone.ipynb"])
    assert student_edition.main(["--check", "--out", str(tmp_path)]) == 1
    assert student_edition.main(["--out", str(tmp_path)]) == 0
    assert student_edition.main(["--check", "--out", str(tmp_path)]) == 0
    assert not (tmp_path / "99_gone.ipynb").exists()
