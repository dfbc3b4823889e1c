"""The course's one switch: full mode for learners, smoke mode for tests.

Every notebook starts with :func:`setup`, which reads ``COURSE_MODE`` from the environment, seeds every random
number generator, keeps TensorFlow's start-up noise out of the cell outputs and prints a one-line banner.
Sizes that differ between the two modes are chosen with :meth:`Config.pick`, in one cell near the top of a
notebook, never with scattered ``if`` statements.

Environment variables read here (and only here):

``COURSE_MODE``
    ``full`` (default) or ``smoke``.
``COURSE_DATA_DIR``
    A folder with offline copies of the datasets (``mnist/``, ``fashion-mnist/``, ``dirty-documents/``).
``COURSE_RESULTS_FILE``
    A JSON file that :func:`course_utils.metrics.record` writes a notebook's key figures into.
``COURSE_OFFLINE``
    ``1`` forbids downloads (the tests set it): data must come from ``COURSE_DATA_DIR`` or the cache.
``COURSE_STRICT_CHECKS``
    ``1`` makes an exercise's self-check raise when the answer is not right (the tests and ``make course`` set it,
    so that a solution notebook fails loudly). Unset, a check prints a ✗ line with its hint and returns False,
    so that "Run all" on a student edition runs to the end.
``COURSE_MODEL_CACHE``
    Where :func:`course_utils.training.fit_or_load` keeps trained models (default: ``data/models/`` of a
    checkout, else ``$KERAS_HOME/course_models``; the tests point it at a fresh folder).
``COURSE_RETRAIN``
    ``1`` makes :func:`course_utils.training.fit_or_load` train even when a trained model is cached (and
    overwrite the cached one).
``COURSE_PRETRAINED_URL``
    Where to download the archive of pretrained models, ``https://…/course-models.tar#sha256=<hex>``; overrides
    the ``Pretrained models`` URL of the package's metadata (``[project.urls]`` in ``pyproject.toml``).
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

MODES = ("full", "smoke")

#: Sizes of the deterministic, class-stratified data slices that loaders return in smoke mode.
SMOKE_SIZES: dict[str, int] = {"train": 2000, "test": 500}

#: Where a checkout keeps its download cache (``data/`` next to ``pyproject.toml``), if this is a checkout.
PROJECT_ROOT: Path | None = (
    Path(__file__).resolve().parents[1]
    if (Path(__file__).resolve().parents[1] / "pyproject.toml").is_file()
    else None
)


@dataclass(frozen=True)
class Config:
    """What a notebook needs to know about how it is being run.

    Attributes
    ----------
    mode : {"full", "smoke"}
        ``full`` trains for real; ``smoke`` uses small data slices and a few steps so that tests take seconds.
    seed : int
        The seed passed to :func:`setup`.
    data_dir : pathlib.Path or None
        The offline data copy named by ``COURSE_DATA_DIR``, if any.
    results_file : pathlib.Path or None
        Where :func:`course_utils.metrics.record` writes, if anywhere.
    offline : bool
        Downloads are forbidden (``COURSE_OFFLINE=1``).

    Examples
    --------
    >>> cfg = Config(mode="smoke", seed=0, data_dir=None, results_file=None)
    >>> cfg.pick(smoke=1, full=20)
    1
    """

    mode: str
    seed: int
    data_dir: Path | None
    results_file: Path | None
    offline: bool = False

    @property
    def smoke(self) -> bool:
        """True in smoke mode (tests)."""
        return self.mode == "smoke"

    @property
    def full(self) -> bool:
        """True in full mode (learners)."""
        return self.mode == "full"

    def pick(self, *, smoke: T, full: T) -> T:
        """Return ``smoke`` in smoke mode and ``full`` in full mode.

        Examples
        --------
        >>> Config("full", 0, None, None).pick(smoke=2, full=30)
        30
        """
        return smoke if self.smoke else full


def _mode_from_env() -> str:
    mode = os.environ.get("COURSE_MODE", "full").strip().lower() or "full"
    if mode not in MODES:
        raise ValueError(f"COURSE_MODE must be one of {MODES}, got {mode!r}; unset it for the full course.")
    return mode


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


def strict_checks() -> bool:
    """True when ``COURSE_STRICT_CHECKS`` asks the exercises' checks to raise instead of printing ✗ (tests).

    Read at every call, so a notebook can switch it with ``%env COURSE_STRICT_CHECKS=1``.
    """
    return _flag("COURSE_STRICT_CHECKS")


def retrain() -> bool:
    """True when ``COURSE_RETRAIN`` asks every training run to train anew instead of loading a cached model."""
    return _flag("COURSE_RETRAIN")


def model_cache_dir() -> Path:
    """The folder of trained models: ``$COURSE_MODEL_CACHE``, else ``data/models/`` of a checkout, else
    ``$KERAS_HOME/course_models`` (``~/.keras/course_models``)."""
    env = os.environ.get("COURSE_MODEL_CACHE", "").strip()
    if env:
        return Path(env).expanduser()
    if PROJECT_ROOT is not None and (PROJECT_ROOT / "data").is_dir():
        return PROJECT_ROOT / "data" / "models"
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser() / "course_models"


def pretrained_url() -> str | None:
    """The pretrained-models archive's address (``…#sha256=<hex>``): ``$COURSE_PRETRAINED_URL``, else the
    ``Pretrained models`` URL in the installed package's metadata, else None."""
    env = os.environ.get("COURSE_PRETRAINED_URL", "").strip()
    if env:
        return env
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        for entry in metadata("course-utils").get_all("Project-URL") or []:
            label, _, url = entry.partition(",")
            if label.strip().lower() == "pretrained models" and url.strip():
                return url.strip()
    except (ImportError, PackageNotFoundError):
        pass
    return None


