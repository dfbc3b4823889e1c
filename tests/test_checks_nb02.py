"""Checks of notebook 02: right answers pass, blank and typical wrong answers get their hint."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from course_utils.checks import NotYet, nb02
from course_utils.latent import nearest_distance


class _Boom:
    """A notebook object that a check must not touch before rejecting a blank answer."""

    def __getattr__(self, name):
        raise AssertionError(f"the check touched {name!r} before rejecting the blank answer")


# ------------------------------------------------------------------------------------------------ 02.1
STORAGE = {"latent_dim": 16, "image_shape": (28, 28), "pixel_dtype": np.uint8}


def test_storage_ratio_passes(capsys):
    nb02.exercise_1((10_000 * 784) / (10_000 * 16 * 4), **STORAGE)
    assert "✓ 02.1 right" in capsys.readouterr().out


def test_storage_ratio_blank_is_caught_before_the_sizes_are_touched():
    with pytest.raises(NotYet, match=r"^02\.1 not yet: `storage_ratio` is still None"):
        nb02.exercise_1(None, latent_dim=_Boom(), image_shape=_Boom(), pixel_dtype=_Boom())


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (64 / 784, "the other way round"),
        (784 / 16, "not bytes"),
        (784 / (16 * 8), "float64"),
        (784 * 4 / 16, "count the bytes"),
    ],
    ids=["inverted", "numbers", "float64", "other"],
)
def test_storage_ratio_typical_mistakes_get_hints_without_the_answer(wrong, hint):
    with pytest.raises(NotYet, match=hint) as err:
        nb02.exercise_1(wrong, **STORAGE)
    assert "12.2" not in str(err.value)


# ------------------------------------------------------------------------------------------------ 02.2
MEAN, COV = np.array([3.0, -2.0]), np.array([[4.0, 1.5], [1.5, 1.0]])


@pytest.fixture(scope="module")
def codes():
    z_test = np.random.default_rng(0).multivariate_normal(MEAN, COV, size=500)
    spacing = float(np.median(cKDTree(z_test).query(z_test, k=2)[0][:, 1]))  # nearest *other* code
    return {"z_test": z_test, "gap_factor": 2.0, "spacing": spacing}


def _sample(mean, cov, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).multivariate_normal(mean, cov, size=1000)


def _far(z_fit, ctx, factor=None) -> float:
    factor = ctx["gap_factor"] if factor is None else factor
    return float(np.mean(nearest_distance(z_fit, ctx["z_test"]) > factor * ctx["spacing"]))


def test_fitted_normal_passes(codes, capsys):
    z_test = codes["z_test"]
    z_fit = _sample(z_test.mean(axis=0), np.cov(z_test, rowvar=False))
    nb02.exercise_2(z_fit, _far(z_fit, codes), **codes)
    assert "✓ 02.2 right" in capsys.readouterr().out


@pytest.mark.parametrize("blank", [(None, None), (np.zeros((1000, 2)), None)], ids=["both", "far_fit"])
def test_fitted_normal_blank_is_caught_before_the_codes_are_touched(blank):
    with pytest.raises(NotYet, match=r"^02\.2 not yet: `(z_fit|far_fit)` is still None"):
        nb02.exercise_2(*blank, z_test=_Boom(), gap_factor=_Boom(), spacing=_Boom())


def test_fitted_normal_of_the_wrong_shape_says_so():
    with pytest.raises(NotYet, match=r"shape \(1000, 2\)"):
        nb02.exercise_2(np.zeros((2, 1000)), 0.1, z_test=_Boom(), gap_factor=_Boom(), spacing=_Boom())


@pytest.mark.parametrize(
    ("mean", "cov", "hint"),
    [
        (np.zeros(2), np.eye(2), r"N\(0, I\)"),
        (MEAN + [1.0, 0.0], COV, "mean of z_fit"),
        (MEAN, np.diag(np.diag(COV)), "uncorrelated"),
        (MEAN, np.sqrt(COV), "spread of z_fit"),
    ],
    ids=["standard", "shifted", "diagonal", "std-not-variance"],
)
def test_fitted_normal_typical_mistakes_get_hints(codes, mean, cov, hint):
    z_fit = _sample(mean, cov)
    with pytest.raises(NotYet, match=hint):
        nb02.exercise_2(z_fit, _far(z_fit, codes), **codes)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda z, ctx: 1 - _far(z, ctx), "near"),
        (lambda z, ctx: 100 * _far(z, ctx), "percentage"),
        (lambda z, ctx: _far(z, ctx, factor=1.0), "GAP_FACTOR"),
        (lambda z, ctx: _far(z, ctx) + 0.05, "measure it on z_fit"),
    ],
    ids=["near", "percent", "threshold", "other"],
)
def test_far_fraction_typical_mistakes_get_hints_without_the_answer(codes, wrong, hint):
    z_test = codes["z_test"]
    z_fit = _sample(z_test.mean(axis=0), np.cov(z_test, rowvar=False))
    right = _far(z_fit, codes)
    with pytest.raises(NotYet, match=hint) as err:
        nb02.exercise_2(z_fit, wrong(z_fit, codes), **codes)
    assert f"{right:.0%}" not in str(err.value) and f"{right:.3f}" not in str(err.value)


# ------------------------------------------------------------------------------------------------ 02.3
class Dropout:
    def __init__(self, name: str, rate: float):
        self.name, self.rate = name, rate


class FakeModel:
    """Stands for a Keras model: nested layers, predict and count_params."""

    def __init__(self, layers=(), scale: float = 0.9, params: int = 1000, name: str = "model"):
        self.layers, self.scale, self.params, self.name = list(layers), scale, params, name

    def predict(self, x, verbose=0):
        return self.scale * np.asarray(x)

    def count_params(self) -> int:
        return self.params


def _autoencoder(decoder_rate: float = 0.0, **kwargs) -> FakeModel:
    encoder = FakeModel([Dropout("drop0", 0.0), Dropout("drop1", 0.0)], name="conv_encoder")
    decoder = FakeModel([Dropout("ddrop0", decoder_rate)], name="conv_decoder")
    return FakeModel([encoder, decoder], **kwargs)


@pytest.fixture(scope="module")
def x_test():
    return np.random.default_rng(3).random((300, 28, 28, 1)).astype(np.float32)


def _mse(model, x) -> float:
    return float(np.mean((model.predict(x) - x) ** 2))


def _dropout_context(x_test) -> dict:
    return {"x_test": x_test, "with_dropout": 0.05, "max_mse": 0.03, "reference": FakeModel(params=1000)}


def test_no_dropout_mse_passes(x_test, capsys):
    model = _autoencoder()
    nb02.exercise_3(_mse(model, x_test), model, **_dropout_context(x_test))
    assert "✓ 02.3 right" in capsys.readouterr().out


def test_no_dropout_mse_on_a_larger_test_set_is_checked_on_a_part(x_test):
    model = _autoencoder()
    nb02.exercise_3(_mse(model, x_test), model, **_dropout_context(x_test), n_check=100)


def test_no_dropout_blank_is_caught_before_the_model_is_touched():
    with pytest.raises(NotYet, match=r"^02\.3 not yet: `mse_no_dropout` is still None"):
        nb02.exercise_3(
            None, _Boom(), x_test=_Boom(), with_dropout=_Boom(), max_mse=_Boom(), reference=_Boom()
        )


def test_no_dropout_with_dropout_left_in_the_decoder_names_the_layer(x_test):
    model = _autoencoder(decoder_rate=0.2)
    with pytest.raises(NotYet, match="'ddrop0' of `ae_nd` still drops 20%"):
        nb02.exercise_3(_mse(model, x_test), model, **_dropout_context(x_test))


@pytest.mark.parametrize(
    ("model", "value", "hint"),
    [
        (_autoencoder(params=900), None, "not the tutorial's architecture of section 1"),
        (_autoencoder(), 0.05, r"\*with\* dropout"),
        (_autoencoder(), 0.02, "not the error of `ae_nd` on the test images"),
        (_autoencoder(scale=0.5), None, "same budget"),
    ],
    ids=["architecture", "conv_mse", "other-number", "untrained"],
)
def test_no_dropout_typical_mistakes_get_hints(x_test, model, value, hint):
    value = _mse(model, x_test) if value is None else value
    with pytest.raises(NotYet, match=hint):
        nb02.exercise_3(value, model, **_dropout_context(x_test))
