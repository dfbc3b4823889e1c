"""Checks of notebook 03: right answers pass, blank and plausible wrong answers get their hint.

The right answers are built here (tests are not installed, so the reference may live in this file).
"""

from __future__ import annotations

import numpy as np
import pytest

import course_utils as cu
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
    x = np.rint(rng.random((50, 28, 28, 1)) * 255) / 255
    return x, cu.corruptions.salt_and_pepper(x, AMOUNT, seed=3)


def _expected_mse(x, p):
    """The reference: E[(v - x)^2] = Var v + (E v - x)^2 = 1/8 + (1/2 - x)^2 for a replaced pixel, times p."""
    return p * (3 / 8 - x + x**2)


def _predicted(fn, x):
    return float(np.mean(fn(x, AMOUNT)))


def test_expected_mse_passes(images, capsys):
    x, x_noisy = images
    assert nb03.exercise_1(_expected_mse, _predicted(_expected_mse, x), x=x, x_noisy=x_noisy, amount=AMOUNT)
    assert "✓ 03.1 right" in capsys.readouterr().out


def test_expected_mse_source_is_not_in_the_check():
    import inspect

    source = inspect.getsource(nb03)
    assert "3 / 8" not in source and "1 / 8" not in source and "0.375" not in source


def test_expected_mse_blank_is_caught_before_the_images_are_touched():
    def blank(x, p):
        return None

    with pytest.raises(NotYet, match=r"^03\.1 not yet: `expected_mse` returns None"):
        nb03.exercise_1(blank, None, x=_Boom(), x_noisy=_Boom(), amount=AMOUNT)


def test_expected_mse_right_but_predicted_blank_is_caught(images):
    with pytest.raises(NotYet, match="`predicted` is still None"):
        nb03.exercise_1(_expected_mse, None, x=_Boom(), x_noisy=_Boom(), amount=AMOUNT)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x, p: 3 / 8 - x + x**2, "only with probability p"),  # forgot p
        (lambda x, p: p * (0.5 - x) ** 2, "p = 1 every pixel is replaced"),  # forgot the variance of v
        (
            lambda x, p: p * (1 / 12 + (0.5 - x) ** 2),
            "p = 1 every pixel is replaced",
        ),  # a uniform v's variance
        (
            lambda x, p: p * (1 / 4 + (0.5 - x) ** 2),
            "p = 1 every pixel is replaced",
        ),  # Bernoulli(1/2)'s variance
        (lambda x, p: p * (1 / 8 + 0.5 - x), "p = 1 every pixel is replaced"),  # forgot to square the bias
        (lambda x, p: p**2 * (3 / 8 - x + x**2), "only with probability p"),  # p squared
        (lambda x, p: np.sqrt(p) * (3 / 8 - x + x**2), "only with probability p"),
    ],
)
def test_plausible_wrong_formulas_fail_against_the_simulation(images, wrong, match):
    x, x_noisy = images
    with pytest.raises(NotYet, match=match) as err:
        nb03.exercise_1(wrong, _predicted(wrong, x), x=x, x_noisy=x_noisy, amount=AMOUNT)
    assert "salt_and_pepper" in str(err.value)


def test_a_formula_wrong_by_a_percent_fails(images):
    x, x_noisy = images

    def nearly(x, p):
        return 1.01 * _expected_mse(x, p)

    with pytest.raises(NotYet, match="disagrees"):
        nb03.exercise_1(nearly, _predicted(nearly, x), x=x, x_noisy=x_noisy, amount=AMOUNT)


def test_a_measured_mse_typed_in_as_the_prediction_is_caught(images):
    x, x_noisy = images
    measured = float(np.mean((x_noisy - x) ** 2))
    assert abs(measured - _predicted(_expected_mse, x)) > 1e-4 * measured
    with pytest.raises(NotYet, match="predict it from the formula"):
        nb03.exercise_1(_expected_mse, measured, x=x, x_noisy=x_noisy, amount=AMOUNT)


def test_a_formula_right_only_on_the_probe_values_is_caught_by_the_measurement(images):
    x, x_noisy = images
    probe = np.array([0, 64, 128, 191, 255]) / 255

    def on_the_probe_only(x, p):
        x = np.asarray(x, dtype=np.float64)
        return np.where(np.isin(np.rint(x * 255), np.rint(probe * 255)), _expected_mse(x, p), 0.5 * p)

    with pytest.raises(NotYet, match="far from the measured"):
        nb03.exercise_1(
            on_the_probe_only, _predicted(on_the_probe_only, x), x=x, x_noisy=x_noisy, amount=AMOUNT
        )


# ------------------------------------------------------------------------------------------------ 03.2
keras = pytest.importorskip("keras")
BATCH, BIG, STEPS = 128, 2048, 10


