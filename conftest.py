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


def _session_folder(variable: str, prefix: str) -> None:
    """A fresh temporary folder in ``$variable`` for this session, shared by the xdist workers through the
    environment and removed at the end by the process that made it (an outside value wins and is kept)."""
    if variable in os.environ:
        return
    os.environ[variable] = folder = tempfile.mkdtemp(prefix=prefix)
    owner = os.getpid()
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(folder, True))


# Trained models: one fresh cache per test session (never the checkout's data/models/, which may be warm). The
# notebooks (nbval) train into it; the student editions, run later, load what the notebooks trained
# (tests/test_cache_notebook.py checks cold then warm explicitly).
_session_folder("COURSE_MODEL_CACHE", "course-models-")

# Executed notebooks: nbval's runs are kept, with their outputs, laid out as `make course` lays out build/
# (tests/executed_notebooks.py); the book that tests/test_site.py builds and looks at is made of them.
pytest_plugins = ["tests.executed_notebooks"]
_session_folder("COURSE_EXECUTED_BUILD", "course-executed-")


# The order in which notebooks are handed to the workers: the longest smoke runs first (the README's measured
# smoke column), so that no long notebook starts last; unlisted (new) notebooks go first. Only a schedule: any
# order gives the same results.
LONGEST_FIRST = ["03", "02", "05", "04", "09", "08", "06", "01", "10", "11", "07", "00"]


def _notebook_order(path: str) -> int:
    number = Path(path).name[:2]
    return LONGEST_FIRST.index(number) if number in LONGEST_FIRST else -1


def pytest_collection_modifyitems(session, config, items):
    """Notebooks first, longest first (they fill the session's model cache), then the long one-off run of the
    simulated Colab, then the unit tests, while the last notebooks finish, then what waits for a notebook's run:
    the cache's warm run of 06 and the student editions in the notebooks' order (each loads the models its
    notebook trained), and the book last (it waits for every notebook's run). Waiting only then, when the
    notebooks are done, no worker idles. The sort is stable: within a group, collection order."""

    def rank(item) -> tuple[int, int]:
        path = str(item.path)
        if "/notebooks/" in path:
            return 0, _notebook_order(path)
        if path.endswith("test_colab_simulation.py"):
            return 1, 0
        if path.endswith("test_cache_notebook.py"):  # waits for 06's run: after the unit tests, it is done
            return 3, -1
        if path.endswith("test_student_runs.py"):
            return 3, _notebook_order(item.cls.__name__[-2:] if item.cls else "")
        return (4, 0) if path.endswith("test_site.py") else (2, 0)  # the book is made of the notebooks' runs

    items.sort(key=rank)
