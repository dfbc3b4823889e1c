"""tools/: the Colab re-stamp command and the course runner."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import run_course  # noqa: E402
import stamp_notebooks  # noqa: E402

URL = "https://github.com/someone/fork"


def test_stamp_inserts_badge_and_setup_cell_then_is_stable():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 05 · Title\n\nPromise.")])
    assert stamp_notebooks.stamp(nb, "05_x.ipynb", URL)
    assert (
        "colab.research.google.com/github/someone/fork/blob/main/notebooks/05_x.ipynb" in nb.cells[0].source
    )
    assert nb.cells[1].metadata["tags"] == ["colab-setup"]
    assert (
        "--no-deps" in nb.cells[1].source and "git+https://github.com/someone/fork@main" in nb.cells[1].source
    )
    assert not stamp_notebooks.stamp(nb, "05_x.ipynb", URL)


def test_stamp_rewrites_an_old_badge_and_setup_cell_for_a_fork():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 05 · Title")])
    stamp_notebooks.stamp(nb, "05_x.ipynb", "https://github.com/a/b")
    stamp_notebooks.stamp(nb, "05_x.ipynb", URL)
    assert "github/a/b" not in nb.cells[0].source and "a/b@" not in nb.cells[1].source
    assert len(nb.cells) == 2


def test_repository_url_must_be_a_github_repository(tmp_path):
    bad = tmp_path / "pyproject.toml"
    bad.write_text('[project]\nname = "x"\n[project.urls]\nRepository = "ftp://example.org/x"\n')
    with pytest.raises(ValueError, match="github.com/OWNER/REPO"):
        stamp_notebooks.repository_url(bad)


def test_results_markdown_lists_time_status_and_figures():
    rows = [
        {
            "notebook": "00_welcome",
            "mode": "full",
            "date": "2026-11-22",
            "seconds": 12.3,
            "peak_mib": 2345.0,
            "status": "ok",
            "metrics": {"a": 0.123456, "b": "x"},
        },
        {
            "notebook": "01_x",
            "mode": "full",
            "date": "2026-11-22",
            "seconds": 1.0,
            "status": "ok",
            "metrics": {},
        },
    ]
    md = run_course.results_markdown(rows)
    assert "| 00_welcome | full | 2026-11-22 | 12 s | n/a | 2.3 GiB | ok |" in md and "| a | 0.1235 |" in md
    assert (
        "| 01_x | full | 2026-11-22 | 1 s | n/a | n/a | ok |" in md
    )  # rows of runs before peak RAM was measured


def test_runner_executes_a_notebook_and_collects_recorded_figures(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import course_utils\ncourse_utils.metrics.record('answer', 42)")]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "07_tiny.ipynb"
    nbformat.write(nb, path)
    row = run_course.run_notebook(path, tmp_path / "build", "smoke", timeout=120)
    assert row["status"] == "ok" and row["metrics"] == {"answer": 42}
    assert 20 < row["peak_mib"] < 4096  # an IPython kernel with course_utils imported
    assert (tmp_path / "build" / "executed" / "07_tiny.ipynb").is_file()
    assert json.loads((tmp_path / "build" / "results" / "07_tiny.json").read_text())["seconds"] > 0
    assert run_course.collect(tmp_path / "build")[0]["notebook"] == "07_tiny"


import reproducibility  # noqa: E402


def _recording_notebook(folder: Path, number: str, source: str) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import course_utils as cu\n" + source)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / f"{number}_tiny.ipynb")


def test_reproducibility_compares_figures_but_not_times(tmp_path, capsys):
    _recording_notebook(
        tmp_path,
        "97",
        "import time\nsum(range(10**6))\ncu.metrics.record('answer', 42.0)\n"
        "cu.metrics.record('fit_s', time.perf_counter())",
    )
    _recording_notebook(
        tmp_path, "98", "import os\ncu.metrics.record('noise', int.from_bytes(os.urandom(4), 'big'))"
    )
    assert reproducibility.main(["--only", "97", "--busy", "1", "--notebooks", str(tmp_path)]) == 0
    assert "97_tiny: same — 1 figures compared" in capsys.readouterr().out
    assert reproducibility.main(["--only", "98", "--busy", "1", "--notebooks", str(tmp_path)]) == 1
    assert "98_tiny: DIFFERENT" in capsys.readouterr().out


@pytest.mark.parametrize("module", ["markdown_numbers", "reproducibility"])
def test_tool_docstring_examples_hold(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


import session_plan  # noqa: E402


def test_session_plan_reads_stars_words_and_measured_exercise_cost(tmp_path):
    def timed(source, seconds, tags=()):
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)})
        cell.metadata["execution"] = {
            "iopub.execute_input": "2026-12-02T10:00:00.000000Z",
            "shell.execute_reply": f"2026-12-02T10:00:{seconds:02d}.500000Z",
        }
        return cell

    cells = [
        nbformat.v4.new_markdown_cell("# 42 · Demo\n\nfive words of prose here <!-- constant: not read -->"),
        nbformat.v4.new_markdown_cell("**Exercise 1 ★★★ — hard.** Solve it."),
        timed("x = None", 0),
        timed("x = 1", 7, ["solution"]),
        timed("cu.checks.nb42.exercise_1(x)", 2),
        nbformat.v4.new_markdown_cell(
            "**A model answer (42.1).** Not read.", metadata={"tags": ["solution"]}
        ),
    ]
    source = nbformat.v4.new_notebook(cells=cells)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "build" / "executed").mkdir(parents=True)
    (tmp_path / "build" / "results").mkdir()
    nbformat.write(source, tmp_path / "notebooks" / "42_demo.ipynb")
    nbformat.write(source, tmp_path / "build" / "executed" / "42_demo.ipynb")
    (tmp_path / "build" / "results" / "42_demo.json").write_text(
        json.dumps({"mode": "full", "seconds": 300.0, "peak_mib": 2048.0})
    )
    plan = session_plan.plan(tmp_path / "notebooks" / "42_demo.ipynb", tmp_path / "build")
    assert (
        plan.words == 7 + 5
    )  # title and prose, the exercise statement; not the comment, not the model answer
    assert [(e.number, e.stars) for e in plan.exercises] == [(1, 3)] and plan.exercise_min == 30
    assert plan.exercises[0].seconds == 7.5 + 2.5 and plan.exercise_compute_s == 10.0
    row = session_plan.markdown([plan]).splitlines()[-1]
    assert row == "| 42_demo | 0 min | 42.1 ★★★ | 30 min | 5.0 min | 10 s | 2.0 GiB |"
    # a later warm run (models loaded) wrote results/: the plan still shows what the first, cold run cost
    (tmp_path / "build" / "results" / "42_demo.json").write_text(
        json.dumps({"mode": "full", "seconds": 20.0, "peak_mib": 1024.0})
    )
    cold = {"seconds": 420.0, "peak_mib": 3072.0, "trained": 2}
    (tmp_path / "build" / "runs.json").write_text(
        json.dumps({"42_demo": {"full": {"cold": cold, "warm": {"seconds": 20.0, "peak_mib": 1024.0}}}})
    )
    plan = session_plan.plan(tmp_path / "notebooks" / "42_demo.ipynb", tmp_path / "build")
    assert session_plan.markdown([plan]).splitlines()[-1] == (
        "| 42_demo | 0 min | 42.1 ★★★ | 30 min | 7.0 min | 10 s | 3.0 GiB |"
    )
    (tmp_path / "build" / "results" / "42_demo.json").write_text(
        json.dumps({"mode": "smoke", "seconds": 3.0})
    )
    with pytest.raises(ValueError, match="smoke-mode run"):
        session_plan.plan(tmp_path / "notebooks" / "42_demo.ipynb", tmp_path / "build")


def _run(nb, mode, kind, seconds, peak=1024.0, metrics=None):
    return {
        "notebook": nb,
        "mode": mode,
        "date": "2026-12-02",
        "seconds": seconds,
        "peak_mib": peak,
        "status": "ok",
        "trained": 3 if kind == "cold" else 0,
        "loaded": 3 if kind == "warm" else 0,
        "cache": kind,
        "metrics": metrics or {"a": 1.0},
    }


def test_runs_keep_the_latest_cold_and_warm_run_and_the_table_compares_them(tmp_path):
    run_course.remember(tmp_path, _run("03_x", "full", "cold", 500.0, metrics={"psnr": 22.7, "fit_s": 3.0}))
    run_course.remember(tmp_path, _run("03_x", "full", "warm", 40.0, metrics={"psnr": 22.7, "fit_s": 3.0}))
    run_course.remember(tmp_path, _run("07_y", "full", "none", 20.0))  # trains nothing: it is both
    runs = json.loads((tmp_path / "runs.json").read_text())
    assert (
        runs["03_x"]["full"]["cold"]["seconds"] == 500.0 and runs["03_x"]["full"]["warm"]["seconds"] == 40.0
    )
    assert set(runs["07_y"]["full"]) == {"cold", "warm"}
    rows = [_run("03_x", "full", "warm", 40.0), _run("07_y", "full", "none", 20.0)]
    md = run_course.results_markdown(rows, runs)
    assert "| 03_x | full | 500 s | 40 s | yes |" in md and "| **total** | | **520 s** | **60 s** | |" in md
    run_course.remember(tmp_path, _run("03_x", "full", "warm", 41.0, metrics={"psnr": 22.6}))
    md = run_course.results_markdown(rows, json.loads((tmp_path / "runs.json").read_text()))
    assert "| 03_x | full | 500 s | 41 s | no: fit_s, psnr |" in md


def test_cache_lines_count_made_and_loaded_runs():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    nb.cells[0].outputs = [
        nbformat.v4.new_output(
            "stream",
            name="stdout",
            text="cache: trained a (3 steps)\ncache: loaded b (4 steps)\ncache: loaded c\ncache: computed d (2 s)\n",
        )
    ]
    assert run_course.cache_lines(nb) == (2, 2)  # a computed result is made, like a trained model
    assert [run_course.temperature(*t) for t in ((1, 2), (0, 2), (0, 0))] == ["cold", "warm", "none"]


def test_expected_times_are_written_for_every_notebook_and_read_by_setup(tmp_path, monkeypatch):
    runs = {}
    for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        runs[p.stem] = {
            "full": {"cold": _run(p.stem, "full", "cold", 300.0), "warm": _run(p.stem, "full", "warm", 30.0)}
        }
    out = run_course.record_expected(runs, tmp_path / "expected.json")
    table = json.loads(out.read_text())
    assert set(table["notebooks"]) == {p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    from course_utils import config

    monkeypatch.setattr(config, "EXPECTED_TIMES", out)
    line = config.what_to_expect("03")
    assert "5 min the first time (it trains), 30 s once its models are cached" in line and "1.0 GiB" in line
    assert "GPU runtime" in line and "wall clock" in config.what_to_expect("03", gpu=True)
    del runs[next(iter(runs))]["full"]["warm"]
    with pytest.raises(ValueError, match="no full-mode warm run"):
        run_course.record_expected(runs, tmp_path / "x.json")


def test_the_recorded_expectations_cover_the_course_within_its_budgets():
    from course_utils import config

    table = json.loads(config.EXPECTED_TIMES.read_text())
    assert set(table["notebooks"]) == {p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    for nb, row in table["notebooks"].items():
        assert 0 < row["cold_s"] <= 600, f"{nb}: a full cold run is budgeted at 10 minutes"
        assert 0 < row["warm_s"] <= 60, f"{nb}: a warm run is budgeted at 60 s"
        assert row["trains"] or nb in ("00", "07")


def test_pretrained_packs_the_models_the_last_run_used(tmp_path, monkeypatch, capsys):
    import time as _time

    import pretrained

    from course_utils import model_cache

    cache = tmp_path / "models"
    monkeypatch.setenv("COURSE_MODEL_CACHE", str(cache))
    assert pretrained.main(["--build", str(tmp_path / "build"), "--pack-only"]) == 2  # no run yet
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / pretrained.STAMP).write_text(
        json.dumps({"start": _time.time() - 5, "mode": "full"})
    )
    old = model_cache.write_entry(cache / f"old-{'a' * 16}", {"key": "k"}, {"x": np.zeros(2)})
    import os

    os.utime(old / model_cache.META_NAME, (0, 0))  # used long before the run
    model_cache.write_entry(cache / f"new-{'b' * 16}", {"key": "k"}, {"x": np.ones(2)})
    assert pretrained.main(["--build", str(tmp_path / "build"), "--pack-only"]) == 0
    archive = tmp_path / "build" / "pretrained" / model_cache.ARCHIVE_NAME
    import tarfile

    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names == ["MANIFEST.sha256", f"new-{'b' * 16}/meta.json", f"new-{'b' * 16}/state.npz"]
    assert "SHA-256" in capsys.readouterr().out
