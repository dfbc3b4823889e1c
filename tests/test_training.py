"""course_utils.training: the log evaluates at fixed step counts, never stops training, and does not charge
evaluations to the measured cost."""

from __future__ import annotations

import math
import time

import keras
import numpy as np
import pytest

from course_utils import training
from course_utils.training import TrainingLog, first_reached, log_steps


def _tiny_model() -> keras.Model:
    keras.utils.set_random_seed(0)
    x_in = keras.Input((8,))
    model = keras.Model(x_in, keras.layers.Dense(8)(x_in))
    model.compile(optimizer="adam", loss="mse")
    return model


X = np.random.default_rng(0).random((256, 8)).astype(np.float32)
STEPS = 160  # 20 epochs of 256 / 32 = 8 steps


def _fit(log: TrainingLog, epochs: int = STEPS // 8) -> TrainingLog:
    _tiny_model().fit(X, X, epochs=epochs, batch_size=32, verbose=0, callbacks=[log])
    return log


def _mse(model) -> float:
    return float(model.evaluate(X, X, verbose=0))


def test_training_runs_all_its_epochs_whatever_the_clock_says():
    log = _fit(TrainingLog(clock="wall"))
    assert log.steps == [0, STEPS] and len(log.epoch_seconds) == STEPS // 8 and min(log.epoch_seconds) > 0


def test_metric_is_logged_exactly_at_the_asked_steps_and_at_the_end():
    calls = []

    def evaluate(model):
        calls.append(1)
        return _mse(model)

    log = _fit(TrainingLog(evaluate, at=[1, 5, 40, 100]))
    assert log.steps == [0, 1, 5, 40, 100, STEPS] and len(calls) == len(log.values) == 6
    assert np.all(np.diff(log.seconds) > 0) and np.all(np.diff(log.wall) > 0)
    assert log.values[-1] < log.values[0]  # it learned something


def test_the_logged_curve_is_the_same_on_a_busy_machine():
    """Same seed, same steps: the values do not depend on how fast the steps ran."""
    quiet = _fit(TrainingLog(_mse, at=log_steps(STEPS, n=8)))

    def slow_then(model):
        time.sleep(0.05)  # an evaluation that makes the run slower changes nothing it logs
        return _mse(model)

    busy = _fit(TrainingLog(slow_then, at=log_steps(STEPS, n=8)))
    assert busy.steps == quiet.steps
    np.testing.assert_allclose(busy.values, quiet.values, rtol=1e-5)


def test_evaluation_time_is_not_charged_to_training():
    def slow(model):
        time.sleep(0.2)
        return 0.0

    start = time.perf_counter()
    log = _fit(TrainingLog(slow, at=[1, 2, 3], clock="wall"))
    total = time.perf_counter() - start
    assert len(log.values) == 5
    assert total > log.wall[-1] + 0.2 * len(log.values)  # the sleeps happened, off the clock


def test_non_finite_metric_is_an_error():
    with pytest.raises(ValueError, match="finite"):
        _fit(TrainingLog(lambda m: float("nan")), epochs=1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"clock": "gpu"}, "clock"),
        ({"evaluate": 3}, "evaluate"),
        ({"at": [1, -2]}, "non-negative"),
        ({"at": [1.5]}, "non-negative"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainingLog(**kwargs)


def test_auto_clock_is_wall_time_when_a_gpu_does_the_work(monkeypatch):
    import tensorflow as tf

    monkeypatch.setattr(
        tf.config, "list_physical_devices", lambda kind=None: ["GPU:0"] if kind == "GPU" else []
    )
    assert training.default_clock() == "wall" and TrainingLog().clock == "wall"
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [])
    assert training.default_clock() == "cpu" and TrainingLog().clock == "cpu"


def test_log_steps_are_increasing_from_zero_to_total():
    for total in (1, 2, 7, 100, 12345):
        steps = log_steps(total, n=20)
        assert steps[0] == 0 and steps[-1] == total and np.all(np.diff(steps) > 0)
        assert len(steps) <= 20


@pytest.mark.parametrize(("args", "match"), [((0,), "total"), ((5.0,), "total"), ((10, 1), "n must")])
def test_log_steps_rejects_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        log_steps(*args)


def test_first_reached_takes_the_first_logged_moment():
    assert first_reached([0, 1, 2, 3], [10, 19, 21, 20], 20) == 2
    assert first_reached([0, 1, 2], [0.5, 0.3, 0.1], 0.3, higher_is_better=False) == 1
    assert math.isinf(first_reached([0, 1], [1, 2], 5))


@pytest.mark.parametrize(
    ("x", "values", "match"),
    [([0, 1], [1], "same"), ([], [], "non-zero"), ([1, 0], [1, 2], "non-decreasing")],
)
def test_first_reached_rejects_bad_logs(x, values, match):
    with pytest.raises(ValueError, match=match):
        first_reached(x, values, 1.0)


def test_macs_count_dense_conv_and_transposed_conv_layers():
    from course_utils.training import macs_per_example

    x_in = keras.Input((28, 28, 1))
    h = keras.layers.Conv2D(8, 3, strides=2, padding="same")(x_in)  # 14*14 outputs * 9*1*8
    h = keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same")(h)  # 14*14 inputs * 9*8*4
    h = keras.layers.MaxPooling2D(2)(h)
    out = keras.layers.Dense(5)(keras.layers.Flatten()(h))  # 14*14*4 * 5
    model = keras.Model(x_in, out)
    expected = 196 * 72 + 196 * 288 + 784 * 5
    assert macs_per_example(model) == expected
    assert macs_per_example(keras.Model(x_in, model(x_in))) == expected  # nested models are counted through


def test_macs_need_known_sizes():
    from course_utils.training import macs_per_example

    x_in = keras.Input((None, None, 1))
    with pytest.raises(ValueError, match="fixed input"):
        macs_per_example(keras.Model(x_in, keras.layers.Conv2D(2, 3)(x_in)))
    with pytest.raises(ValueError, match="keras.Model"):
        macs_per_example("model")


def test_seconds_per_step_leaves_out_the_first_compiled_step():
    log = _fit(TrainingLog(at=[1], clock="wall"))
    assert log.steps == [0, 1, STEPS]  # logged right after the compiled first step
    rate = log.seconds_per_step()
    assert 0 < rate < log.wall[-1] / log.steps[-1]  # the average includes the slow first step
    np.testing.assert_allclose(log.cost(), np.array(log.steps) * rate)
    with pytest.raises(ValueError, match="CPU time was not logged"):
        log.seconds_per_step("cpu")
    with pytest.raises(ValueError, match="not enough logged moments"):
        _fit(TrainingLog(clock="wall"), epochs=1).seconds_per_step()
