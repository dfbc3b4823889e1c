"""Training under a time budget: a Keras callback that stops after so many CPU seconds and logs a metric.

Comparing two models fairly means giving them the same resources, not the same number of epochs: a model whose
epoch is five times cheaper may run five times as many. :class:`TimeBudget` stops training once a budget of
seconds is spent and, along the way, evaluates a metric you choose (PSNR on validation images, RMSE on held-out
pages ...) at geometrically spaced moments, so that a curve "metric against seconds" can be drawn for each model.
The time spent evaluating is *not* charged to the model.

The clock is CPU time by default (:func:`time.process_time`: the seconds all threads of this process spent
computing), which is less sensitive than wall time to whatever else the machine is doing; wall time is also logged.

:func:`time_to_reach` reads such a curve: how many seconds until the metric first reached a target.
:func:`macs_per_example` counts a model's multiply-accumulates per input, the cost that CPU time follows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import keras
import numpy as np

CLOCKS = ("cpu", "wall")


def _clock(kind: str) -> Callable[[], float]:
    return time.process_time if kind == "cpu" else time.perf_counter


class TimeBudget(keras.callbacks.Callback):
    """Stop ``fit`` after ``budget`` seconds of training and log ``evaluate(model)`` against the seconds spent.

    Parameters
    ----------
    budget : float or None
        Seconds of training (on ``clock``) after which training stops, at the end of the current batch; ``None``
        only logs (training then ends when ``fit``'s epochs are done).
    evaluate : callable, optional
        ``evaluate(model) -> float``, e.g. the PSNR of the model on validation images. Called once before the first
        step, then at geometrically spaced moments (``first``, ``first * growth``, ...) and once at the end. Its own
        run time is not charged to the budget.
    clock : {"cpu", "wall"}, default "cpu"
        CPU seconds of this process (all threads) or wall-clock seconds.
    first : float, default 1.0
        Seconds of training before the second evaluation.
    growth : float, default 1.25
        Ratio between successive evaluation moments (> 1).

    Attributes
    ----------
    seconds, values : list of float
        The evaluation log: training seconds spent (evaluations excluded) and the metric at that moment.
    wall : list of float
        Wall-clock seconds (evaluations excluded) at the same moments.
    steps : list of int
        Training steps (batches) done at the same moments.
    epoch_seconds, epoch_wall : list of float
        Training seconds (CPU or wall, evaluations excluded) spent in each *completed* epoch.

    Examples
    --------
    .. code-block:: python

        budget = TimeBudget(60, evaluate=lambda m: float(m.evaluate(x_val, x_val, verbose=0)))
        model.fit(x, x, epochs=1000, callbacks=[budget], verbose=0)  # stops after 60 s of training
        budget.seconds[-1] >= 60  # True
    """

    def __init__(
        self,
        budget: float | None,
        evaluate: Callable[[keras.Model], float] | None = None,
        *,
        clock: str = "cpu",
        first: float = 1.0,
        growth: float = 1.25,
    ) -> None:
        super().__init__()
        if budget is not None and (
            isinstance(budget, bool) or not isinstance(budget, (int, float)) or not budget > 0
        ):
            raise ValueError(f"budget must be a positive number of seconds or None, got {budget!r}")
        if clock not in CLOCKS:
            raise ValueError(f"clock must be one of {CLOCKS}, got {clock!r}")
        if evaluate is not None and not callable(evaluate):
            raise ValueError(f"evaluate must be a callable model -> float, got {type(evaluate).__name__}")
        if not (isinstance(first, (int, float)) and first > 0):
            raise ValueError(f"first must be a positive number of seconds, got {first!r}")
        if not (isinstance(growth, (int, float)) and growth > 1):
            raise ValueError(f"growth must be a number > 1, got {growth!r}")
        self.budget = math.inf if budget is None else float(budget)
        self.evaluate = evaluate
        self.clock = clock
        self.first = float(first)
        self.growth = float(growth)
        self._now = _clock(clock)
        self._reset()

    def _reset(self) -> None:
        self.seconds: list[float] = []
        self.values: list[float] = []
        self.wall: list[float] = []
        self.steps: list[int] = []
        self.epoch_seconds: list[float] = []
        self.epoch_wall: list[float] = []
        self._step = 0
        self._excluded = 0.0  # seconds spent evaluating, on the budget's clock
        self._excluded_wall = 0.0
        self._next = 0.0

    # training seconds so far, evaluations excluded
    def spent(self) -> float:
        """Training seconds spent so far on the budget's clock (evaluations excluded)."""
        return self._now() - self._t0 - self._excluded

    def seconds_per_step(self, clock: str | None = None) -> float:
        """Steady-state cost of one training step, in seconds on ``clock`` (default: the budget's clock).

        Measured between the first evaluation after training started and the last one, so that the one-off cost of
        the first step (tracing and compiling the training function) is left out.

        Raises
        ------
        ValueError
            If fewer than two evaluations with steps between them were logged (a budget too small to measure).
        """
        clock = self.clock if clock is None else clock
        if clock not in CLOCKS:
            raise ValueError(f"clock must be one of {CLOCKS}, got {clock!r}")
        times = self.seconds if clock == self.clock else self.wall
        if clock == "cpu" and self.clock == "wall":
            raise ValueError("CPU time was not logged: this budget runs on the wall clock")
        later = [i for i, s in enumerate(self.steps) if s > 0]
        if len(later) < 2 or self.steps[later[-1]] == self.steps[later[0]]:
            raise ValueError("not enough logged steps to measure a rate: give training a larger budget")
        first, last = later[0], later[-1]
        return (times[last] - times[first]) / (self.steps[last] - self.steps[first])

    def _spent_wall(self) -> float:
        return time.perf_counter() - self._w0 - self._excluded_wall

    def _log(self) -> None:
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
        self._next = self.first if spent < self.first else spent * self.growth

    def on_train_begin(self, logs=None) -> None:
        self._reset()
        self._t0, self._w0 = self._now(), time.perf_counter()
        self._epoch_start, self._epoch_start_wall = 0.0, 0.0
        self._log()

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._epoch_start, self._epoch_start_wall = self.spent(), self._spent_wall()

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._step += 1
        spent = self.spent()
        if spent >= self.budget:
            self.model.stop_training = True
        elif spent >= self._next:
            self._log()

    def on_epoch_end(self, epoch, logs=None) -> None:
        if not self.model.stop_training:  # an epoch cut short by the budget is not a full epoch
            self.epoch_seconds.append(self.spent() - self._epoch_start)
            self.epoch_wall.append(self._spent_wall() - self._epoch_start_wall)

    def on_train_end(self, logs=None) -> None:
        if not self.steps or self.steps[-1] != self._step:
            self._log()


def time_to_reach(
    seconds: Sequence[float], values: Sequence[float], target: float, *, higher_is_better: bool = True
) -> float:
    """Seconds until a logged metric first reached ``target`` (``inf`` if it never did).

    The answer is the first logged moment at which the target was met, so it errs on the slow side by at most one
    evaluation interval.

    Parameters
    ----------
    seconds, values : sequence of float
        A log such as :attr:`TimeBudget.seconds` and :attr:`TimeBudget.values` (same length, seconds increasing).
    target : float
    higher_is_better : bool, default True
        ``True`` for PSNR or accuracy (reach = at least ``target``); ``False`` for errors (at most ``target``).

    Examples
    --------
    >>> time_to_reach([0, 10, 20], [5.0, 18.0, 21.0], 20.0)
    20.0
    >>> time_to_reach([0, 10], [0.3, 0.2], 0.1, higher_is_better=False)
    inf
    """
    s = np.asarray(seconds, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if s.ndim != 1 or s.shape != v.shape or len(s) == 0:
        raise ValueError(
            f"seconds and values must be 1-D of the same non-zero length, got {s.shape} and {v.shape}"
        )
    if np.any(np.diff(s) < 0):
        raise ValueError("seconds must be non-decreasing")
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
