"""The code base passes ruff (lint rules and formatting are in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert exe, "ruff is part of the test extra: pip install -e '.[test]'"
    return subprocess.run([exe, *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_check_passes():
    res = _ruff("check", "course_utils", "tests", "tools", "notebooks", "docs", "conftest.py")
    assert res.returncode == 0, res.stdout + res.stderr


def test_ruff_format_is_clean():
    res = _ruff("format", "--check", "course_utils", "tests", "tools", "notebooks", "docs", "conftest.py")
    assert res.returncode == 0, res.stdout + res.stderr
