"""A pytest plugin: keep every notebook nbval executes, with its outputs, as ``tools/run_course.py`` would.

nbval runs each notebook's cells in a kernel and compares nothing (``--nbval-lax``); this plugin keeps what the
cells printed and drew. With ``COURSE_EXECUTED_BUILD`` set (the root ``conftest.py`` sets it to a fresh folder
per session, shared by all xdist workers), each notebook the session runs is written, once its last cell is done,
as ``executed/NN_name.ipynb`` and ``results/NN_name.json`` there: the same layout and the same record (mode,
date, wall time, status, cache lines, the figures the notebook recorded) as ``make course``. ``tests/test_site.py``
builds the book from that folder, so the book it checks shows the very runs the session tested, and no notebook is
executed twice.

Each notebook's kernel gets ``COURSE_RESULTS_FILE`` (where ``cu.metrics.record`` writes the figures) and the
inline matplotlib backend (``MPLBACKEND`` unset), so that the figures are kept as images.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = "COURSE_EXECUTED_BUILD"
sys.path.insert(0, str(ROOT / "tools"))  # run_course's and build_site's readers of run records


def is_cell(item) -> bool:
    return type(item).__name__ == "IPyNbCell" and hasattr(item.parent, "nb")


class _Notebook:
    """What one notebook's run has produced so far."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.start = time.perf_counter()
        self.outputs: dict[int, list] = {}
        self.failed: str | None = None


_running: dict[str, _Notebook] = {}


def build_dir() -> Path | None:
    """The session's folder of executed notebooks, or None when the plugin is off."""
    value = os.environ.get(ENV)
    return Path(value) if value else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """Before a notebook's first cell starts its kernel: the results file and the inline backend."""
    build = build_dir()
    if build is None or not is_cell(item) or item.parent.nodeid in _running:
        yield
        return
    path = Path(str(item.parent.path))
    results = build / "results" / f"{path.stem}.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.unlink(missing_ok=True)
    saved = {key: os.environ.get(key) for key in ("COURSE_RESULTS_FILE", "MPLBACKEND")}
    os.environ["COURSE_RESULTS_FILE"] = str(results)
    os.environ.pop("MPLBACKEND", None)  # the kernel (started now) then draws figures inline, as images
    _running[item.parent.nodeid] = _Notebook(path)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield
    run = _running.get(getattr(item.parent, "nodeid", None))
    if run is not None and is_cell(item) and item.test_outputs is not None:
        run.outputs[item.cell_num] = list(item.test_outputs)


def pytest_runtest_logreport(report):
    for nodeid, run in _running.items():
        if report.failed and report.nodeid.startswith(nodeid + "::") and run.failed is None:
            run.failed = f"failed: {report.nodeid.rpartition('::')[2]} ({report.when})"


def pytest_runtest_teardown(item, nextitem):
    """After a notebook's last cell: write the executed notebook and its record."""
    build = build_dir()
    if build is None or not is_cell(item) or (nextitem is not None and nextitem.parent is item.parent):
        return
    run = _running.pop(item.parent.nodeid, None)
    if run is None:
        return
    nb = nbformat.from_dict(item.parent.nb)
    count = 0
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code):
        outputs = run.outputs.get(number)
        if outputs is None:
            cell.outputs, cell.execution_count = [], None
            continue
        count += 1
        cell.execution_count = count
        cell.outputs = [nbformat.from_dict(dict(o)) for o in outputs]
        for output in cell.outputs:
            if output.get("output_type") == "execute_result":
                output["execution_count"] = count
    executed = build / "executed" / run.path.name
    executed.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, executed)
    from run_course import cache_lines, temperature

    results = build / "results" / f"{run.path.stem}.json"
    metrics = json.loads(results.read_text()).get("metrics", {}) if results.is_file() else {}
    trained, loaded = cache_lines(nb)
    row = {
        "notebook": run.path.stem,
        "mode": os.environ.get("COURSE_MODE", "full"),
        "date": dt.date.today().isoformat(),
        "seconds": round(time.perf_counter() - run.start, 1),
        "peak_mib": None,
        "status": run.failed or "ok",
        "trained": trained,
        "loaded": loaded,
        "cache": temperature(trained, loaded),
        "metrics": metrics,
    }
    # written last and atomically: a record with "seconds" says that the notebook is complete (tests/test_site.py)
    partial = results.with_suffix(".partial")
    partial.write_text(json.dumps(row, indent=1, sort_keys=True))
    partial.replace(results)


def runs_in_session(session) -> set[str]:
    """The notebooks (stems) whose cells this session's nbval items run."""
    return {Path(str(item.parent.path)).stem for item in session.items if is_cell(item)}


def completed_run(stem: str) -> dict | None:
    """The record of a notebook's complete run in this session, or None if it has not finished (or not run)."""
    build = build_dir()
    if build is None:
        return None
    from build_site import load_run  # the same reading as the book's: a record with "seconds" is complete

    return load_run(build / "results", stem)


def wait_for(session, stem: str, timeout: float = 900) -> dict | None:
    """Wait until this session's nbval run of notebook ``stem`` is complete; return its record.

    Returns None at once when the session does not run that notebook (e.g. ``pytest tests/…`` alone). Tests
    that need what a notebook's run leaves behind (its trained models, its executed copy) call this, since the
    another xdist worker may still be running it.
    """
    if build_dir() is None or stem not in runs_in_session(session):
        return None
    deadline = time.monotonic() + timeout
    while (row := completed_run(stem)) is None:
        if time.monotonic() > deadline:
            pytest.fail(f"after {timeout:.0f} s, this session's run of {stem} is not complete")
        time.sleep(0.5)
    return row
