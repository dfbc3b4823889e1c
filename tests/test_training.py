"""course_utils.training: the time budget stops training, logs a metric, and does not charge evaluations."""

from __future__ import annotations

import math
import time

import keras
import numpy as np
import pytest

from course_utils.training import TimeBudget, time_to_reach


def _tiny_model() -> keras.Model:
    keras.utils.set_random_seed(0)
    x_in = keras.Input((8,))
    model = keras.Model(x_in, keras.layers.Dense(8)(x_in))
    model.compile(optimizer="adam", loss="mse")
    return model


X = np.random.default_rng(0).random((256, 8)).astype(np.float32)
STEPS = 160  # 20 epochs of 256 / 32 = 8 steps


def _fit_fixed_steps(budget: TimeBudget) -> TimeBudget:
    """Train for exactly STEPS steps under ``budget`` (one with no budget only logs): the start, the first step
    and the end are then always logged, however slowly a busy machine compiles the first step."""
    _tiny_model().fit(X, X, epochs=STEPS // 8, batch_size=32, verbose=0, callbacks=[budget])
    return budget


@pytest.mark.parametrize("clock", ["cpu", "wall"])
def test_budget_stops_training_soon_after_it_is_spent(clock):
    budget = TimeBudget(0.3, clock=clock)
    start = time.perf_counter()
    _tiny_model().fit(X, X, epochs=10_000, batch_size=32, verbose=0, callbacks=[budget])
    assert 0.3 <= budget.seconds[-1] < 5
    assert time.perf_counter() - start < 20
    assert budget.steps[-1] > 0


def test_metric_is_logged_at_increasing_moments_and_at_the_end():
    calls = []

    def evaluate(model):
        calls.append(1)
        return float(model.evaluate(X, X, verbose=0))

    # a fixed number of steps: a wall-clock budget of 0.5 s could be spent by the first compiled step alone
    budget = _fit_fixed_steps(TimeBudget(None, evaluate, clock="wall", first=1e-6, growth=1.5))
    assert len(budget.values) == len(calls) == len(budget.seconds) == len(budget.steps) >= 3
    assert budget.steps[:2] == [0, 1] and budget.steps[-1] == STEPS
    assert np.all(np.diff(budget.seconds) > 0) and np.all(np.diff(budget.steps) > 0)
    assert budget.values[-1] < budget.values[0]  # it learned something


def test_evaluation_time_is_not_charged_to_the_budget():
    def slow(model):
        time.sleep(0.2)
        return 0.0

    start = time.perf_counter()
    budget = _fit_fixed_steps(TimeBudget(None, slow, clock="wall", first=1e-6, growth=1.3))
    total = time.perf_counter() - start
    assert len(budget.values) >= 3
    assert total > budget.seconds[-1] + 0.2 * len(budget.values)  # the sleeps happened, off the clock


def test_full_epochs_are_timed_and_a_cut_epoch_is_not():
    budget = TimeBudget(None, clock="wall")  # no budget: only logs
    _tiny_model().fit(X, X, epochs=3, batch_size=32, verbose=0, callbacks=[budget])
    assert len(budget.epoch_seconds) == len(budget.epoch_wall) == 3 and min(budget.epoch_seconds) > 0
    cut = TimeBudget(0.2, clock="wall")
    _tiny_model().fit(X, X, epochs=10_000, batch_size=32, verbose=0, callbacks=[cut])
    assert len(cut.epoch_seconds) == cut.steps[-1] // 8  # 256 / 32 = 8 steps per full epoch


def test_non_finite_metric_is_an_error():
    budget = TimeBudget(1.0, lambda m: float("nan"))
    with pytest.raises(ValueError, match="finite"):
        _tiny_model().fit(X, X, epochs=1, verbose=0, callbacks=[budget])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"budget": 0}, "budget"),
        ({"budget": True}, "budget"),
        ({"budget": 1, "clock": "gpu"}, "clock"),
        ({"budget": 1, "evaluate": 3}, "evaluate"),
        ({"budget": 1, "growth": 1.0}, "growth"),
        ({"budget": 1, "first": -1}, "first"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TimeBudget(**kwargs)


def test_time_to_reach_takes_the_first_logged_moment():
    assert time_to_reach([0, 1, 2, 3], [10, 19, 21, 20], 20) == 2
    assert time_to_reach([0, 1, 2], [0.5, 0.3, 0.1], 0.3, higher_is_better=False) == 1
    assert math.isinf(time_to_reach([0, 1], [1, 2], 5))


@pytest.mark.parametrize(
    ("seconds", "values", "match"),
    [([0, 1], [1], "same"), ([], [], "non-zero"), ([1, 0], [1, 2], "non-decreasing")],
)
def test_time_to_reach_rejects_bad_logs(seconds, values, match):
    with pytest.raises(ValueError, match=match):
        time_to_reach(seconds, values, 1.0)


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
    # a fixed number of steps: a budget of seconds can be spent by the first step alone, leaving nothing to measure
    budget = _fit_fixed_steps(TimeBudget(None, clock="wall", first=1e-6))
    assert budget.steps[1] == 1 and budget.steps[-1] == STEPS  # logged right after the compiled first step
    rate = budget.seconds_per_step()
    assert 0 < rate < budget.seconds[-1] / budget.steps[-1]  # the average includes the slow first step
    with pytest.raises(ValueError, match="CPU time was not logged"):
        budget.seconds_per_step("cpu")
    with pytest.raises(ValueError, match="larger budget"):
        TimeBudget(1.0).seconds_per_step()