def get_config(seed: int = 42) -> Config:
    """Read the configuration from the environment (no side effects).

    Parameters
    ----------
    seed : int, default 42
        Recorded in the returned config.

    Returns
    -------
    Config

    Raises
    ------
    ValueError
        If ``COURSE_MODE`` is set to something other than ``full`` or ``smoke``.
    """
    data_dir = os.environ.get("COURSE_DATA_DIR")
    results = os.environ.get("COURSE_RESULTS_FILE")
    return Config(
        mode=_mode_from_env(),
        seed=int(seed),
        data_dir=Path(data_dir).expanduser() if data_dir else None,
        results_file=Path(results).expanduser() if results else None,
        offline=_flag("COURSE_OFFLINE"),
    )


def quiet_tensorflow() -> None:
    """Keep TensorFlow's C++ start-up messages out of notebook outputs.

    Must run before TensorFlow is imported; it does nothing useful afterwards. oneDNN's CPU kernels stay on (they
    train the course's convnets 2-4x faster); their start-up notice is printed while TensorFlow is imported, which
    :func:`setup` does with standard error muted.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def _import_tensorflow_quietly():
    """Import TensorFlow with file descriptor 2 muted, so absl's pre-init lines stay out of cell outputs."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    quiet_tensorflow()
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (some embedded kernels)
        import tensorflow as tf

        return tf
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow as tf

        tf.config.list_physical_devices()  # the CUDA probe prints here; keep it muted too
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tf


#: What a full run of each notebook costs on the reference machine, measured by ``make course`` cold (training)
#: and warm (every model loaded from the cache); written by ``tools/run_course.py --record-expected``.
EXPECTED_TIMES = Path(__file__).with_name("expected_times.json")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def what_to_expect(notebook: str, *, gpu: bool = False) -> str | None:
    """One line on what a full run of ``notebook`` (``"03"``) costs: measured cold and warm on the reference CPU.

    Returns None when nothing was measured for it.

    Examples
    --------
    >>> what_to_expect("99") is None
    True
    """
    import json

    try:
        table = json.loads(EXPECTED_TIMES.read_text(encoding="utf-8"))
        row = table["notebooks"][str(notebook)]
    except (OSError, ValueError, KeyError):
        return None
    cold, warm = float(row["cold_s"]), float(row["warm_s"])
    where = f"on {table['machine']} ({table['date']})"
    if row.get("trains", True):
        cost = f"{_duration(cold)} the first time (it trains), {_duration(warm)} once its models are cached"
    else:
        cost = f"{_duration(cold)} (nothing to train)"
    device = (
        "this runtime has a GPU: training runs there, and training costs are timed on the wall clock"
        if gpu
        else "on a GPU runtime the training cells run faster (not measured by the course)"
    )
    return f"full mode {where}: {cost}; peak RAM {row['peak_gib']:.1f} GiB; {device}"


def setup(seed: int = 42, *, notebook: str | None = None, banner: bool = True) -> Config:
    """Prepare a notebook: seeds, quiet TensorFlow, matplotlib style, and a one-line banner.

    Call it first, before importing TensorFlow or Keras yourself.

    Parameters
    ----------
    seed : int, default 42
        Seeds Python's ``random``, NumPy and TensorFlow through :func:`keras.utils.set_random_seed`.
    notebook : str, optional
        The notebook's number (``"03"``): in full mode, a second line says what its run costs (measured on the
        reference machine, cold and warm; see :func:`what_to_expect`).
    banner : bool, default True
        Print one line with the mode, the library versions and the device.

    Returns
    -------
    Config
        The configuration read from the environment.

    Examples
    --------
    .. code-block:: python

        import course_utils as cu

        cfg = cu.setup(seed=0)  # first cell of every notebook; prints the banner
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    cfg = get_config(seed)
    tf = _import_tensorflow_quietly()
    import keras
    import numpy as np

    keras.utils.set_random_seed(seed)
    # TensorFlow's Python-side warnings (e.g. "triggered tf.function retracing" when a loaded model predicts on
    # new shapes) are advice for library authors, not for a learner's cell output
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)

    from course_utils import plotting

    plotting.use_course_style(smoke=cfg.smoke)

    if banner:
        gpus = tf.config.list_physical_devices("GPU")
        device = f"{len(gpus)} GPU" if gpus else f"CPU only ({os.cpu_count()} cores)"
        print(
            f"course_utils · mode={cfg.mode} · seed={seed} · Python {platform.python_version()} · "
            f"TF {tf.__version__} · Keras {keras.__version__} · NumPy {np.__version__} · {device}"
        )
        expect = what_to_expect(notebook, gpu=bool(gpus)) if notebook is not None and cfg.full else None
        if expect:
            print(expect)
    return cfg
