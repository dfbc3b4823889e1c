"""Build an nbgrader course folder from the course's notebooks (``make assignment``).

nbgrader (https://nbgrader.readthedocs.io) is the grading tool of university JupyterHubs; it also grades on a
laptop, without Docker. This tool writes its ``source/`` assignments from the one source of the course, then lets
``nbgrader generate_assignment`` make what students receive (``release/``)::

    python tools/assignment.py                       # every notebook -> build/nbgrader/ (source/ and release/)
    python tools/assignment.py --only 03 --out DIR   # one notebook, another course folder

Each notebook ``NN_name.ipynb`` becomes the assignment ``nbNN``. Its exercises, laid out as in CONTRIBUTING.md,
become nbgrader cells:

* the blank answer cell and the ``solution`` cell after it: one autograded answer cell, the solution between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader replaces it by ``# your code here``);
* the check cell: a locked, autograded test cell worth the exercise's stars in points. Students see
  ``passed_NN_k = cu.checks.nbNN.exercise_k(...)`` (it prints ✓ or ✗; "Run all" goes on); between
  ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``, which nbgrader strips from the release and puts back to
  grade, follow ``assert passed_NN_k`` and the instructor's ``hidden-test`` cell, if there is one;
* a prose question's ``answer`` cell stays as the prompt, and the model answer after it becomes a manually graded
  answer cell worth one point (students see "*Your answer here*").

Everything else is copied as it is. See the README's instructors' section for the whole workflow (release,
collect, ``nbgrader autograde``, manual grading, ``nbgrader export``).
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stamp_notebooks  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COURSE_ID = "autoencoders"
CHECK_CALL = re.compile(r"cu\.checks\.nb(\d\d)\.exercise_(\d)\(")
EXERCISE_HEADING = re.compile(r"\*\*Exercise (\d+) (★+)")
CODE_STUB = "# your code here"
TEXT_STUB = "*Your answer here (double-click this cell to write it).*"

CONFIG = f'''"""nbgrader settings of the course (written by tools/assignment.py)."""

c = get_config()  # noqa: F821 - provided by nbgrader
c.CourseDirectory.course_id = "{COURSE_ID}"
# A blank answer cell keeps running ("Run all" goes on; the check prints ✗), instead of raising
# NotImplementedError, nbgrader's default.
c.ClearSolutions.code_stub = {{"python": "{CODE_STUB}"}}
c.ClearSolutions.text_stub = "{TEXT_STUB}"
# Training cells of a notebook run for minutes in full mode on a CPU (the default is 30 s per cell).
c.Execute.timeout = 1800
'''


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _meta(grade_id: str, *, solution: bool, grade: bool, locked: bool, points: int | None = None) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return meta


def _stars(cells: list, before: int, number: int) -> int:
    """The points of exercise ``number``: the stars of its heading, the nearest one above cell ``before``."""
    for cell in reversed(cells[:before]):
        match = EXERCISE_HEADING.search(cell.source) if cell.cell_type == "markdown" else None
        if match and int(match.group(1)) == number:
            return len(match.group(2))
    raise ValueError(f"no '**Exercise {number} ★…' heading above cell {before}")


def assertion(check_source: str, exercise_id: str, hidden: str = "") -> str:
    """The check cell as a graded test whose ``assert`` only the grader sees.

    What students get runs the check and keeps its verdict (``passed_NN_k = cu.checks...``): it prints ✓ or ✗ and
    "Run all" goes on. The ``assert`` on the verdict, and the instructor's ``hidden`` tests, sit between nbgrader's
    hidden-test markers: stripped from the release, put back by ``nbgrader autograde``, where a wrong answer
    fails the cell and scores zero.
    """
    tree = ast.parse(check_source)
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        raise ValueError(f"the check cell of {exercise_id} must be a single call, got:\n{check_source}")
    verdict = "passed_" + exercise_id.replace(".", "_")
    lines = [
        f"{verdict} = {check_source.strip()}",
        "### BEGIN HIDDEN TESTS",
        f'assert {verdict}, "{exercise_id} is not right yet: see the ✗ line above"',
    ]
    if hidden:
        lines.append(hidden.rstrip())
    return "\n".join([*lines, "### END HIDDEN TESTS"])


def assignment_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The nbgrader ``source/`` version of a course notebook (solutions marked, checks as graded tests)."""
    cells = nb.cells
    out = []
    i = 0
    while i < len(cells):
        cell = cells[i]
        nxt = cells[i + 1] if i + 1 < len(cells) else None
        if (
            nxt is not None
            and nxt.cell_type == "code"
            and "solution" in _tags(nxt)
            and cell.cell_type == "code"
        ):
            check = cells[i + 2]
            match = CHECK_CALL.search(check.source)
            if not match:
                raise ValueError(f"cell {i + 2} after a solution is not a check: {check.source[:80]!r}")
            nn, k = match.group(1), int(match.group(2))
            exercise_id = f"{nn}.{k}"
            answer = nbformat.v4.new_code_cell(
                f"{cell.source.rstrip()}\n### BEGIN SOLUTION\n{nxt.source.rstrip()}\n### END SOLUTION",
                metadata={"nbgrader": _meta(f"answer-{nn}-{k}", solution=True, grade=False, locked=False)},
            )
            i += 3
            hidden = ""
            if i < len(cells) and "hidden-test" in _tags(cells[i]):
                hidden = cells[i].source
                i += 1
            test = assertion(check.source, exercise_id, hidden)
            points = _stars(cells, i, k)
            out += [
                answer,
                nbformat.v4.new_code_cell(
                    test,
                    metadata={
                        "nbgrader": _meta(
                            f"check-{nn}-{k}", solution=False, grade=True, locked=True, points=points
                        )
                    },
                ),
            ]
            continue
        if "answer" in _tags(cell) and nxt is not None and "solution" in _tags(nxt):
            match = re.search(r"\((\d\d)\.(\d)\)", cell.source)
            if not match:
                raise ValueError(f"answer cell {i} must name its exercise, like '**Your answer (03.2):**'")
            nn, k = match.groups()
            out += [
                nbformat.v4.new_markdown_cell(cell.source),
                nbformat.v4.new_markdown_cell(
                    nxt.source,
                    metadata={
                        "nbgrader": _meta(
                            f"prose-{nn}-{k}", solution=True, grade=True, locked=False, points=1
                        )
                    },
                ),
            ]
            i += 2
            continue
        if {"solution", "hidden-test"} & set(_tags(cell)):
            raise ValueError(f"cell {i} is tagged {_tags(cell)} but is not where CONTRIBUTING.md puts it")
        copy = nbformat.from_dict(cell)
        if copy.cell_type == "code":
            copy.outputs, copy.execution_count = [], None
        out.append(copy)
        i += 1
    result = nbformat.v4.new_notebook(cells=out, metadata=nb.metadata)
    for j, cell in enumerate(result.cells):  # deterministic ids: the same source gives the same folder
        cell.id = f"cell-{j:03d}"
    return result


