"""course_utils.checks: every exercise has a check; blank answers fail with a hint; the core helpers behave.

That each check *passes on the solution* is tested where the solution lives: executing the notebooks (nbval) runs
every solution cell and then its check, which raises if the solution were wrong.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

import course_utils as cu
from course_utils import checks

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import student_edition  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CALL = re.compile(r"cu\.checks\.nb(\d\d)\.exercise_(\d)\(")


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _exercises(path: Path) -> list[tuple[int, object, object, object]]:
    """(exercise number, blank template cell, solution cell, check cell) for each exercise of a notebook."""
    cells = nbformat.read(path, as_version=4).cells
    out = []
    for i, cell in enumerate(cells):
        if "solution" in _tags(cell) and cell.cell_type == "code":  # markdown solutions are model answers
            check = cells[i + 1]
            match = CALL.search(check.source)
            out.append((int(match.group(2)) if match else -1, cells[i - 1], cell, check))
    return out


class _Context:
    """Stands for a notebook object (data, a trained model ...) that a blank answer must never get to."""

    def __getattr__(self, name):
        raise AssertionError(
            f"a check used the notebook's context ({name!r}) before rejecting a blank answer"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_exercise_is_checked_by_its_notebooks_check_function(path):
    exercises = _exercises(path)
    assert len(exercises) >= 2, f"{path.name}: at least two exercises with a solution and a check"
    registry = checks.load_all()
    for number, _, _, check in exercises:
        match = CALL.search(check.source)
        assert match, (
            f"{path.name}: the cell after a solution must call cu.checks.nb{path.name[:2]}.exercise_k(...)"
        )
        assert match.group(1) == path.name[:2], f"{path.name} calls the checks of notebook {match.group(1)}"
        assert f"{path.name[:2]}.{number}" in registry
    numbers = [e[0] for e in exercises]
    assert numbers == list(range(1, len(numbers) + 1)), f"{path.name}: exercises numbered 1, 2, ... in order"


def test_every_registered_check_is_used_by_a_notebook():
    used = {
        f"{m.group(1)}.{m.group(2)}"
        for p in NOTEBOOKS
        for _, _, _, c in _exercises(p)
        for m in [CALL.search(c.source)]
    }
    assert set(checks.load_all()) == used


def _blank_call(path: Path, template, check):
    """Run the exercise's check on the blank template's answers (everything else is a _Context)."""
    namespace = {"np": np, "cu": cu}
    exec(compile(template.source, f"{path.name}:template", "exec"), namespace)  # the blank answer cell
    call = next(
        node
        for node in ast.walk(ast.parse(check.source))
        if isinstance(node, ast.Call) and ast.unparse(node.func).startswith("cu.checks.nb")
    )

    def value(node):
        return namespace[node.id] if isinstance(node, ast.Name) and node.id in namespace else _Context()

    args = [value(a) for a in call.args]
    kwargs = {k.arg: value(k.value) for k in call.keywords}
    return eval(compile(ast.Expression(call.func), "check", "eval"), namespace), args, kwargs


@pytest.mark.parametrize(
    ("path", "number"),
    [(p, n) for p in NOTEBOOKS for n, *_ in _exercises(p)],
    ids=[f"{p.name[:2]}.{n}" for p in NOTEBOOKS for n, *_ in _exercises(p)],
)
def test_check_fails_on_the_blank_template_with_a_hint(path, number, capsys):
    _, template, solution, check = next(e for e in _exercises(path) if e[0] == number)
    fn, args, kwargs = _blank_call(path, template, check)
    with pytest.raises(checks.NotYet) as err:
        fn(*args, **kwargs)
    message = str(err.value)
    assert message.startswith(f"{path.name[:2]}.{number} not yet: ") and len(message) > 30
    assert "✓" not in capsys.readouterr().out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_student_edition_keeps_every_check_and_no_solution_code(path):
    nb = nbformat.read(path, as_version=4)
    edition = student_edition.student_edition(nb)
    nbformat.validate(edition)
    sources = [c.source for c in edition.cells]
    for _, template, solution, check in _exercises(path):
        assert template.source in sources and check.source in sources
        assert solution.source not in sources
        body = [line for line in solution.source.splitlines() if line.strip() and not line.startswith("#")]
        assert not any(line in sources for line in body if len(line) > 40 and line not in template.source)


# ------------------------------------------------------------------------------------------------ core helpers
def test_a_check_prints_one_line_and_returns_whether_the_answer_is_right(capsys, monkeypatch):
    @checks.exercise("99.1")
    def demo(answer):
        checks.answered(answer, "answer", "a number")
        checks.require(answer == 42, "count again")
        return "well done"

    try:
        monkeypatch.setenv("COURSE_STRICT_CHECKS", "0")  # a learner's notebook: "Run all" must not stop
        assert demo(42) is True
        assert capsys.readouterr().out == "✓ 99.1 right: well done\n"
        assert demo(41) is False
        assert capsys.readouterr().out == "✗ 99.1 not yet: count again\n"
        assert demo(None) is False
        assert capsys.readouterr().out == "✗ 99.1 not yet: `answer` is still None: store a number in it\n"

        monkeypatch.setenv(
            "COURSE_STRICT_CHECKS", "1"
        )  # the tests: a solution that is not right fails loudly
        assert demo(42) is True
        with pytest.raises(checks.NotYet, match=r"^99\.1 not yet: count again$"):
            demo(41)
        with pytest.raises(checks.NotYet, match="`answer` is still None: store a number in it"):
            demo(None)
        assert "✗" not in capsys.readouterr().out
    finally:
        checks.REGISTRY.pop("99.1")


def test_an_unforeseen_error_in_a_check_is_a_hint_for_learners_and_an_error_in_the_tests(capsys, monkeypatch):
    @checks.exercise("99.2")
    def demo(answer):
        return f"{1 / answer}"

    try:
        monkeypatch.setenv("COURSE_STRICT_CHECKS", "0")
        assert demo(0) is False
        assert capsys.readouterr().out == (
            "✗ 99.2 not yet: the check could not use your answer (ZeroDivisionError: division by zero)\n"
        )
        monkeypatch.setenv("COURSE_STRICT_CHECKS", "1")
        with pytest.raises(ZeroDivisionError):
            demo(0)
    finally:
        checks.REGISTRY.pop("99.2")


def test_answered_function_calls_the_function_and_explains_errors():
    with pytest.raises(checks.NotYet, match="must be a function"):
        checks.answered_function(None, "f")
    with pytest.raises(checks.NotYet, match="returns None"):
        checks.answered_function(lambda x: None, "f", probe=(1,))
    with pytest.raises(checks.NotYet, match="ZeroDivisionError"):
        checks.answered_function(lambda x: x / 0, "f", probe=(1,))


@pytest.mark.parametrize(
    ("value", "match"),
    [(None, "single finite number"), ([1, 2], "single finite number"), (float("nan"), "finite")],
)
def test_as_number_rejects_what_is_not_one_number(value, match):
    with pytest.raises(checks.NotYet, match=match):
        checks.as_number(value, "x")


def test_as_array_and_close_explain_shapes_and_values():
    with pytest.raises(checks.NotYet, match=r"shape \(3,\)"):
        checks.as_array([1, 2], "x", shape=(3,))
    with pytest.raises(checks.NotYet, match="look again"):
        checks.close([1.0, 2.0], [1.0, 2.1], "look again")
    checks.close([1.0, 2.0], [1.0, 2.0 + 1e-9], "fine")


def test_exercise_ids_are_notebook_dot_number():
    with pytest.raises(ValueError, match="03.1"):
        checks.exercise("3-1")