def _tiny():
    """A one-layer stand-in for the tutorial's denoiser (the checks only count its weights and run it)."""
    x_in = keras.Input(shape=(28, 28, 1))
    return keras.Model(x_in, keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")(x_in))


def _other():
    x_in = keras.Input(shape=(28, 28, 1))
    h = keras.layers.Conv2D(2, 3, padding="same", activation="relu")(x_in)
    return keras.Model(x_in, keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")(h))


@pytest.fixture(scope="module")
def val():
    rng = np.random.default_rng(1)
    x = np.rint(rng.random((40, 28, 28, 1)) * 255).astype(np.float32) / 255
    return cu.corruptions.salt_and_pepper(x, AMOUNT, seed=4), x


def _evaluate(val):
    x_noisy, x = val
    return lambda m: cu.metrics.psnr(x, np.clip(m.predict(x_noisy, verbose=0), 0, 1))


def _log(steps, values, seconds, model=None) -> TrainingLog:
    """A TrainingLog as fit would leave it, without training anything."""
    log = TrainingLog(clock="cpu")
    log.steps, log.values, log.seconds = list(steps), list(values), list(seconds)
    log.wall = list(seconds)
    if model is not None:
        log.set_model(model)
    return log


@pytest.fixture(scope="module")
def reference():
    keras.utils.set_random_seed(0)
    steps = [0, 1, 2, 5, 10, 50, 160, 469]
    return _log(
        steps,
        [10 + 2 * np.log1p(s) for s in steps],
        [0.0, *(1.5 + 0.15 * (s - 1) for s in steps[1:])],
        model=_tiny(),
    )


def _timed(log: TrainingLog, step_cost: float = 0.15 * BIG / BATCH) -> TrainingLog:
    """A copy of ``log`` (same model) whose seconds say that a step cost ``step_cost`` CPU seconds."""
    out = _log(log.steps, log.values, [0.0, *(2.0 + step_cost * (s - 1) for s in log.steps[1:])], log.model)
    return out


def _fit(val, build=_tiny, steps=STEPS, evaluate=True) -> TrainingLog:
    """Train a fresh model for `steps` steps with a TrainingLog."""
    x_noisy, x = val
    keras.utils.set_random_seed(0)
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    log = TrainingLog(_evaluate(val) if evaluate else None, at=cu.training.log_steps(steps), clock="cpu")
    model.fit(x_noisy, x, batch_size=len(x) // steps, epochs=1, verbose=0, callbacks=[log])
    return log


@pytest.fixture(scope="module")
def trained(val):
    """The right answer: a fresh tiny model trained STEPS steps, its log (with the rate of a batch of 2048)."""
    return _fit(val)


CALL = {"steps": STEPS, "images_per_step": BIG, "batch": BATCH}


def _ex2(log, reference, val, **kw):
    x_noisy, x = val
    return nb03.exercise_2(log, reference=reference, x_noisy=x_noisy, x=x, **{**CALL, **kw})


def test_big_batch_passes_and_compares_at_equal_steps_and_images(trained, reference, val, capsys):
    assert _ex2(_timed(trained), reference, val)
    out = capsys.readouterr().out
    assert "✓ 03.2 right" in out and "as many updates" in out and "as many images" in out


def test_big_batch_blank_is_caught_before_the_reference_is_touched():
    with pytest.raises(NotYet, match=r"^03\.2 not yet: `big_batch` is still None"):
        nb03.exercise_2(None, reference=_Boom(), x_noisy=_Boom(), x=_Boom(), **CALL)


def test_big_batch_must_be_a_training_log(reference, val):
    with pytest.raises(NotYet, match="must be a cu.training.TrainingLog"):
        _ex2([1, 2, 3], reference, val)


def test_a_made_up_log_that_never_trained_a_model_is_caught(reference, val):
    made_up = _log([0, 1, 2, 3, 6, STEPS], [10.0, 11.0, 12.0, 13.0, 14.0, 15.0], [0, 2, 4, 6, 12, 20])
    with pytest.raises(NotYet, match="pass it to fit"):
        _ex2(made_up, reference, val)


def test_an_edited_psnr_is_caught_by_recomputing_it_from_the_model(trained, reference, val):
    log = _timed(trained)
    log.values[-1] += 1.0
    with pytest.raises(NotYet, match="not the validation PSNR of the model it trained"):
        _ex2(log, reference, val)


def test_big_batch_with_another_number_of_steps_gets_the_hint(trained, reference, val):
    with pytest.raises(NotYet, match="steps_per_epoch"):
        _ex2(_timed(trained), reference, val, steps=STEPS + 5)


def test_big_batch_trained_twice_is_caught(val, reference):
    log = _timed(_fit(val, steps=5))  # five steps logged, but the model has made ten updates
    log.model.optimizer.iterations.assign(2 * 5)
    with pytest.raises(NotYet, match="once"):
        _ex2(log, reference, val, steps=5)


def test_training_section_3s_model_further_is_caught(trained, reference, val):
    log = _timed(trained)
    log.set_model(reference.model)
    with pytest.raises(NotYet, match="fresh tutorial_denoiser"):
        _ex2(log, reference, val)


def test_another_architecture_is_caught(trained, reference, val):
    log = _timed(trained)
    log.set_model(_other())
    with pytest.raises(NotYet, match="weights"):
        _ex2(log, reference, val)


def test_big_batch_without_evaluate_gets_the_hint(trained, reference, val):
    log = _timed(trained)
    log.values = [float("nan")] * len(log.values)
    with pytest.raises(NotYet, match="evaluate function"):
        _ex2(log, reference, val)


def test_big_batch_trained_with_small_batches_is_caught(trained, reference, val):
    with pytest.raises(NotYet, match="batch_size=2048"):
        _ex2(_timed(trained, step_cost=0.15), reference, val)


# ------------------------------------------------------------------------------------------------ 03.3
AMOUNTS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
SIDE_STEPS = 4


@pytest.fixture(scope="module")
def blind(val):
    """A tiny model trained SIDE_STEPS steps on a mix of noise levels."""
    _, x = val
    keras.utils.set_random_seed(0)
    model = _tiny()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    mixed = np.concatenate(
        [
            cu.corruptions.salt_and_pepper(x[i::4], p, seed=60 + i)
            for i, p in enumerate((0.05, 0.15, 0.25, 0.35))
        ]
    )
    clean = np.concatenate([x[i::4] for i in range(4)])
    model.fit(mixed, clean, batch_size=len(x) // SIDE_STEPS, epochs=1, shuffle=True, verbose=0)
    return model


def _sweep(model, x, seed=10):
    """The reference: the model's test PSNR at every amount, the test images corrupted as in section 7."""
    return [
        cu.metrics.psnr(
            x, np.clip(model.predict(cu.corruptions.salt_and_pepper(x, p, seed=seed + i), verbose=0), 0, 1)
        )
        for i, p in enumerate(AMOUNTS)
    ]


@pytest.fixture(scope="module")
def right(blind, val):
    return _sweep(blind, val[1])


def _noisy(x):
    return [
        cu.metrics.psnr(x, cu.corruptions.salt_and_pepper(x, p, seed=10 + i)) for i, p in enumerate(AMOUNTS)
    ]


def _ex3(sweep, model, val, *, specialist=None, min_gain_db=-50.0, steps=SIDE_STEPS):
    _, x = val
    return nb03.exercise_3(
        sweep,
        model=model,
        x=x,
        amounts=AMOUNTS,
        noisy=_noisy(x),
        specialist=specialist if specialist is not None else [30.0] * len(AMOUNTS),
        steps=steps,
        min_gain_db=min_gain_db,
    )


def test_blind_sweep_recomputed_from_the_model_passes(blind, right, val, capsys):
    assert _ex3(right, blind, val)
    assert "✓ 03.3 right" in capsys.readouterr().out


def test_blind_sweep_blank_is_caught_before_anything_is_touched():
    with pytest.raises(NotYet, match=r"^03\.3 not yet: `blind_sweep` is still None"):
        nb03.exercise_3(
            None,
            model=None,
            x=_Boom(),
            amounts=AMOUNTS,
            noisy=_Boom(),
            specialist=_Boom(),
            steps=1,
            min_gain_db=0.0,
        )


def test_blind_model_blank_is_caught(val):
    with pytest.raises(NotYet, match="`blind` is still None"):
        _ex3([20.0] * len(AMOUNTS), None, val)


def test_a_made_up_sweep_fails(blind, val):
    with pytest.raises(NotYet, match="is not what `blind` scores"):
        _ex3([20, 22, 24, 22, 19, 17, 15, 14], blind, val)


def test_a_sweep_nudged_by_a_fraction_of_a_db_fails(blind, right, val):
    sweep = list(right)
    sweep[-1] += 0.3
    with pytest.raises(NotYet, match=r"p = \[0\.5\]"):
        _ex3(sweep, blind, val)


def test_a_sweep_scored_against_the_noisy_images_fails(blind, val):
    _, x = val
    wrong = []
    for i, p in enumerate(AMOUNTS):
        noisy = cu.corruptions.salt_and_pepper(x, p, seed=10 + i)
        wrong.append(min(100.0, cu.metrics.psnr(noisy, np.clip(blind.predict(noisy, verbose=0), 0, 1))))
    with pytest.raises(NotYet, match="is not what `blind` scores"):
        _ex3(wrong, blind, val)


def test_blind_sweep_of_the_wrong_length_is_caught(blind, val):
    with pytest.raises(NotYet, match="shape"):
        _ex3([20.0, 21.0], blind, val)


def test_the_specialists_model_is_caught(blind, right, val):
    with pytest.raises(NotYet, match="specialist's numbers"):
        _ex3(right, blind, val, specialist=right)


def test_a_model_trained_for_other_steps_is_caught(blind, right, val):
    with pytest.raises(NotYet, match="weight updates"):
        _ex3(right, blind, val, steps=SIDE_STEPS + 1)


def test_blind_sweep_that_does_not_help_at_high_noise_is_caught(blind, right, val):
    with pytest.raises(NotYet, match="barely beats"):
        _ex3(right, blind, val, min_gain_db=50.0)


def test_blind_sweep_in_mse_units_is_caught(blind, val):
    with pytest.raises(NotYet, match="in dB"):
        _ex3([0.01] * len(AMOUNTS), blind, val)
