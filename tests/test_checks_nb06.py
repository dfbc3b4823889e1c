"""Checks of notebook 06 (contractive autoencoders): right answers pass, blank and typical wrong ones get a hint."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
from keras import ops

from course_utils import checks
from course_utils.checks import nb06

D, N_UNITS = 12, 5


class _Untouchable:
    """A notebook object that a check must not use before it has rejected a blank answer."""

    def __getattr__(self, name):
        raise AssertionError(f"the check touched {name!r} before rejecting the blank answer")

    def __getitem__(self, key):
        raise AssertionError("the check touched the notebook's models before rejecting the blank answer")

    def __array__(self, *args, **kwargs):
        raise AssertionError("the check touched the notebook's data before rejecting the blank answer")


def _encoder(seed: int, scale: float) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((D,)),
            keras.layers.Dense(
                N_UNITS,
                activation="sigmoid",
                name="hidden",
                kernel_initializer=keras.initializers.RandomNormal(stddev=scale, seed=seed),
            ),
        ]
    )


@pytest.fixture(scope="module")
def setting():
    models = {"plain": (_encoder(0, 0.8), None), "contractive": (_encoder(1, 0.3), None)}
    x = np.random.default_rng(0).random((20, D)).astype("float32")
    return models, x


def _mean_sq(encoder, x, n_vectors=4000, normalise=True, square=True) -> float:
    z = np.asarray(encoder(x), dtype=np.float64)
    w = np.asarray(encoder.get_layer("hidden").kernel, dtype=np.float64)
    jac = (z * (1 - z))[:, :, None] * w.T[None]  # (N, n, D)
    u = np.random.default_rng(1).standard_normal((n_vectors, D))
    if normalise:
        u /= np.linalg.norm(u, axis=1, keepdims=True)
    norms_sq = np.sum(np.einsum("bjk,uk->buj", jac, u) ** 2, axis=-1)
    return float(np.mean(norms_sq if square else np.sqrt(norms_sq)))


# ------------------------------------------------------------------------------------------------ exercise 1
def test_ex1_right_estimate_passes(setting, capsys):
    models, x = setting
    nb06.exercise_1(_mean_sq(models["contractive"][0], x), models=models, x=x)
    assert capsys.readouterr().out.startswith("✓ 06.1 right")


def test_ex1_blank_answer_gets_a_hint_before_the_models_are_touched():
    with pytest.raises(checks.NotYet, match="`mean_sq_random` is still None"):
        nb06.exercise_1(None, models=_Untouchable(), x=_Untouchable())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"normalise": False}, "unit vectors"), ({"square": False}, "not of its square")],
)
def test_ex1_typical_mistakes_get_their_hint_without_the_value(setting, kwargs, match):
    models, x = setting
    encoder = models["contractive"][0]
    with pytest.raises(checks.NotYet, match=match) as err:
        nb06.exercise_1(_mean_sq(encoder, x, **kwargs), models=models, x=x)
    assert f"{_mean_sq(encoder, x):.3g}" not in str(err.value)


def test_ex1_the_wrong_model_is_named(setting):
    models, x = setting
    with pytest.raises(checks.NotYet, match="plain model's encoder"):
        nb06.exercise_1(_mean_sq(models["plain"][0], x), models=models, x=x)


def test_ex1_averaging_over_code_units_is_caught(setting):
    models, x = setting
    with pytest.raises(checks.NotYet, match="do not average"):
        nb06.exercise_1(_mean_sq(models["contractive"][0], x) / N_UNITS, models=models, x=x)


# ------------------------------------------------------------------------------------------------ exercise 2
def contractive_tanh(z, kernel):
    return ops.sum(ops.square(1.0 - ops.square(z)) * ops.sum(ops.square(kernel), axis=0), axis=1)


def test_ex2_right_closed_form_passes(capsys):
    nb06.exercise_2(contractive_tanh)
    assert "✓ 06.2 right" in capsys.readouterr().out


def test_ex2_blank_answer_gets_a_hint():
    with pytest.raises(checks.NotYet, match="must be a function"):
        nb06.exercise_2(None)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda z, w: ops.sum(ops.square(z * (1 - z)) * ops.sum(ops.square(w), axis=0), axis=1), "sigmoid"),
        (lambda z, w: ops.sum((1 - ops.square(z)) * ops.sum(ops.square(w), axis=0), axis=1), "square it too"),
        (
            lambda z, w: ops.sum(
                ops.square(1 - ops.square(ops.tanh(z))) * ops.sum(ops.square(w), axis=0), axis=1
            ),
            "without applying tanh again",
        ),
        (lambda z, w: ops.sqrt(contractive_tanh(z, w)), "Frobenius norm"),
        (lambda z, w: ops.mean(contractive_tanh(z, w)), "do not average over the batch"),
        (
            lambda z, w: ops.square(1 - ops.square(z)) * ops.sum(ops.square(w), axis=0),
            "sum over the code units",
        ),
        (lambda z, w: ops.sum(ops.square(w), axis=1) * z, "failed with"),
    ],
)
def test_ex2_typical_mistakes_get_their_hint(wrong, match):
    with pytest.raises(checks.NotYet, match=match):
        nb06.exercise_2(wrong)


def test_ex1_a_made_up_value_fails(setting):
    models, x = setting
    with pytest.raises(checks.NotYet, match="average its squared norm"):
        nb06.exercise_1(2.0 * _mean_sq(models["contractive"][0], x), models=models, x=x)


def test_ex2_a_slope_from_the_pre_activation_is_caught():
    def wrong(z, w):  # the slope without its square, on a one-unit layer too
        return ops.sum((1.0 - ops.square(z)) * ops.sum(ops.square(w), axis=0), axis=1)

    with pytest.raises(checks.NotYet, match="square it too"):
        nb06.exercise_2(wrong)


def test_the_checks_hold_no_reference_solution():
    source = Path(nb06.__file__).read_text()
    for leak in ("1 - h**2", "1 - np.tanh", "(1 - z", "z * (1 - z)", "_frobenius_sq", "/ n_inputs  # E"):
        assert leak not in source, leak
