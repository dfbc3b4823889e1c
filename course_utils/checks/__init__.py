"""Self-checks for the exercises: your answer against a reference, and a hint when it is not right yet.

Every exercise of the course has a check here, in the module of its notebook: exercise 2 of notebook 03 is
``cu.checks.nb03.exercise_2``. The cell after an exercise calls it with your answer (and whatever the reference
needs from the notebook)::

    cu.checks.nb03.exercise_1(expected_mse, predicted, x=x_test, x_noisy=x_test_noisy)

When the answer is right, the check prints one line (``✓ 03.1 right: ...``). When it is not,
it raises :class:`NotYet` — an ``AssertionError`` whose message is a *hint*: what is wrong and where to look, never
the solution. A blank answer (still ``None``) gets a hint too. The checks compute their references with their own
code, so they also catch answers that are consistent but wrong.

Writing a check: decorate it with :func:`exercise`, validate the answer first (so that a blank answer is caught
before anything else is computed), then compare with a reference using :func:`require`, :func:`close` and
:func:`answered`, and return a short note for the "right" line.
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

import numpy as np

#: Every check by exercise id ("03.1" -> function); filled by :func:`exercise` as the notebook modules load.
REGISTRY: dict[str, Callable[..., None]] = {}

_NOTEBOOK_MODULES = tuple(f"nb{i:02d}" for i in range(10))
_ID = re.compile(r"^\d\d\.\d$")


class NotYet(AssertionError):
    """The answer is not right yet; the message says what to look at (never the solution)."""


def exercise(exercise_id: str) -> Callable[[Callable[..., Any]], Callable[..., None]]:
    """Register a check function under ``exercise_id`` ("NN.k": notebook NN, exercise k).

    The wrapped check prints ``✓ NN.k right`` (with the check's own note, if it returns a string) and returns
    ``None``, so that a notebook cell shows only that line; :class:`NotYet` raised inside it gets the exercise id
    put in front of its hint.

    Examples
    --------
    >>> @exercise("99.1")
    ... def demo(answer):
    ...     answered(answer, "answer", "a number")
    ...     require(answer == 42, "count again")
    >>> demo(42)
    ✓ 99.1 right
    """
    if not isinstance(exercise_id, str) or not _ID.match(exercise_id):
        raise ValueError(f"exercise_id must look like '03.1' (notebook, exercise), got {exercise_id!r}")

    def register(check: Callable[..., Any]) -> Callable[..., None]:
        @wraps(check)
        def run(*args: Any, **kwargs: Any) -> None:
            try:
                note = check(*args, **kwargs)
            except NotYet as err:
                raise NotYet(f"{exercise_id} not yet: {err}") from None
            print(f"✓ {exercise_id} right" + (f": {note}" if isinstance(note, str) and note else ""))

        run.exercise_id = exercise_id  # type: ignore[attr-defined]
        REGISTRY[exercise_id] = run
        return run

    return register


def require(condition: Any, hint: str) -> None:
    """Raise :class:`NotYet` with ``hint`` unless ``condition`` holds."""
    if not bool(condition):
        raise NotYet(hint)


def answered(value: Any, name: str, what: str) -> None:
    """The answer ``name`` must not be blank (``None``); ``what`` says what to store, e.g. "a float in [0, 1]"."""
    if value is None:
        raise NotYet(f"`{name}` is still None: store {what} in it")


def answered_function(fn: Any, name: str, probe: tuple = ()) -> None:
    """The answer ``name`` must be a function that returns something (not ``None``) when called on ``probe``."""
    if fn is None or not callable(fn):
        raise NotYet(f"`{name}` must be a function (def {name}(...): ...), got {type(fn).__name__}")
    if probe:
        try:
            out = fn(*probe)
        except Exception as err:  # noqa: BLE001 - any error in the learner's code is a hint, not a crash here
            raise NotYet(f"calling `{name}` failed with {type(err).__name__}: {err}") from None
        if out is None:
            raise NotYet(f"`{name}` returns None: finish its body with `return ...`")


def as_number(value: Any, name: str) -> float:
    """``value`` as a finite float, or :class:`NotYet` saying that ``name`` must be a number."""
    try:
        number = float(np.asarray(value).item()) if np.ndim(value) == 0 else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise NotYet(f"`{name}` must be a single finite number, got {type(value).__name__} {np.shape(value)}")
    return number


def as_array(value: Any, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """``value`` as a finite float array (of ``shape`` if given), or :class:`NotYet` with a hint."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise NotYet(f"`{name}` must be an array of numbers, got {type(value).__name__}") from None
    if shape is not None and arr.shape != tuple(shape):
        raise NotYet(f"`{name}` must have shape {tuple(shape)}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise NotYet(f"`{name}` contains NaN or inf")
    return arr


def close(value: Any, reference: Any, hint: str, *, rtol: float = 1e-6, atol: float = 0.0) -> None:
    """Raise :class:`NotYet` with ``hint`` unless ``value`` matches ``reference`` (elementwise, NumPy tolerances)."""
    a, b = np.asarray(value, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    if a.shape != b.shape:
        raise NotYet(f"shape {a.shape} where {b.shape} was expected. {hint}")
    require(np.allclose(a, b, rtol=rtol, atol=atol), hint)


def __getattr__(name: str):
    if name in _NOTEBOOK_MODULES:
        return importlib.import_module(f"course_utils.checks.{name}")
    raise AttributeError(f"module 'course_utils.checks' has no attribute {name!r}")


def load_all() -> dict[str, Callable[..., None]]:
    """Import every notebook's checks and return :data:`REGISTRY` (for tests and tools)."""
    for name in _NOTEBOOK_MODULES:
        try:
            importlib.import_module(f"course_utils.checks.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"course_utils.checks.{name}":
                raise
    return dict(REGISTRY)
