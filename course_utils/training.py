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

    def cache_key(self) -> tuple:
        """What of this log shapes what it records: its schedule, its clock and its ``evaluate`` function."""
        return ("TrainingLog", sorted(self.at), self.clock, self.evaluate)

    def cache_state(self) -> dict:
        """What the log recorded, as JSON-able lists (saved with a cached training run)."""
        return {
            "clock": self.clock,
            **{k: list(getattr(self, k)) for k in ("steps", "values", "seconds", "wall", "epoch_seconds")},
        }

    def restore_cache_state(self, state: dict) -> None:
        """Put back what :meth:`cache_state` returned (a loaded run: the log reads as after the real one)."""
        if state.get("clock") != self.clock:
            raise ValueError(
                f"a log kept on the {state.get('clock')!r} clock cannot restore into a {self.clock!r} log"
            )
        self._reset()
        self.steps = [int(s) for s in state["steps"]]
        for k in ("values", "seconds", "wall", "epoch_seconds"):
            setattr(self, k, [float(v) for v in state[k]])
        self._step = self.steps[-1] if self.steps else 0

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


class FitResult(keras.callbacks.History):
    """What :func:`fit_or_load` returns: a Keras ``History`` (``.history``, ``.epoch``, ``.params``), plus

    Attributes
    ----------
    name : str
        The run's name.
    loaded : bool
        True when the trained model came from the cache or a pretrained archive.
    seconds : float
        Wall-clock seconds that training took when it ran (not the load time).
    cpu_seconds : float
        Process CPU seconds that training took when it ran.
    steps : int
        Training steps (batches) of the run.
    where : str
        The cache entry (or archive) the model is kept in.
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.loaded = False
        self.seconds = float("nan")
        self.cpu_seconds = float("nan")
        self.steps = 0
        self.where = ""


def _versions() -> dict:
    import tensorflow as tf

    minor = lambda v: ".".join(v.split(".")[:2])  # noqa: E731
    return {"keras": minor(keras.__version__), "tensorflow": minor(tf.__version__), "device": default_clock()}


def _is_array(x) -> bool:
    return isinstance(x, (np.ndarray, list, tuple, dict)) or x is None


def _model_arrays(model: keras.Model) -> dict[str, np.ndarray]:
    arrays = {}
    for prefix, variables in (
        ("model", model.variables),
        ("optimizer", model.optimizer.variables if model.optimizer is not None else []),
        ("metrics", model.metrics_variables),
    ):
        for i, v in enumerate(variables):
            arrays[f"{prefix}/{i:04d}"] = np.asarray(v.numpy())
    return arrays


def _pairs(variables, arrays: dict, prefix: str) -> list:
    saved = sorted(k for k in arrays if k.startswith(prefix + "/"))
    if len(saved) != len(variables):
        raise ValueError(f"{len(saved)} saved {prefix} variables, the model has {len(variables)}")
    for v, k in zip(variables, saved, strict=True):
        if tuple(v.shape) != arrays[k].shape:
            raise ValueError(
                f"{prefix} variable {v.path}: saved shape {arrays[k].shape}, the model's {tuple(v.shape)}"
            )
    return [(v, arrays[k]) for v, k in zip(variables, saved, strict=True)]


def _restore_plan(model: keras.Model, arrays: dict) -> list:
    """Pair every saved array with the variable it goes into, checking all of them before anything is assigned."""
    plan = _pairs(model.variables, arrays, "model")
    opt = model.optimizer
    if any(k.startswith("optimizer/") for k in arrays):
        if not opt.built:
            opt.build(model.trainable_variables)
        plan += _pairs(opt.variables, arrays, "optimizer")
    try:  # the trackers only hold the last epoch's means; Keras builds some of them lazily
        plan += _pairs(model.metrics_variables, arrays, "metrics")
    except ValueError:
        pass
    return plan


def _pack_arrays(state, prefix: str, arrays: dict):
    """A callback's state with its NumPy arrays moved into ``arrays`` (for ``state.npz``) and named in their place."""
    if isinstance(state, np.ndarray):
        arrays[prefix] = state
        return {"__array__": prefix}
    if isinstance(state, dict):
        return {k: _pack_arrays(v, f"{prefix}/{k}", arrays) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return [_pack_arrays(v, f"{prefix}/{i}", arrays) for i, v in enumerate(state)]
    return state.item() if isinstance(state, np.generic) else state


def _unpack_arrays(state, arrays):
    if isinstance(state, dict):
        if set(state) == {"__array__"}:
            return arrays[state["__array__"]]
        return {k: _unpack_arrays(v, arrays) for k, v in state.items()}
    if isinstance(state, list):
        return [_unpack_arrays(v, arrays) for v in state]
    return state


def fit_or_load(
    model: keras.Model,
    x=None,
    y=None,
    *,
    name: str,
    key_data=None,
    callbacks: Sequence[keras.callbacks.Callback] | None = None,
    **fit_kwargs,
) -> FitResult:
    """``model.fit(x, y, ...)`` the first time; afterwards, load the trained model from the cache instead.

    Training is defined by its work (epochs or steps), so a finished run can be stored and reused: the
    model's weights, its optimizer's state, the training history, what its callbacks logged (learning curves,
    cost), and the random-number states training left behind, so that everything after it runs as it did.
    The key of a run (see :mod:`course_utils.model_cache`) covers the model (architecture, initial weights,
    the code of its classes), its compile settings, the arguments of ``fit``, the data, the callbacks, the
    mode, the seed's state, the Keras/TensorFlow versions and the device; any change trains anew.

    One line is printed either way: what was trained and where it was saved, or what was loaded, from where,
    and what training cost when it ran.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    x, y
        As for ``model.fit``. NumPy arrays (or tuples and dicts of them) are hashed into the key; anything
        else (a ``tf.data.Dataset``, a generator) needs ``key_data``. Either may also be a function of no
        arguments that *makes* the data (``lambda: corrupt(x_train, seed=0)``): it is called only when training
        is needed, so a warm run skips making data it does not use; ``key_data`` then says what it is made of.
    name : str
        A short name for the run, e.g. ``"03-denoiser"``: shown, and the start of the cache folder's name (the
        key, not the name, decides whether a run is the same).
    key_data : optional
        What a non-array ``x`` is made of, e.g. ``(x_train, AMOUNT, make_batches)``: arrays, numbers and
        the functions that build the batches (their source code is hashed).
    callbacks : sequence of keras.callbacks.Callback, optional
        Every callback must be able to save and restore what it logs: :class:`TrainingLog`, or any object with
        ``cache_key()``, ``cache_state()`` (a dict of numbers, strings, lists and NumPy arrays) and
        ``restore_cache_state(state)``. A log keeps only what its ``evaluate`` *returns*: anything the function
        collects on the side is not there after a load (subclass :class:`TrainingLog` and extend
        ``cache_state`` to keep it).
    **fit_kwargs
        The other arguments of ``model.fit`` (``epochs``, ``batch_size``, ``validation_data``, ``shuffle`` ...).

    Returns
    -------
    FitResult
        A ``keras.callbacks.History``, with ``loaded``, ``seconds``, ``cpu_seconds``, ``steps`` and ``where``.

    Raises
    ------
    ValueError
        If the model is not compiled, ``x`` cannot be hashed and no ``key_data`` is given, or a callback
        cannot be cached.

    Notes
    -----
    ``COURSE_RETRAIN=1`` trains every run anew (and replaces the cached one). Damaged cache files and archive
    files that do not match their manifest are reported in one line and never used: the run trains instead.

    Examples
    --------
    .. code-block:: python

        log = cu.training.TrainingLog(val_psnr, at=cu.training.log_steps(EPOCHS * STEPS_PER_EPOCH))
        hist = cu.training.fit_or_load(model, x_noisy, x_train, epochs=EPOCHS, batch_size=128,
                                       callbacks=[log], name="03-denoiser")
        # first run:  cache: trained 03-denoiser (1,407 steps, 95 s) and saved it to data/models/03-denoiser-…
        # next runs:  cache: loaded 03-denoiser (1,407 steps; training took 95 s when it ran) from data/models/…
    """
    from course_utils import config, model_cache

    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model, got {type(model).__name__}")
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        raise ValueError(f"compile the model {model.name!r} before training it")
    callbacks = list(callbacks or [])
    for cb in callbacks:
        if not all(hasattr(cb, a) for a in ("cache_key", "cache_state", "restore_cache_state")):
            raise ValueError(
                f"callback {type(cb).__name__} cannot be cached: use cu.training.TrainingLog, or give it cache_key(), "
                "cache_state() and restore_cache_state(state)"
            )
    lazy = [callable(v) and not hasattr(v, "element_spec") for v in (x, y)]
    if any(lazy) and key_data is None:
        raise ValueError(
            "x or y is a function that makes the data: say what it is made of with key_data=(...)"
        )
    if not (_is_array(x) and _is_array(y)) and key_data is None:
        raise ValueError(
            f"x is a {type(x).__name__}, which cannot be hashed into the cache key: pass key_data=(what it is made "
            "of: the arrays, the numbers and the function that builds the batches)"
        )
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name must be a short non-empty string such as '03-denoiser', got {name!r}")
    cfg = config.get_config()
    started = model_cache.rng_state()
    data = (x, y) if key_data is None else ("key_data", key_data)
    if key_data is not None and _is_array(x) and _is_array(y) and not any(lazy):
        data = (x, y, key_data)
    key = model_cache.fingerprint(
        model_cache.FORMAT,
        name,
        cfg.mode,
        _versions(),
        model,
        getattr(model, "_compile_config", None) and model._compile_config.config,
        model.optimizer,
        [np.asarray(v.numpy()) for v in model.optimizer.variables],
        fit_kwargs,
        data,
        [cb.cache_key() for cb in callbacks],
        [started["python"], started["numpy"], started["tf_ops"], started["keras"]],
    )
    entry = model_cache.entry_name(name, key)
    result = FitResult(name)

    found = None if config.retrain() else model_cache.find(entry, key)
    if found is not None:
        meta, arrays, where = found
        try:
            plan = _restore_plan(model, arrays)
            rng = model_cache._rng_from_files(meta["rng"], arrays)
            states = [_unpack_arrays(state, arrays) for state in meta["callbacks"]]
            if len(states) != len(callbacks):
                raise ValueError(f"{len(states)} callbacks were saved, {len(callbacks)} are given")
            for cb, state in zip(callbacks, states, strict=True):
                cb.set_model(model)  # as fit would have: a log's .model is the model it logged
                cb.restore_cache_state(state)  # a log kept on another clock refuses here
        except (ValueError, KeyError, TypeError) as err:
            model_cache._warn(f"could not use the cached {entry} ({err}); training instead")
        else:
            for variable, value in plan:
                variable.assign(value)
            model_cache.set_rng_state(rng)
            result.history = meta["history"]
            result.epoch = meta["epoch"]
            result.params = meta["params"]
            result.set_model(model)
            result.loaded, result.seconds, result.cpu_seconds = True, meta["seconds"], meta["cpu_seconds"]
            result.steps, result.where = meta["steps"], model_cache.shown(where)
            print(
                f"cache: loaded {name} ({result.steps:,} steps; training took {result.seconds:.0f} s when it ran, "
                f"{meta['created']}) from {result.where}"
            )
            return result

    x, y = (v() if is_lazy else v for v, is_lazy in zip((x, y), lazy, strict=True))
    counter = _StepCounter()
    t_wall, t_cpu = time.perf_counter(), time.process_time()
    hist = model.fit(x, y, callbacks=[*callbacks, counter], **fit_kwargs)
    if default_clock() == "wall" and model.weights:
        keras.ops.convert_to_numpy(model.weights[-1])  # wait for the device before reading the clock
    result.seconds, result.cpu_seconds = time.perf_counter() - t_wall, time.process_time() - t_cpu
    result.history = {k: [float(v) for v in vs] for k, vs in hist.history.items()}
    result.epoch, result.params, result.steps = list(hist.epoch), dict(hist.params or {}), counter.steps
    result.set_model(model)
    rng_meta, rng_arrays = model_cache._rng_to_files(model_cache.rng_state())
    cb_arrays: dict[str, np.ndarray] = {}
    meta = {
        "key": key,
        "name": name,
        "mode": cfg.mode,
        "versions": _versions(),
        "history": result.history,
        "epoch": result.epoch,
        "params": {
            k: v for k, v in result.params.items() if isinstance(v, (int, float, str, bool, type(None)))
        },
        "callbacks": [
            _pack_arrays(cb.cache_state(), f"callback/{i}", cb_arrays) for i, cb in enumerate(callbacks)
        ],
        "seconds": result.seconds,
        "cpu_seconds": result.cpu_seconds,
        "steps": result.steps,
        "created": time.strftime("%Y-%m-%d"),
        "rng": rng_meta,
    }
    result.params = meta["params"]
    folder = config.model_cache_dir() / entry
    try:
        model_cache.write_entry(folder, meta, {**_model_arrays(model), **rng_arrays, **cb_arrays})
        result.where = model_cache.shown(folder)
        saved = f"saved it to {result.where}"
    except OSError as err:
        saved = f"could not save it ({err})"
    print(f"cache: trained {name} ({result.steps:,} steps, {result.seconds:.0f} s) and {saved}")
    return result


class _StepCounter(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.steps = 0

    def on_train_batch_end(self, batch, logs=None) -> None:
        self.steps += 1


def compute_or_load(name: str, compute: Callable[[], dict], *, key_data) -> dict:
    """``compute()`` the first time; afterwards, its result from the cache (for work that is not a Keras fit).

    For a scikit-learn probe trained on codes, or an evaluation sweep over trained models: the result is kept in
    the trained-model cache like a :func:`fit_or_load` run, keyed on ``name``, the course mode, the code of
    ``compute``, ``key_data`` and the random-number states; the states ``compute`` left behind are restored on
    loading, so that what follows runs as it did.

    Parameters
    ----------
    name : str
        A short name such as ``"02-probe-raw-pixels"``.
    compute : callable
        Takes no arguments and returns a dict of numbers, strings, booleans, lists of them, or NumPy arrays.
    key_data
        Everything the result depends on besides ``compute``'s own code: arrays, numbers, functions it calls, and
        Keras models (their weights are hashed).

    Returns
    -------
    dict
        What ``compute`` returned (arrays come back as arrays). One line says whether it was computed or loaded.

    Examples
    --------
    .. code-block:: python

        def probe():
            clf = LogisticRegression(max_iter=500)
            start = time.process_time()
            clf.fit(z_train, y_train)
            return {"accuracy": clf.score(z_test, y_test), "cpu_s": time.process_time() - start}

        res = cu.training.compute_or_load("02-probe-codes", probe, key_data=(z_train, y_train, z_test, y_test))
    """
    from course_utils import config, model_cache

    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name must be a short non-empty string such as '02-probe', got {name!r}")
    if not callable(compute):
        raise ValueError(f"compute must be a function of no arguments, got {type(compute).__name__}")
    cfg = config.get_config()
    started = model_cache.rng_state()
    key = model_cache.fingerprint(
        model_cache.FORMAT,
        "compute",
        name,
        cfg.mode,
        _versions(),
        compute,
        key_data,
        [started["python"], started["numpy"], started["tf_ops"], started["keras"]],
    )
    entry = model_cache.entry_name(name, key)
    found = None if config.retrain() else model_cache.find(entry, key)
    if found is not None:
        meta, arrays, where = found
        try:
            result = dict(meta["result"])
            for k in meta["result_arrays"]:
                result[k] = arrays[f"result/{k}"]
            rng = model_cache._rng_from_files(meta["rng"], arrays)
        except (KeyError, TypeError, ValueError) as err:
            model_cache._warn(f"could not use the cached {entry} ({err}); computing instead")
        else:
            model_cache.set_rng_state(rng)
            print(
                f"cache: loaded {name} (computing it took {meta['seconds']:.0f} s when it ran, {meta['created']}) "
                f"from {model_cache.shown(where)}"
            )
            return result

    t_wall = time.perf_counter()
    result = compute()
    seconds = time.perf_counter() - t_wall
    if not isinstance(result, dict) or not all(isinstance(k, str) for k in result):
        raise ValueError(f"compute() must return a dict with string keys, got {type(result).__name__}")
    plain, arrays = {}, {}
    for k, v in result.items():
        if isinstance(v, np.ndarray):
            arrays[f"result/{k}"] = v
        elif isinstance(v, (np.generic,)):
            plain[k] = v.item()
        elif isinstance(v, (bool, int, float, str, type(None))) or (
            isinstance(v, (list, tuple))
            and all(isinstance(e, (bool, int, float, str, np.generic)) for e in v)
        ):
            plain[k] = (
                [e.item() if isinstance(e, np.generic) else e for e in v]
                if isinstance(v, (list, tuple))
                else v
            )
        else:
            raise ValueError(
                f"compute() returned {k!r} as a {type(v).__name__}: use numbers, strings, lists or arrays"
            )
    rng_meta, rng_arrays = model_cache._rng_to_files(model_cache.rng_state())
    meta = {
        "key": key,
        "name": name,
        "mode": cfg.mode,
        "versions": _versions(),
        "result": plain,
        "result_arrays": sorted(k.split("/", 1)[1] for k in arrays),
        "seconds": seconds,
        "created": time.strftime("%Y-%m-%d"),
        "rng": rng_meta,
    }
    folder = config.model_cache_dir() / entry
    try:
        model_cache.write_entry(folder, meta, {**arrays, **rng_arrays})
        saved = f"saved it to {model_cache.shown(folder)}"
    except OSError as err:
        saved = f"could not save it ({err})"
    print(f"cache: computed {name} ({seconds:.0f} s) and {saved}")
    return {**plain, **{k.split("/", 1)[1]: v for k, v in arrays.items()}}
