"""Test settings shared by the unit tests (tests/) and the notebook runs (notebooks/, via nbval).

Set before any kernel starts, so every notebook kernel inherits them: smoke mode, no downloads, self-checks that raise, and the offline
data copy in ../shared/data when it is there (as in CI). Values already in the environment win.
"""

import atexit
import os
import shutil
import tempfile
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

# Trained models: one fresh cache per test session (never the checkout's data/models/, which may be warm), shared
# by both xdist workers through the environment. The notebooks (nbval) train into it; the student editions, run
# later, load what the notebooks trained (tests/test_cache_notebook.py checks cold then warm explicitly).
if "COURSE_MODEL_CACHE" not in os.environ:
    os.environ["COURSE_MODEL_CACHE"] = tempfile.mkdtemp(prefix="course-models-")
    _owner = os.getpid()
    atexit.register(lambda: os.getpid() == _owner and shutil.rmtree(os.environ["COURSE_MODEL_CACHE"], True))


# Executed notebooks: nbval's runs are kept, with their outputs, in a fresh folder per session (shared by both
# workers, removed at the end), laid out as `make course` lays out build/ (tests/executed_notebooks.py); the book
# that tests/test_site.py builds and looks at is made of them.
pytest_plugins = ["tests.executed_notebooks"]
if "COURSE_EXECUTED_BUILD" not in os.environ:
    os.environ["COURSE_EXECUTED_BUILD"] = tempfile.mkdtemp(prefix="course-executed-")
    _builder = os.getpid()
    atexit.register(
        lambda: os.getpid() == _builder and shutil.rmtree(os.environ["COURSE_EXECUTED_BUILD"], True)
    )


# The order in which notebooks are handed to the two workers: the longest smoke runs first (the README's measured
# smoke column), so that no long notebook starts last; unlisted (new) notebooks go first. Only a schedule: any
# order gives the same results.
LONGEST_FIRST = ["03", "02", "05", "04", "09", "08", "06", "01", "10", "11", "07", "00"]


def _notebook_order(path: str) -> int:
    number = Path(path).name[:2]
    return LONGEST_FIRST.index(number) if number in LONGEST_FIRST else -1


def pytest_collection_modifyitems(session, config, items):
    """Notebooks first, longest first (they fill the session's model cache), then the long one-off runs (the
    simulated Colab, the cache's warm run), then the unit tests, while the last notebooks finish, then the student
    editions in the notebooks' order (each waits for its notebook's run and loads the models it trained), and the
    book last (it waits for every notebook's run). The sort is stable: within a group, collection order."""

    def rank(item) -> tuple[int, int]:
        path = str(item.path)
        if "/notebooks/" in path:
            return 0, _notebook_order(path)
        if path.endswith(("test_colab_simulation.py", "test_cache_notebook.py")):
            return 1, 0
        if path.endswith("test_student_runs.py"):
            return 3, _notebook_order(item.cls.__name__[-2:] if item.cls else "")
        return (4, 0) if path.endswith("test_site.py") else (2, 0)  # the book is made of the notebooks' runs

    items.sort(key=rank)
