"""A notebook run twice with the trained-model cache: the first run trains, the second loads every model and
records exactly the same figures (smoke mode; `make course` twice does the same in full mode).

In ``make test`` the first run is the session's nbval run of the notebook (kept by ``tests/executed_notebooks.py``,
into the session's fresh model cache), so only the second runs here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import run_course  # noqa: E402

from tests import executed_notebooks  # noqa: E402

# 06: the shortest smoke run among the notebooks that train several models (a custom train_step among them)
NOTEBOOK = next((ROOT / "notebooks").glob("06_*.ipynb"))


@pytest.fixture(scope="module")
def cold_and_warm(request, tmp_path_factory):
    """The cold run: this session's nbval run of the notebook (the session's model cache starts empty), or, run
    alone, one here into a fresh cache; then the warm run, here, with the same cache."""
    tmp = tmp_path_factory.mktemp("cache-notebook")
    mp = pytest.MonkeyPatch()
    mp.delenv("COURSE_RETRAIN", raising=False)
    try:
        cold = executed_notebooks.wait_for(request.session, NOTEBOOK.stem)
        if cold is None:
            mp.setenv("COURSE_MODEL_CACHE", str(tmp / "models"))
            cold = run_course.run_notebook(NOTEBOOK, tmp / "build", "smoke", timeout=300)
        else:
            (tmp / "build").mkdir()
            run_course.remember(
                tmp / "build", cold
            )  # the cold run in build/runs.json, as make course keeps it
        warm = run_course.run_notebook(NOTEBOOK, tmp / "build", "smoke", timeout=300)
    finally:
        mp.undo()
    return cold, warm, tmp


def test_the_first_run_trains_and_the_second_loads_every_model(cold_and_warm):
    cold, warm, _ = cold_and_warm
    assert cold["status"] == warm["status"] == "ok"
    assert cold["cache"] == "cold" and cold["trained"] >= 3 and cold["loaded"] == 0
    assert warm["cache"] == "warm" and warm["trained"] == 0 and warm["loaded"] == cold["trained"]


def test_the_warm_run_records_the_cold_runs_figures(cold_and_warm):
    cold, warm, _ = cold_and_warm
    assert cold["metrics"] and warm["metrics"] == cold["metrics"]


def test_the_results_table_shows_cold_and_warm_side_by_side(cold_and_warm):
    cold, warm, tmp = cold_and_warm
    runs = json.loads((tmp / "build" / "runs.json").read_text())
    assert runs[NOTEBOOK.stem]["smoke"]["cold"]["seconds"] == cold["seconds"]
    assert runs[NOTEBOOK.stem]["smoke"]["warm"]["seconds"] == warm["seconds"]
    md = run_course.results_markdown(run_course.collect(tmp / "build"), runs)
    assert "| notebook | mode | cold | warm | warm figures = cold figures |" in md
    assert f"| {NOTEBOOK.stem} | smoke | {cold['seconds']:.0f} s | {warm['seconds']:.0f} s | yes |" in md
