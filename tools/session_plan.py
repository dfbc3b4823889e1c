"""The instructors' planning table: student time, compute time, each exercise's compute cost, peak RAM.

Reads the source notebooks (words to read, exercises and their stars) and a full-mode run of ``make course``
(``build/executed/``: every cell's measured duration; ``build/results/``: wall time and the kernel's peak RAM;
``build/runs.json``: the latest cold and warm run of each notebook)::

    python tools/session_plan.py                 # -> build/session-plan.md (and printed)
    python tools/session_plan.py --build DIR     # another make-course build folder

Student time is a planning estimate from two stated rates (:data:`WORDS_PER_MINUTE` for prose with equations,
:data:`MINUTES_PER_STAR` per star of an exercise); compute times are measured on the machine that ran the course.
An exercise's compute cost is the measured time of its solution and check cells in full mode. A notebook's compute
is its latest *cold* run when ``runs.json`` has one (what a student's first run costs: it trains), and its peak RAM
the larger of the cold and warm runs'; otherwise the latest run's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from assignment import CHECK_CALL, EXERCISE_HEADING  # noqa: E402  (one definition of the exercise layout)
from run_course import _mib  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: Reading rate for technical prose with equations and code (a planning constant, slower than plain prose).
WORDS_PER_MINUTE = 100
#: Student minutes per star of an exercise (★ 10, ★★ 20, ★★★ 30), including reading its statement.
MINUTES_PER_STAR = 10


@dataclass
class Exercise:
    number: int
    stars: int
    seconds: float | None = None  # measured compute of its solution + check cells (full mode)


@dataclass
class Plan:
    notebook: str
    words: int
    exercises: list[Exercise] = field(default_factory=list)
    compute_s: float | None = None  # whole notebook, full mode
    exercise_compute_s: float | None = None  # the exercises' share of it
    peak_mib: float | None = None

    @property
    def reading_min(self) -> float:
        return self.words / WORDS_PER_MINUTE

    @property
    def exercise_min(self) -> float:
        return MINUTES_PER_STAR * sum(e.stars for e in self.exercises)


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def cell_seconds(cell) -> float | None:
    """A cell's measured execution time from nbclient's timing metadata, or None if it was not executed."""
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = dt.datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def words(nb: nbformat.NotebookNode) -> int:
    """Words a student reads: the markdown cells, minus HTML comments, without solutions and model answers."""
    text = " ".join(
        re.sub(r"<!--.*?-->", " ", c.source, flags=re.S)
        for c in nb.cells
        if c.cell_type == "markdown" and "solution" not in _tags(c)
    )
    return len(re.findall(r"[A-Za-z0-9][\w'’-]*", text))


def _check_cells(nb: nbformat.NotebookNode) -> dict[int, int]:
    """Exercise number -> index of its check cell (the cell after a code cell tagged ``solution``)."""
    out = {}
    for i, cell in enumerate(nb.cells[:-1]):
        if cell.cell_type == "code" and "solution" in _tags(cell):
            match = CHECK_CALL.search(nb.cells[i + 1].source)
            if not match:
                raise ValueError(f"cell {i + 1} after a solution is not a check")
            out[int(match.group(2))] = i + 1
    return out


def exercises(nb: nbformat.NotebookNode, executed: nbformat.NotebookNode | None = None) -> list[Exercise]:
    """Each exercise's stars and, given an executed copy, the measured time of its solution and check cells."""
    stars: dict[int, int] = {}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for m in EXERCISE_HEADING.finditer(cell.source):
                stars[int(m.group(1))] = len(m.group(2))
    ran = _check_cells(executed) if executed is not None else {}
    out = []
    for number in _check_cells(nb):
        if number not in stars:
            raise ValueError(f"exercise {number} has no '**Exercise {number} ★…' heading")
        seconds = None
        if number in ran:
            times = [cell_seconds(executed.cells[j]) for j in (ran[number] - 1, ran[number])]
            seconds = sum(times) if None not in times else None
        out.append(Exercise(number, stars[number], seconds))
    return out


def plan(source: Path, build: Path | None) -> Plan:
    nb = nbformat.read(source, as_version=4)
    executed = None
    result: dict = {}
    if build is not None:
        ex_path = build / "executed" / source.name
        res_path = build / "results" / f"{source.stem}.json"
        if ex_path.is_file():
            executed = nbformat.read(ex_path, as_version=4)
        if res_path.is_file():
            result = json.loads(res_path.read_text())
            if result.get("mode") != "full":
                raise ValueError(f"{res_path} is a {result.get('mode')}-mode run: the plan needs make course")
        runs_path = build / "runs.json"
        runs = (
            json.loads(runs_path.read_text()).get(source.stem, {}).get("full", {})
            if runs_path.is_file()
            else {}
        )
        if "cold" in runs:  # the first run's cost, not a later one's that loaded every model
            peaks = [
                r.get("peak_mib") for r in (runs["cold"], runs.get("warm", {}), result) if r.get("peak_mib")
            ]
            result = {**result, "seconds": runs["cold"]["seconds"], "peak_mib": max(peaks, default=None)}
    ex = exercises(nb, executed)
    costs = [e.seconds for e in ex]
    return Plan(
        notebook=source.stem,
        words=words(nb),
        exercises=ex,
        compute_s=result.get("seconds"),
        exercise_compute_s=sum(costs) if ex and None not in costs else None,
        peak_mib=result.get("peak_mib"),
    )


def _s(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value < 0.5:
        return "<1 s"
    return f"{value / 60:.1f} min" if value >= 120 else f"{value:.0f} s"


def markdown(plans: list[Plan]) -> str:
    """The planning table, one row per notebook."""
    lines = [
        "| notebook | reading | exercises | exercise time | compute (full, first run) | of which exercises | peak RAM |",
        "|---|---:|---|---:|---:|---|---:|",
    ]
    for p in plans:
        stars = " ".join(f"{p.notebook[:2]}.{e.number} {'★' * e.stars}" for e in p.exercises)
        costs = ", ".join(f"{_s(e.seconds)}" for e in p.exercises)
        lines.append(
            f"| {p.notebook} | {p.reading_min:.0f} min | {stars} | {p.exercise_min:.0f} min | {_s(p.compute_s)} | "
            f"{costs} | {_mib(p.peak_mib)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--out", type=Path, default=None, help="default: <build>/session-plan.md")
    args = parser.parse_args(argv)
    sources = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    table = markdown([plan(s, args.build) for s in sources])
    out = args.out or args.build / "session-plan.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    note = (
        f"Student time: reading at {WORDS_PER_MINUTE} words a minute, {MINUTES_PER_STAR} minutes per star of an "
        "exercise. Compute: measured by make course (full mode)."
    )
    out.write_text(table + "\n\n" + note + "\n")
    print(table + "\n\n" + note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
