"""Checks of notebook 03: right answers pass, blank and typical wrong answers get their hint."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.checks import NotYet, nb03
from course_utils.training import TrainingLog


class _Boom:
    """A notebook object that a check must not touch before rejecting a blank answer."""

    def __getattr__(self, name):
        raise AssertionError(f"the check touched {name!r} before rejecting the blank answer")


# ------------------------------------------------------------------------------------------------ 03.1
AMOUNT = 0.1


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    x = rng.random((50, 28, 28, 1))
    hit = rng.random(x.shape) < AMOUNT
    x_noisy = np.where(hit, rng.beta(0.5, 0.5, size=x.shape), x)
    return x, x_noisy


def _expected_mse(x, p):
    return p * (3 / 8 - x + x**2)


def test_expected_mse_passes(images, capsys):
    x, x_noisy = images
    predicted = float(np.mean(_expected_mse(x, AMOUNT)))
    nb03.exercise_1(_expected_mse, predicted, x=x, x_noisy=x_noisy, amount=AMOUNT)
    assert "✓ 03.1 right" in capsys.readouterr().out


def test_expected_mse_blank_is_caught_before_the_images_are_touched():
    def blank(x, p):
        return None

    with pytest.raises(NotYet, match=r"^03\.1 not yet"):
        nb03.exercise_1(blank, None, x=_Boom(), x_noisy=_Boom(), amount=AMOUNT)


def test_expected_mse_that_forgets_p_gets_the_hint(images):
    x, x_noisy = images
    with pytest.raises(NotYet, match="with probability p"):
        nb03.exercise_1(lambda x, p: 3 / 8 - x + x**2, 0.03, x=x, x_noisy=x_noisy, amount=AMOUNT)


def test_expected_mse_without_the_variance_gets_the_hint(images):
    x, x_noisy = images
    with pytest.raises(NotYet, match="Var"):
        nb03.exercise_1(lambda x, p: p * (0.5 - x) ** 2, 0.03, x=x, x_noisy=x_noisy, amount=AMOUNT)


# ------------------------------------------------------------------------------------------------ 03.2
BATCH, BIG, STEPS = 128, 2048, 10


def _log(steps, values, seconds) -> TrainingLog:
    """A TrainingLog as fit would leave it, without training anything."""
    log = TrainingLog(clock="cpu")
    log.steps, log.values, log.seconds = list(steps), list(values), list(seconds)
    log.wall = list(seconds)
    return log


@pytest.fixture
def reference():
    steps = [0, 1, 2, 5, 10, 50, 160, 469]
    return _log(
        steps, [10 + 2 * np.log1p(s) for s in steps], [0.0, *(1.5 + 0.15 * (s - 1) for s in steps[1:])]
    )


def _big(step_cost=0.15 * BIG / BATCH, steps=STEPS, values=None):
    logged = [0, 1, 2, 3, 6, steps]
    return _log(
        logged,
        values or [10 + 0.3 * s for s in logged],
        [0.0, *(2.0 + step_cost * (s - 1) for s in logged[1:])],
    )


CALL = {"steps": STEPS, "images_per_step": BIG, "batch": BATCH}


def test_big_batch_passes_and_compares_at_equal_steps_and_images(reference, capsys):
    nb03.exercise_2(_big(), reference=reference, **CALL)
    out = capsys.readouterr().out
    assert "✓ 03.2 right" in out and "as many updates" in out and "as many images" in out


def test_big_batch_blank_is_caught_before_the_reference_is_touched():
    with pytest.raises(NotYet, match=r"^03\.2 not yet: `big_batch` is still None"):
        nb03.exercise_2(None, reference=_Boom(), **CALL)


def test_big_batch_must_be_a_training_log(reference):
    with pytest.raises(NotYet, match="must be a cu.training.TrainingLog"):
        nb03.exercise_2([1, 2, 3], reference=reference, **CALL)


def test_big_batch_with_another_number_of_steps_gets_the_hint(reference):
    with pytest.raises(NotYet, match="steps_per_epoch"):
        nb03.exercise_2(_big(steps=30), reference=reference, **CALL)


def test_big_batch_without_evaluate_gets_the_hint(reference):
    with pytest.raises(NotYet, match="evaluate function"):
        nb03.exercise_2(_big(values=[float("nan")] * 6), reference=reference, **CALL)


def test_big_batch_trained_with_small_batches_is_caught(reference):
    with pytest.raises(NotYet, match="batch_size=2048"):
        nb03.exercise_2(_big(step_cost=0.15), reference=reference, **CALL)


def test_big_batch_of_a_single_step_is_measured_from_its_total(reference, capsys):
    one = _log([0, 1], [10.0, 11.0], [0.0, 1.5 + 2.4])
    nb03.exercise_2(one, reference=reference, steps=1, images_per_step=2000, batch=BATCH)
    assert "✓ 03.2 right" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------ 03.3
AMOUNTS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
NOISY = [100.0, 24.0, 20.0, 17.0, 14.0, 12.0, 11.0, 10.0]
SPECIALIST = [30.0, 28.0, 27.0, 26.0, 22.0, 18.0, 15.0, 13.0]
SWEEP = {"amounts": AMOUNTS, "noisy": NOISY, "specialist": SPECIALIST, "min_gain_db": 2.0}


def test_blind_sweep_passes_and_names_where_it_wins(capsys):
    blind = [28.0, 27.0, 26.0, 25.0, 23.0, 21.0, 18.0, 15.0]
    nb03.exercise_3(blind, **SWEEP)
    out = capsys.readouterr().out
    assert "✓ 03.3 right" in out and "0.2" in out


def test_blind_sweep_blank_is_caught():
    with pytest.raises(NotYet, match=r"^03\.3 not yet: `blind_sweep` is still None"):
        nb03.exercise_3(None, **SWEEP)


def test_blind_sweep_of_the_wrong_length_is_caught():
    with pytest.raises(NotYet, match="shape"):
        nb03.exercise_3([20.0, 21.0], **SWEEP)


def test_blind_sweep_that_copies_the_specialist_is_caught():
    with pytest.raises(NotYet, match="specialist's numbers"):
        nb03.exercise_3(list(SPECIALIST), **SWEEP)


def test_blind_sweep_that_does_not_help_at_high_noise_is_caught():
    with pytest.raises(NotYet, match="barely beats"):
        nb03.exercise_3([29.0, 27.0, 25.0, 24.0, 19.0, 12.5, 11.0, 10.0], **SWEEP)


def test_blind_sweep_in_mse_units_is_caught():
    with pytest.raises(NotYet, match="in dB"):
        nb03.exercise_3([0.01] * len(AMOUNTS), **SWEEP)
