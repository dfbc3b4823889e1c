"""tools/assignment.py (``make assignment``): nbgrader assignments from the course, graded end to end.

The end-to-end test is what an instructor does with nbgrader: generate the assignment of one notebook, collect three
submissions — the solution notebook, the blank student edition, one with a wrong answer — run
``nbgrader autograde`` (in smoke mode), give the manually graded prose answers their points, and
``nbgrader export`` the grades to CSV: full, zero and partial points.
"""

from __future__ import annotations

import csv
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import assignment  # noqa: E402

NOTEBOOK = "07"  # the cheapest notebook with three exercises (seconds in smoke mode)
# A plausible mistake in the notebook's first exercise, appended to its solution (so only that exercise fails).
WRONG_ANSWER = """
_right_kl = kl_poisson


def kl_poisson(lam1, lam2):  # a classic slip: the divergence the other way round
    return _right_kl(lam2, lam1)
"""


def _nbg(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _demo_notebook() -> nbformat.NotebookNode:
    new_md, new_code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    return nbformat.v4.new_notebook(
        cells=[
            new_md("# 99 · Demo"),
            new_md("**Exercise 1 ★★ — a number.** Why 42?"),
            new_code("answer = None  # your answer"),
            new_code("answer = 42", metadata={"tags": ["solution"]}),
            new_code("cu.checks.nb99.exercise_1(answer)"),
            new_code(
                "# Hidden test (instructor's copy only)\nassert answer == 42",
                metadata={"tags": ["hidden-test"]},
            ),
            new_md("**Your answer (99.1):** *why 42?*", metadata={"tags": ["answer"]}),
            new_md("**A model answer (99.1).** Because.", metadata={"tags": ["solution"]}),
            new_md("## Summary"),
        ]
    )


def test_an_exercise_becomes_an_answer_cell_a_graded_test_and_a_manually_graded_answer():
    nb = assignment.assignment_notebook(_demo_notebook())
    nbformat.validate(nb)
    sources = [c.source for c in nb.cells]
    assert sources[0] == "# 99 · Demo" and sources[-1] == "## Summary"
    answer, test, prompt, prose = nb.cells[2:6]
    assert answer.source == "answer = None  # your answer\n### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION"
    assert (
        _nbg(answer)["solution"] and not _nbg(answer)["grade"] and _nbg(answer)["grade_id"] == "answer-99-1"
    )
    assert test.source == (
        "passed_99_1 = cu.checks.nb99.exercise_1(answer)\n### BEGIN HIDDEN TESTS\n"
        'assert passed_99_1, "99.1 is not right yet: see the ✗ line above"\n'
        "# Hidden test (instructor's copy only)\nassert answer == 42\n### END HIDDEN TESTS"
    )
    assert _nbg(test)["grade"] and _nbg(test)["locked"] and _nbg(test)["points"] == 2  # ★★
    assert prompt.source.startswith("**Your answer (99.1):**") and not _nbg(prompt)
    assert prose.source.startswith("**A model answer") and _nbg(prose)["points"] == 1
    assert _nbg(prose)["solution"] and _nbg(prose)["grade"] and prose.cell_type == "markdown"
    assert len({_nbg(c)["grade_id"] for c in nb.cells if _nbg(c)}) == 3
    assert assignment.assignment_notebook(_demo_notebook()) == nb  # deterministic


def test_misplaced_tags_and_odd_check_cells_are_errors():
    nb = _demo_notebook()
    nb.cells[5].metadata["tags"] = ["hidden-test"]
    nb.cells.insert(1, nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["hidden-test"]}))
    with pytest.raises(ValueError, match="not where CONTRIBUTING.md puts it"):
        assignment.assignment_notebook(nb)
    with pytest.raises(ValueError, match="must be a single call"):
        assignment.assertion("x = 1\ncheck(x)", "99.1")
    nb = _demo_notebook()
    nb.cells[1].source = "**Exercise 2 ★ — a number.**"
    with pytest.raises(ValueError, match="no '\\*\\*Exercise 1"):
        assignment.assignment_notebook(nb)


