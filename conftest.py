"""Test settings shared by the unit tests (tests/) and the notebook runs (notebooks/, via nbval).

Set before any kernel starts, so every notebook kernel inherits them: smoke mode, no downloads, self-checks that raise, and the offline
data copy in ../shared/data when it is there (as in CI). Values already in the environment win.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent

os.environ.setdefault("COURSE_MODE", "smoke")
os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ.setdefault("COURSE_STRICT_CHECKS", "1")  # a solution notebook whose check is not ✓ fails
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_shared = ROOT.parent / "shared" / "data"
if "COURSE_DATA_DIR" not in os.environ and _shared.is_dir():
    os.environ["COURSE_DATA_DIR"] = str(_shared)
