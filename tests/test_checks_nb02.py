"""Checks of notebook 02: right answers pass, blank and typical wrong answers get their hint."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from course_utils.checks import NotYet, nb02


class _Boom:
    """A notebook object that a check must not touch before rejecting a blank answer."""

    def __getattr__(self, name):
        raise AssertionError(f"the check touched {name!r} before rejecting the blank answer")


# ------------------------------------------------------------------------------------------------ 02.1
class FakeEncoder:
    """Stands for the dense encoder: float32 codes of ``n`` numbers per image."""

    def __init__(self, n: int = 16, dtype=np.float32):
        self.n, self.dtype, self.seen = n, dtype, 0

    def predict(self, x, verbose=0, **kwargs):
        self.seen += len(x)
        assert np.asarray(x).dtype == np.float32 and np.asarray(x).max() <= 1.0
        return np.zeros((len(x), self.n), dtype=self.dtype)


@pytest.fixture(scope="module")
def test_images():
    return np.random.default_rng(5).integers(0, 256, (300, 28, 28)).astype(np.uint8)


def test_the_checks_hold_no_reference_formula():
    source = inspect.getsource(nb02)
    assert "itemsize) / (" not in source and "chi2" not in source and "cholesky" not in source


def test_storage_ratio_passes(test_images, capsys):
    encoder = FakeEncoder()
    assert nb02.exercise_1((300 * 784) / (300 * 16 * 4), images=test_images, encoder=encoder) is True
    assert "✓ 02.1 right" in capsys.readouterr().out
    assert encoder.seen < 50  # a few images are encoded, not the whole test set


def test_storage_ratio_follows_the_codes_the_encoder_returns(test_images):
    nb02.exercise_1(784 / (8 * 8), images=test_images, encoder=FakeEncoder(8, np.float64))
    with pytest.raises(NotYet):
        nb02.exercise_1(784 / (8 * 4), images=test_images, encoder=FakeEncoder(8, np.float64))


def test_storage_ratio_blank_is_caught_before_the_sizes_are_touched():
    with pytest.raises(NotYet, match=r"^02\.1 not yet: `storage_ratio` is still None"):
        nb02.exercise_1(None, images=_Boom(), encoder=_Boom())


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (64 / 784, "the other way round"),
        (784 / 16, "not bytes"),
        (784 / (16 * 8), "float64"),
        (784 * 4 / 16, "count the bytes"),
        (12.0, "count the bytes"),
    ],
    ids=["inverted", "numbers", "float64", "other", "rounded"],
)
def test_storage_ratio_typical_mistakes_get_hints_without_the_answer(test_images, wrong, hint):
    with pytest.raises(NotYet, match=hint) as err:
        nb02.exercise_1(wrong, images=test_images, encoder=FakeEncoder())
    assert "12.2" not in str(err.value)


# ------------------------------------------------------------------------------------------------ 02.2
LEVEL = 0.99


@pytest.fixture(scope="module")
def codes():
    """Correlated, heavy-tailed 2-D codes (not normal, as an autoencoder's are not)."""
    rng = np.random.default_rng(0)
    base = rng.standard_t(df=5, size=(2000, 2))
    return np.array([3.0, -2.0]) + base @ np.array([[1.0, 0.0], [2.5, 0.3]]).T


def _inside(z, mean, cov) -> float:
    """The reference, built here (tests are not installed): whiten with the Cholesky factor, compare radii."""
    u = np.linalg.solve(np.linalg.cholesky(cov), (z - mean).T)
    return float(np.mean(np.sum(u**2, axis=0) < -2 * np.log(1 - LEVEL)))


def _fitted(z):
    return z.mean(axis=0), np.cov(z, rowvar=False)


def test_fitted_ellipse_share_passes(codes, capsys):
    right = _inside(codes, *_fitted(codes))
    assert 0.9 < right < 0.985  # heavier tails than a normal: fewer than 99% inside
    assert nb02.exercise_2(right, z_test=codes) is True
    assert "✓ 02.2 right" in capsys.readouterr().out


def test_fitted_ellipse_share_of_normal_codes_is_near_the_level():
    z = np.random.default_rng(1).multivariate_normal([1.0, 2.0], [[1.0, 0.8], [0.8, 2.0]], size=5000)
    right = _inside(z, *_fitted(z))
    assert abs(right - LEVEL) < 0.005
    nb02.exercise_2(right, z_test=z)


def test_fitted_ellipse_blank_is_caught_before_the_codes_are_touched():
    with pytest.raises(NotYet, match=r"^02\.2 not yet: `inside_fit` is still None"):
        nb02.exercise_2(None, z_test=_Boom())


def test_fitted_ellipse_of_the_wrong_kind_says_so():
    with pytest.raises(NotYet, match="single finite number"):
        nb02.exercise_2(np.zeros(3), z_test=_Boom())


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda z, m, c: 100 * _inside(z, m, c), "percentage"),
        (lambda z, m, c: 1 - _inside(z, m, c), "outside"),
        (lambda z, m, c: _inside(z, m, np.diag(np.diag(c))), "axes along"),
        (lambda z, m, c: float(np.mean(np.linalg.norm(z - m, axis=1) < 3.035)), "disc around"),
        (lambda z, m, c: float(np.mean(np.linalg.norm(z, axis=1) < 3.035)), "not the share"),
        (lambda z, m, c: _inside(z, m, c) - 0.02, "not the share"),
        (lambda z, m, c: LEVEL, "not the share"),
        (lambda z, m, c: _inside(z, m, 1.2 * c), "not the share"),
    ],
    ids=["percent", "outside", "diagonal", "disc-at-mean", "in-disc", "made-up", "the-level", "wrong-cov"],
)
def test_fitted_ellipse_typical_mistakes_get_hints_without_the_answer(codes, wrong, hint):
    mean, cov = _fitted(codes)
    right = _inside(codes, mean, cov)
    with pytest.raises(NotYet, match=hint) as err:
        nb02.exercise_2(wrong(codes, mean, cov), z_test=codes)
    assert f"{right:.1%}" not in str(err.value) and f"{right:.3f}" not in str(err.value)


# ------------------------------------------------------------------------------------------------ 02.3
class Dropout:
    def __init__(self, name: str, rate: float):
        self.name, self.rate = name, rate


class FakeModel:
    """Stands for a Keras model: nested layers, predict and count_params."""

    def __init__(self, layers=(), scale: float = 0.9, params: int = 1000, name: str = "model"):
        self.layers, self.scale, self.params, self.name = list(layers), scale, params, name

    def predict(self, x, verbose=0, **kwargs):
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


def test_no_dropout_mse_measured_on_part_of_the_test_set_fails(x_test):
    model = _autoencoder()
    with pytest.raises(NotYet, match="not the error of `ae_nd`"):
        nb02.exercise_3(_mse(model, x_test[:100]), model, **_dropout_context(x_test))


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