def test_every_notebook_converts_with_points_for_every_exercise():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = assignment.assignment_notebook(nbformat.read(path, as_version=4))
        nbformat.validate(nb)
        tests = [c for c in nb.cells if _nbg(c).get("grade") and c.cell_type == "code"]
        assert len(tests) >= 2 and all(1 <= _nbg(c)["points"] <= 3 for c in tests), path.name
        assert all(
            "### BEGIN SOLUTION" in c.source
            for c in nb.cells
            if _nbg(c).get("solution") and c.cell_type == "code"
        )


# ------------------------------------------------------------------------------------------------ end to end
def _solution_bodies(source: nbformat.NotebookNode) -> dict[str, str]:
    """grade_id -> what a student who solved everything would have in that cell."""
    out = {}
    for cell in source.cells:
        meta = _nbg(cell)
        if meta.get("solution") and cell.cell_type == "code":
            out[meta["grade_id"]] = cell.source.replace("### BEGIN SOLUTION\n", "").replace(
                "\n### END SOLUTION", ""
            )
        elif meta.get("solution"):
            out[meta["grade_id"]] = cell.source
    return out


def _submit(course: Path, student: str, nb: nbformat.NotebookNode, name: str, assignment_id: str) -> None:
    folder = course / "submitted" / student / assignment_id
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / name)


def test_nbgrader_grades_the_solution_full_the_blank_zero_and_a_wrong_answer_partly(tmp_path):
    course = tmp_path / "course"
    (name_id,) = assignment.write_course(course, [NOTEBOOK])
    assignment.nbgrader(course, "generate_assignment", name_id, "--force")
    (released,) = (course / "release" / name_id).glob("*.ipynb")
    (source,) = (course / "source" / name_id).glob("*.ipynb")
    release = nbformat.read(released, as_version=4)
    src = nbformat.read(source, as_version=4)
    assert (
        "BEGIN HIDDEN TESTS" not in released.read_text() and "### BEGIN SOLUTION" not in released.read_text()
    )
    assert "# Hidden test" in source.read_text(), (
        f"notebook {NOTEBOOK} should have an instructor's hidden test"
    )
    tests = [c for c in release.cells if _nbg(c).get("grade") and c.cell_type == "code"]
    assert tests and all(c.source.startswith("passed_") and "assert" not in c.source for c in tests), (
        "what students get runs the check and goes on: no assert"
    )

    bodies = _solution_bodies(src)
    solved = nbformat.from_dict(release)
    for cell in solved.cells:
        if _nbg(cell).get("solution"):
            cell.source = bodies[_nbg(cell)["grade_id"]]
    wrong = nbformat.from_dict(solved)
    first = next(c for c in wrong.cells if _nbg(c).get("grade_id", "").startswith("answer-"))
    first.source += "\n" + WRONG_ANSWER
    _submit(course, "solution", solved, released.name, name_id)
    _submit(course, "blank", release, released.name, name_id)
    _submit(course, "wrong", wrong, released.name, name_id)

    env = {"COURSE_MODE": "smoke", "COURSE_STRICT_CHECKS": "0"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        assignment.nbgrader(course, "autograde", name_id, "--force")
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:  # the instructor grades the prose answers
        submission = gb.find_submission_notebook(released.stem, name_id, "solution")
        manual = [g for g in submission.grades if g.needs_manual_grade]
        assert manual, "the solution's prose answers need a human grader"
        for grade in manual:
            grade.manual_score = grade.max_score
        gb.db.commit()

    assignment.nbgrader(course, "export", "--to", str(tmp_path / "grades.csv"))
    with open(tmp_path / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    score = {s: float(rows[s]["score"]) for s in ("solution", "blank", "wrong")}
    max_score = float(rows["solution"]["max_score"])
    assert score["solution"] == max_score > 0, rows
    assert score["blank"] == 0, rows
    assert 0 < score["wrong"] < max_score, rows
    feedback = (course / "autograded" / "blank" / name_id / released.name).read_text()
    assert "✗ " in feedback and "✓ " not in feedback
    shutil.rmtree(course / "autograded")
