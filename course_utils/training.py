"""Train by work, measure by time: a Keras callback that logs a metric against training steps and their cost.

A training run in this course is defined by its *work* — a number of epochs or steps, deterministic given the
seed — never by a clock: a model stopped after so many seconds learns more on a fast, idle machine than on a busy
one, and every figure after it would move with the machine. What a run *costs* is measured beside it.
:class:`TrainingLog` evaluates a metric you choose (PSNR on validation images, RMSE on held-out pages ...) at fixed
step counts, so the curve "metric against steps" is the same on every machine, and records the seconds each step
took on this one, so the same curve can be drawn against measured cost. The time spent evaluating is *not*
charged to training.

Which clock measures cost:

``"cpu"``
    :func:`time.process_time`, the seconds all threads of this process spent computing: on a CPU it follows the
    work done and is less sensitive than wall time to whatever else the machine runs.
``"wall"``
    :func:`time.perf_counter`. The right clock when a GPU does the work (the process's CPU time then measures
    almost nothing of it); the log waits for the device before reading it.
``"auto"`` (default)
    ``"wall"`` when TensorFlow sees a GPU, ``"cpu"`` otherwise. :attr:`TrainingLog.clock` says which was used.

:func:`log_steps` spaces evaluation moments geometrically (a learning curve changes fastest early on);
:func:`first_reached` reads a curve (the first logged x at which the metric reached a target);
:func:`macs_per_example` counts a model's multiply-accumulates per input, the cost that CPU time follows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence

import keras
import numpy as np

CLOCKS = ("cpu", "wall")


def default_clock() -> str:
    """The clock that measures training cost on this machine: ``"wall"`` with a GPU, ``"cpu"`` without.

    Examples
    --------
    >>> default_clock() in ("cpu", "wall")
    True
    """
    try:
        import tensorflow as tf

        return "wall" if tf.config.list_physical_devices("GPU") else "cpu"
    except Exception:  # no TensorFlow device query possible: measure process time
        return "cpu"


def _clock(kind: str) -> Callable[[], float]:
    return time.process_time if kind == "cpu" else time.perf_counter


def log_steps(total: int, n: int = 24) -> list[int]:
    """About ``n`` step counts from 0 to ``total``, spaced geometrically (dense early, sparse late).

    Parameters
    ----------
    total : int
        Number of training steps of the run (``epochs * steps_per_epoch``), at least 1.
    n : int, default 24
        How many moments to aim for (at least 2); duplicates after rounding are dropped, so fewer may come back.

    Returns
    -------
    list of int
        Strictly increasing, starting at 0 and ending at ``total``.

    Examples
    --------
    >>> log_steps(100, n=6)
    [0, 1, 3, 10, 32, 100]
    >>> log_steps(3, n=10)
    [0, 1, 2, 3]
    """
    if isinstance(total, bool) or not isinstance(total, (int, np.integer)) or total < 1:
        raise ValueError(f"total must be a positive number of steps, got {total!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    inner = np.geomspace(1, int(total), num=int(n) - 1)
    return [0, *sorted({int(round(s)) for s in inner} | {int(total)})]


class TrainingLog(keras.callbacks.Callback):
    """Log ``evaluate(model)`` at fixed step counts and the training seconds spent by then; never stops ``fit``.

    Parameters
    ----------
    evaluate : callable, optional
        ``evaluate(model) -> float``, e.g. the PSNR of the model on validation images. Called before the first
        step (step 0), after every step listed in ``at`` and once at the end. Its own run time is not charged.
        Without it only times are logged (``values`` holds NaN).
    at : iterable of int, optional
        Step counts after which to evaluate (see :func:`log_steps`). Default: only at the start and the end.
    clock : {"auto", "cpu", "wall"}, default "auto"
        The clock of :attr:`seconds` (see the module's docstring); wall time is always logged as well.

    Attributes
    ----------
    clock : {"cpu", "wall"}
        The clock actually used.
    steps : list of int
        Training steps (batches) done at each logged moment.
    values : list of float
        The metric at those moments.
    seconds : list of float
        Training seconds on :attr:`clock` spent by then (evaluations excluded).
    wall : list of float
        Wall-clock training seconds by then (evaluations excluded).
    epoch_seconds : list of float
        Training seconds on :attr:`clock` spent in each epoch.

    Examples
    --------
    .. code-block:: python

        log = TrainingLog(lambda m: float(m.evaluate(x_val, x_val, verbose=0)), at=log_steps(10 * steps_per_epoch))
        model.fit(x, x, epochs=10, callbacks=[log], verbose=0)  # ten epochs, however long they take
        log.steps[-1] == 10 * steps_per_epoch  # True
        log.seconds_per_step()  # what one step cost on this machine
    """

    def __init__(
        self,
        evaluate: Callable[[keras.Model], float] | None = None,
        *,
        at: Iterable[int] | None = None,
        clock: str = "auto",
    ) -> None:
        super().__init__()
        if evaluate is not None and not callable(evaluate):
            raise ValueError(f"evaluate must be a callable model -> float, got {type(evaluate).__name__}")
        if clock not in ("auto", *CLOCKS):
            raise ValueError(f"clock must be 'auto', 'cpu' or 'wall', got {clock!r}")
        schedule = set()
        for s in at or ():
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
                raise ValueError(f"at must hold non-negative step counts, got {s!r}")
            schedule.add(int(s))
        self.at = frozenset(schedule)
        self.evaluate = evaluate
        self.clock = default_clock() if clock == "auto" else clock
        self._now = _clock(self.clock)
        self._reset()

    def _reset(self) -> None:
        self.seconds: list[float] = []
        self.values: list[float] = []
        self.wall: list[float] = []
        self.steps: list[int] = []
        self.epoch_seconds: list[float] = []
        self._step = 0
        self._excluded = 0.0  # seconds spent evaluating, on the log's clock
        self._excluded_wall = 0.0

    def _sync(self) -> None:
        """Wait for the device: reading one weight back forces every queued step to finish (matters on a GPU)."""
        if self.clock == "wall" and self.model is not None and self.model.weights:
            keras.ops.convert_to_numpy(self.model.weights[-1])

    def spent(self) -> float:
        """Training seconds spent so far on :attr:`clock` (evaluations excluded)."""
        return self._now() - self._t0 - self._excluded

    def _spent_wall(self) -> float:
        return time.perf_counter() - self._w0 - self._excluded_wall

    def _log(self) -> None:
        self._sync()
        spent, wall = self.spent(), self._spent_wall()
        if self.evaluate is not None:
            t, w = self._now(), time.perf_counter()
            value = float(self.evaluate(self.model))
            if not math.isfinite(value):
                raise ValueError(f"evaluate(model) returned {value}; it must return a finite number")
            self._excluded += self._now() - t
            self._excluded_wall += time.perf_counter() - w
        else:
            value = float("nan")
        self.seconds.append(spent)
        self.values.append(value)
        self.wall.append(wall)
        self.steps.append(self._step)

    def on_train_begin(self, logs=None) -> None:
        self._reset()
        self._t0, self._w0 = self._now(), time.perf_counter()
        self._epoch_start = 0.0
        self._log()

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._epoch_start = self.spent()

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._step += 1
        if self._step in self.at:
            self._log()

    def on_epoch_end(self, epoch, logs=None) -> None:
        self._sync()
        self.epoch_seconds.append(self.spent() - self._epoch_start)

    def on_train_end(self, logs=None) -> None:
        if not self.steps or self.steps[-1] != self._step:
            self._log()

    def seconds_per_step(self, clock: str | None = None) -> float:
        """Steady-state cost of one training step, in seconds on ``clock`` (default: :attr:`clock`).

        Measured from the first logged moment after training started to the last one, so that the one-off cost of
        the first step (tracing and compiling the training function) is left out.

        Raises
        ------
        ValueError
            If fewer than two moments with steps between them were logged after the first step (log more
            moments with ``at``), or if CPU time is asked of a log kept on the wall clock.
        """
        clock = self.clock if clock is None else clock
        if clock not in CLOCKS:
            raise ValueError(f"clock must be one of {CLOCKS}, got {clock!r}")
        if clock == "cpu" and self.clock == "wall":
            raise ValueError("CPU time was not logged: this log runs on the wall clock")
        times = self.seconds if clock == self.clock else self.wall
        later = [i for i, s in enumerate(self.steps) if s > 0]
        if len(later) < 2 or self.steps[later[-1]] == self.steps[later[0]]:
            raise ValueError(
                "not enough logged moments to measure a rate: log at least two step counts after the first "
                "(at=log_steps(total_steps))"
            )
        first, last = later[0], later[-1]
        return (times[last] - times[first]) / (self.steps[last] - self.steps[first])

    def cost(self, clock: str | None = None) -> np.ndarray:
        """Measured cost of reaching each logged moment: ``steps × seconds_per_step`` (compile time left out).

        A smooth time axis for plotting the learning curve against what training costs on this machine: the
        steps are the run's (the same everywhere), the rate is this machine's.
        """
        return np.asarray(self.steps, dtype=np.float64) * self.seconds_per_step(clock)


def first_reached(
    x: Sequence[float], values: Sequence[float], target: float, *, higher_is_better: bool = True
) -> float:
    """The first logged ``x`` (steps, seconds ...) at which a metric reached ``target`` (``inf`` if it never did).

    The answer errs on the late side by at most one logging interval.

    Parameters
    ----------
    x, values : sequence of float
        A log such as :attr:`TrainingLog.steps` and :attr:`TrainingLog.values` (same length, ``x``
        non-decreasing).
    target : float
    higher_is_better : bool, default True
        ``True`` for PSNR or accuracy (reach = at least ``target``); ``False`` for errors (at most ``target``).

    Examples
    --------
    >>> first_reached([0, 10, 20], [5.0, 18.0, 21.0], 20.0)
    20.0
    >>> first_reached([0, 10], [0.3, 0.2], 0.1, higher_is_better=False)
    inf
    """
    s = np.asarray(x, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if s.ndim != 1 or s.shape != v.shape or len(s) == 0:
        raise ValueError(f"x and values must be 1-D of the same non-zero length, got {s.shape} and {v.shape}")
    if np.any(np.diff(s) < 0):
        raise ValueError("x must be non-decreasing")
    if not math.isfinite(float(target)):
        raise ValueError(f"target must be a finite number, got {target!r}")
    reached = v >= target if higher_is_better else v <= target
    hits = np.flatnonzero(reached)
    return float(s[hits[0]]) if len(hits) else math.inf


def macs_per_example(model: keras.Model) -> int:
    """Multiply-accumulate operations of one forward pass for one input, counted layer by layer.

    Counts ``Dense``, ``Conv2D`` and ``Conv2DTranspose`` layers (the bulk of the work in the course's models);
    activations, pooling and upsampling are cheap in comparison and not counted. A training step costs roughly
    three forward passes (forward, and two products in the backward pass).

    Parameters
    ----------
    model : keras.Model
        A built model with known spatial sizes (a fully convolutional model with ``None`` sizes cannot be counted:
        build it with a fixed input size first). Nested models are counted through.

    Returns
    -------
    int

    Examples
    --------
    >>> x_in = keras.Input((28, 28, 1))
    >>> macs_per_example(keras.Model(x_in, keras.layers.Conv2D(8, 3, padding="same")(x_in)))
    56448
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model, got {type(model).__name__}")
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += macs_per_example(layer)
            continue
        if not isinstance(layer, (keras.layers.Dense, keras.layers.Conv2D, keras.layers.Conv2DTranspose)):
            continue
        kernel = layer.kernel.shape
        if isinstance(layer, keras.layers.Dense):
            total += int(np.prod(kernel))
            continue
        # Conv2D: every output pixel does kh*kw*c_in*c_out products; Conv2DTranspose: every input pixel does
        spatial = (
            layer.output.shape[1:3] if isinstance(layer, keras.layers.Conv2D) else layer.input.shape[1:3]
        )
        if any(d is None for d in spatial):
            raise ValueError(
                f"layer {layer.name!r} has unknown spatial size {tuple(spatial)}; build the model with a fixed input "
                "size to count its operations"
            )
        total += int(np.prod(spatial)) * int(np.prod(kernel))
    return total
