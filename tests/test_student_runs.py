""" "Run all" on a blank student edition runs to the end in smoke mode, every check printing a ✗ line with a hint.

This is what a student sees who runs a notebook before answering anything: no traceback, one ✗ line per exercise,
no ✓. The editions run as a learner runs them, without ``COURSE_STRICT_CHECKS`` (the tests set it to 1 for the
solution notebooks, whose checks must all be ✓).

When the session also runs the notebook itself (nbval, ``make test``), its edition waits for that run to be
complete and then loads the models it trained from the session's cache, as a student's edition loads what the
instructor's ``make pretrained`` left; alone, it trains them.

One test class per notebook, so that ``pytest -n 3 --dist loadscope`` (``make test``) spreads them over the
workers. On CI the student editions of ``tests/test_colab_simulation.py``'s notebooks are left to that test, which
runs them the way a student's Colab badge does (and checks their ✗ lines with :func:`assert_blank_checks`);
elsewhere, where the Colab simulation may be skipped, every edition runs here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests import executed_notebooks

ROOT = Path(__file__).resolve().parents[1]
EDITIONS = sorted((ROOT / "student").glob("[0-9][0-9]_*.ipynb"))
CHECK_CALL = re.compile(r"cu\.checks\.nb(\d\d)\.exercise_(\d)\(")


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def assert_blank_checks(nb: nbformat.NotebookNode, name: str) -> None:
    """Every check cell of an executed blank edition printed a ✗ line with a hint, and none printed ✓."""
    checked = 0
    for cell in nb.cells:
        match = CHECK_CALL.search(cell.source) if cell.cell_type == "code" else None
        if not match:
            continue
        checked += 1
        exercise_id = f"{match.group(1)}.{match.group(2)}"
        out = _text(cell)
        assert re.search(rf"^✗ {re.escape(exercise_id)} not yet: .{{20,}}", out, re.M), (
            f"{name}: the blank check of {exercise_id} printed {out!r}, not a ✗ line with a hint"
        )
        assert "✓" not in out, f"{name}: a blank answer passed {exercise_id}"
    assert checked >= 2, f"{name}: expected at least two check cells, found {checked}"


def run_blank_edition(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ, COURSE_MODE="smoke", COURSE_STRICT_CHECKS="0")
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute(env=env)  # raises CellExecutionError, with the traceback, if any cell fails
    assert_blank_checks(nb, path.name)


def _make_class(path: Path) -> type:
    def test_run_all_on_the_blank_edition(self, request) -> None:
        # the edition loads the models its notebook trained in this session's cache: wait for that run
        executed_notebooks.wait_for(request.session, path.stem)
        run_blank_edition(path)

    return type(
        f"TestStudentEdition{path.name[:2]}",
        (),
        {"test_run_all_on_the_blank_edition": test_run_all_on_the_blank_edition},
    )


if (
    not EDITIONS
):  # pragma: no cover - a checkout always has them (test_student_edition checks they are in sync)
    pytest.fail("student/ holds no editions: run make student", pytrace=False)
# On CI the Colab simulation must run (it fails rather than skips there), and it runs these editions itself.
IN_COLAB_TEST = {"00", "08"} if os.environ.get("CI") else set()
for _path in EDITIONS:
    if _path.name[:2] in IN_COLAB_TEST:
        continue
    globals()[f"TestStudentEdition{_path.name[:2]}"] = _make_class(_path)
