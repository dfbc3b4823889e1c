"""tools/: the Colab re-stamp command and the course runner."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
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
    assert "| 00_welcome | full | 2026-11-22 | 12 s | 2.3 GiB | ok |" in md and "| a | 0.1235 |" in md
    assert "| 01_x | full | 2026-11-22 | 1 s | n/a | ok |" in md  # rows of runs before peak RAM was measured


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
    (tmp_path / "build" / "results" / "42_demo.json").write_text(
        json.dumps({"mode": "smoke", "seconds": 3.0})
    )
    with pytest.raises(ValueError, match="smoke-mode run"):
        session_plan.plan(tmp_path / "notebooks" / "42_demo.ipynb", tmp_path / "build")
