"""The project's packaging: pyproject and environment.yml agree; lower bounds only; imgaug in one module."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;@]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_pyproject_and_environment_yml_name_the_same_packages():
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in ("test", "site", "dev"):  # the extras that .[dev] installs (`make install`)
        wanted |= {_name(r) for r in extras[extra] if not r.startswith("course-utils")}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            names |= {_name(r) for r in dep["pip"] if not r.startswith("-e")}
        else:
            names.add(_name(dep))
    names -= {"python", "pip"}
    assert names == wanted, f"only in environment.yml: {names - wanted}; only in pyproject: {wanted - names}"


def test_runtime_dependencies_have_lower_bounds_only():
    """Colab and lab machines bring newer versions: never force a downgrade."""
    for req in PYPROJECT["project"]["dependencies"]:
        assert ">=" in req and not re.search(r"(<|==|~=|!=)", req), req


def test_runtime_dependencies_include_the_stack():
    names = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    assert {
        "tensorflow",
        "keras",
        "numpy",
        "matplotlib",
        "scikit-image",
        "imaug",
        "ipywidgets",
        "jupyterlab",
    } <= names
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"


def test_imgaug_is_imported_in_one_module_only():
    pattern = re.compile(r"^\s*(import imgaug|from imgaug)", re.M)
    users = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "course_utils").rglob("*.py")
        if pattern.search(p.read_text())
    ]
    users += [
        p.name
        for p in (ROOT / "notebooks").glob("*.ipynb")
        if "import imgaug" in p.read_text() or "from imgaug" in p.read_text()
    ]
    assert users == ["course_utils/corruptions.py"]


def _project_files() -> list[Path]:
    """The files a clean checkout has (git's list when available), without notebooks (stamped copies)."""
    import subprocess

    try:
        names = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        names = [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if ".venv" not in p.parts]
    stamped = ("notebooks/", "student/")  # their badges and setup cells are stamped from pyproject.toml
    return [ROOT / n for n in names if not n.startswith(stamped) and (ROOT / n).is_file()]


def test_repository_url_is_written_in_one_place():
    url = PYPROJECT["project"]["urls"]["Repository"].removeprefix("https://github.com/")
    hits = [p.relative_to(ROOT).as_posix() for p in _project_files() if url in p.read_text(errors="ignore")]
    assert hits == ["pyproject.toml"], hits


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "```bash\nmake test\n```" in readme or "\nmake test\n" in readme
    assert ci.strip().splitlines()[-1] == "make test"
    assert "set -euo pipefail" in ci


def test_readme_lists_measured_times_for_every_notebook():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### What to expect (measured ", 1)[1].split("\n\n", 2)[1]
    rows = {ln.split("|")[1].strip()[:2]: ln for ln in section.splitlines() if re.match(r"\| \d\d ", ln)}
    numbers = sorted(p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(rows) == numbers, "the README's table of measured times must list every notebook"
    expected = json.loads((ROOT / "course_utils" / "expected_times.json").read_text())["notebooks"]
    for number, row in rows.items():
        cold, warm, smoke = (cell.strip() for cell in row.split("|")[2:5])
        assert all(re.fullmatch(r"\d+ s", t) for t in (cold, warm, smoke)), f"{number}: times in seconds"
        assert int(cold.split()[0]) <= 600, f"{number}: full mode promises at most about 10 minutes"
        assert int(warm.split()[0]) <= 60, (
            f"{number}: with its models cached, a notebook runs in under a minute"
        )
        # what the README says is what the notebook's setup cell prints (both from the same measured run)
        assert (int(cold.split()[0]), int(warm.split()[0])) == (
            expected[number]["cold_s"],
            expected[number]["warm_s"],
        )