def write_course(out: Path, only: list[str] | None = None) -> list[str]:
    """Write ``nbgrader_config.py`` and ``source/nbNN/NN_name.ipynb``; return the assignment names."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(CONFIG)
    names = []
    for path in stamp_notebooks.notebooks(ROOT):
        if only and path.name[:2] not in only:
            continue
        name = f"nb{path.name[:2]}"
        folder = out / "source" / name
        folder.mkdir(parents=True, exist_ok=True)
        nb = assignment_notebook(nbformat.read(path, as_version=4))
        nbformat.validate(nb)
        nbformat.write(nb, folder / path.name)
        names.append(name)
    if only and not names:
        raise SystemExit(f"no notebook matches {only}")
    return names


def nbgrader(out: Path, *args: str) -> None:
    """Run ``nbgrader <args>`` in the course folder ``out`` (its config and gradebook live there)."""
    bin_dir = Path(sys.executable).parent  # nbgrader runs `alembic` from PATH to create its gradebook
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    subprocess.run([str(bin_dir / "nbgrader"), *args], cwd=out, check=True, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "nbgrader")
    parser.add_argument("--only", nargs="*", help="notebook number prefixes, e.g. 03 07")
    args = parser.parse_args(argv)
    names = write_course(args.out, args.only)
    for name in names:
        nbgrader(args.out, "generate_assignment", name, "--force", "--log-level=WARN")
    print(f"{args.out}: {len(names)} assignment(s) in source/ and release/ ({', '.join(names)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
