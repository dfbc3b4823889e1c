"""Self-checks for the exercises: your answer against a reference, and a hint when it is not right yet.

Every exercise of the course has a check here, in the module of its notebook: exercise 2 of notebook 03 is
``cu.checks.nb03.exercise_2``. The cell after an exercise calls it with your answer (and whatever the reference
needs from the notebook)::

    cu.checks.nb03.exercise_1(expected_mse, predicted, x=x_test, x_noisy=x_test_noisy)

When the answer is right, the check prints one line (``✓ 03.1 right: ...``) and returns True. When it is not, it
prints ``✗ 03.1 not yet: ...`` with a *hint* (what is wrong and where to look, never the solution) and returns False,
so that "Run all" on a half-done notebook runs to the end. A blank answer (still ``None``) gets a hint too.

With ``COURSE_STRICT_CHECKS=1`` (the tests and ``make course`` set it) a check that is not right raises
:class:`NotYet` instead, so that a solution notebook whose answer went wrong fails loudly.

The checks do not contain the answers: they test an answer by a method of their own (a simulation, a numerical
integral, a property only the right answer has, a hash of an exact value), and they recompute figures that depend
on the learner's model from that model and the data.

Writing a check: decorate it with :func:`exercise`, validate the answer first (so that a blank answer is caught
before anything else is computed), then test it with :func:`require`, :func:`close` and :func:`answered` (raising
:class:`NotYet` with a hint), and return a short note for the "right" line.
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

import numpy as np

from course_utils.config import strict_checks

#: Every check by exercise id ("03.1" -> function); filled by :func:`exercise` as the notebook modules load.
REGISTRY: dict[str, Callable[..., bool]] = {}

# one module per notebook, nb00 … nb99: whichever exist (a new notebook's checks need no registration here)
_NOTEBOOK_MODULES = tuple(f"nb{i:02d}" for i in range(100))
_ID = re.compile(r"^\d\d\.\d$")


class NotYet(AssertionError):
    """The answer is not right yet; the message says what to look at (never the solution)."""


def exercise(exercise_id: str) -> Callable[[Callable[..., Any]], Callable[..., bool]]:
    """Register a check function under ``exercise_id`` ("NN.k": notebook NN, exercise k).

    The wrapped check prints ``✓ NN.k right`` (with the check's own note, if it returns a string) and returns True,
    or prints ``✗ NN.k not yet: <hint>`` and returns False when the check raises :class:`NotYet`. An unexpected
    error inside the check (an answer of a kind it did not foresee) is reported the same way, with its type. Under
    ``COURSE_STRICT_CHECKS=1`` both raise :class:`NotYet` instead (the tests).

    Examples
    --------
    >>> import os
    >>> os.environ["COURSE_STRICT_CHECKS"] = "0"
    >>> @exercise("99.1")
    ... def demo(answer):
    ...     answered(answer, "answer", "a number")
    ...     require(answer == 42, "count again")
    >>> demo(42)
    ✓ 99.1 right
    True
    >>> demo(41)
    ✗ 99.1 not yet: count again
    False
    >>> os.environ["COURSE_STRICT_CHECKS"] = "1"
    >>> demo(None)
    Traceback (most recent call last):
    ...
    course_utils.checks.NotYet: 99.1 not yet: `answer` is still None: store a number in it
    """
    if not isinstance(exercise_id, str) or not _ID.match(exercise_id):
        raise ValueError(f"exercise_id must look like '03.1' (notebook, exercise), got {exercise_id!r}")

    def register(check: Callable[..., Any]) -> Callable[..., bool]:
        @wraps(check)
        def run(*args: Any, **kwargs: Any) -> bool:
            try:
                note = check(*args, **kwargs)
            except NotYet as err:
                hint = str(err)
            except Exception as err:  # noqa: BLE001 - an answer the check did not foresee is a hint, not a crash
                if strict_checks():
                    raise
                hint = f"the check could not use your answer ({type(err).__name__}: {err})"
            else:
                print(f"✓ {exercise_id} right" + (f": {note}" if isinstance(note, str) and note else ""))
                return True
            if strict_checks():
                raise NotYet(f"{exercise_id} not yet: {hint}") from None
            print(f"✗ {exercise_id} not yet: {hint}")
            return False

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


def attempt(fn: Callable[..., Any], *args: Any, call: str, advice: str = "") -> Any:
    """``fn(*args)``, where ``fn`` is the learner's code: an error it raises becomes :class:`NotYet`.

    The hint reads ``"<call> failed with <error type>: <message>"``, then ``"; <advice>"`` if given.

    Examples
    --------
    >>> attempt(lambda x: 1 / x, 0, call="`f(0)`", advice="mind the zero")
    Traceback (most recent call last):
    ...
    course_utils.checks.NotYet: `f(0)` failed with ZeroDivisionError: division by zero; mind the zero
    """
    try:
        return fn(*args)
    except Exception as err:  # noqa: BLE001 - any error in the learner's code is a hint, not a crash here
        raise NotYet(
            f"{call} failed with {type(err).__name__}: {err}" + (f"; {advice}" if advice else "")
        ) from None


def answered_function(fn: Any, name: str, probe: tuple = ()) -> None:
    """The answer ``name`` must be a function that returns something (not ``None``) when called on ``probe``."""
    if fn is None or not callable(fn):
        raise NotYet(f"`{name}` must be a function (def {name}(...): ...), got {type(fn).__name__}")
    if probe:
        out = attempt(fn, *probe, call=f"calling `{name}`")
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


def load_all() -> dict[str, Callable[..., bool]]:
    """Import every notebook's checks and return :data:`REGISTRY` (for tests and tools)."""
    for name in _NOTEBOOK_MODULES:
        try:
            importlib.import_module(f"course_utils.checks.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"course_utils.checks.{name}":
                raise
    return dict(REGISTRY)
