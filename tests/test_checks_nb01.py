"""Checks of notebook 01: right answers pass, blank and typical wrong answers get their hint."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

from course_utils.checks import NotYet, nb01

D, K = 20, 5  # pixels and components of the synthetic data (the notebook has 784 and 50)


class _Boom:
    """A notebook object that a check must not touch before rejecting a blank answer."""

    def __getattr__(self, name):
        raise AssertionError(f"the check touched {name!r} before rejecting the blank answer")


def _images(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scales = 1.5 * 0.8 ** np.arange(D)  # decaying variances, like images (the first above 0.9)
    return (0.4 + rng.normal(size=(n, D)) * scales).astype(np.float32)


@pytest.fixture(scope="module")
def pca():
    x = _images(400, 0)
    mu = x.mean(axis=0)
    _, s, vt = np.linalg.svd((x - mu).astype(np.float64), full_matrices=False)
    return {
        "x": x,
        "x_test": _images(200, 1),
        "mu": mu,
        "components": vt.astype(np.float32),
        "lam": s**2 / len(x),
    }


def _shows(value: float, message: str) -> bool:
    return any(f"{value:{spec}}" in message for spec in (".3f", ".4f", ".5f", ".3g", ".4g", ".6g"))


# ------------------------------------------------------------------------------------------------ 01.1
def _pca_context(pca) -> dict:
    return {"x": pca["x"], "mu": pca["mu"], "components": pca["components"]}


def _n90(lam) -> int:
    """The reference, built here (tests are not installed)."""
    total, running = lam.sum(), 0.0
    for k, value in enumerate(lam, start=1):
        running += value
        if running >= 0.9 * total:
            return k
    raise AssertionError


def test_the_checks_hold_no_reference_helper():
    source = inspect.getsource(nb01)
    assert "_smallest_k" not in source and "_explained" not in source and "searchsorted" not in source
    assert "lam[" not in source and "eigh(" not in source


def test_n90_of_the_synthetic_data_is_well_inside_the_range(pca):
    explained = np.cumsum(pca["lam"]) / pca["lam"].sum()
    n90 = _n90(pca["lam"])
    assert 3 <= n90 <= D - 3 and explained[n90 - 1] - 0.9 > 1e-3 and 0.9 - explained[n90 - 2] > 1e-3


def test_n90_passes(pca, capsys):
    assert nb01.exercise_1(_n90(pca["lam"]), **_pca_context(pca)) is True
    assert "✓ 01.1 right" in capsys.readouterr().out


def test_n90_as_numpy_int_passes(pca):
    nb01.exercise_1(np.int64(_n90(pca["lam"])), **_pca_context(pca))


def test_n90_blank_is_caught_before_the_data_is_touched():
    with pytest.raises(NotYet, match=r"^01\.1 not yet: `n90` is still None"):
        nb01.exercise_1(None, x=_Boom(), mu=_Boom(), components=_Boom())


def test_n90_as_a_float_asks_for_an_int():
    with pytest.raises(NotYet, match="must be an int"):
        nb01.exercise_1(11.0, x=_Boom(), mu=_Boom(), components=_Boom())


def test_n90_out_of_range_says_so(pca):
    with pytest.raises(NotYet, match="between 1 and"):
        nb01.exercise_1(0, **_pca_context(pca))


@pytest.mark.parametrize(
    ("offset", "hint"), [(-1, "too few"), (-2, "too few"), (1, "smallest"), (3, "smallest")]
)
def test_n90_off_by_some_gets_a_hint_without_the_answer(pca, offset, hint):
    right = _n90(pca["lam"])
    with pytest.raises(NotYet, match=hint) as err:
        nb01.exercise_1(right + offset, **_pca_context(pca))
    assert not re.search(rf"\b{right}\b", str(err.value))


def test_n90_from_the_unnormalised_running_sum_asks_to_divide(pca):
    lam = pca["lam"]
    wrong = int(np.argmax(np.cumsum(lam) >= 0.9)) + 1  # the running sum itself compared with 0.9
    assert wrong < _n90(lam)
    with pytest.raises(NotYet, match="divide it by the total variance"):
        nb01.exercise_1(wrong, **_pca_context(pca))


# ------------------------------------------------------------------------------------------------ 01.2
def _context(pca) -> dict:
    return {"x": pca["x"], "x_test": pca["x_test"], "mu": pca["mu"], "components": pca["components"], "k": K}


def test_predicted_mse_passes(pca, capsys):
    predicted = float(pca["lam"][K:].sum() / D)
    nb01.exercise_2(predicted, **_context(pca))
    assert "✓ 01.2 right" in capsys.readouterr().out


def test_predicted_mse_blank_is_caught_before_the_data_is_touched():
    blank = {name: _Boom() for name in ("x", "x_test", "mu", "components")}
    with pytest.raises(NotYet, match=r"^01\.2 not yet: `mse_pred_50` is still None"):
        nb01.exercise_2(None, **blank)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda lam: lam[:K].sum() / D, "keep"),
        (lambda lam: lam[K + 1 :].sum() / D, "off by one component"),
        (lambda lam: lam[K - 1 :].sum() / D, "off by one component"),
        (lambda lam: lam[K:].sum(), "per image"),
        (lambda lam: 400 * lam[K:].sum() / D, "summed over the training images"),
        (lambda lam: 400 * lam[K:].sum(), "whole matrix"),
        (lambda lam: np.sqrt(lam[K:].sum() / D), "root mean squared"),
        (lambda lam: 1.3 * lam[K:].sum() / D, "Eckart–Young"),
    ],
    ids=["kept", "one-more", "one-less", "per-image", "times-N", "frobenius", "rmse", "other"],
)
def test_predicted_mse_typical_mistakes_get_hints_without_the_answer(pca, wrong, hint):
    right = float(pca["lam"][K:].sum() / D)
    with pytest.raises(NotYet, match=hint) as err:
        nb01.exercise_2(float(wrong(pca["lam"])), **_context(pca))
    assert not _shows(right, str(err.value))


def test_predicted_mse_of_the_test_images_asks_for_the_training_error(pca):
    xtc = pca["x_test"].astype(np.float64) - pca["mu"]
    v = pca["components"][:K].astype(np.float64)
    test_mse = float(np.mean((xtc - xtc @ v.T @ v) ** 2))
    with pytest.raises(NotYet, match="test"):
        nb01.exercise_2(test_mse, **_context(pca))


# ------------------------------------------------------------------------------------------------ 01.3
@pytest.fixture(scope="module")
def linear_ae(pca):
    rng = np.random.default_rng(2)
    w_enc = rng.normal(size=(K, D))
    w_dec = rng.normal(size=(D, K))
    xc = pca["x"] - pca["mu"]
    values, vectors = np.linalg.eigh(np.cov(xc @ w_enc.T, rowvar=False))
    return {"w_enc": w_enc, "w_dec": w_dec, "x": xc, "values": values[::-1], "vectors": vectors[:, ::-1]}


def _weights(ae) -> dict:
    return {"w_enc": ae["w_enc"], "w_dec": ae["w_dec"], "x": ae["x"]}


def test_decorrelating_matrix_passes(linear_ae, capsys):
    nb01.exercise_3(linear_ae["vectors"].T, **_weights(linear_ae))
    assert "✓ 01.3 right" in capsys.readouterr().out


def test_decorrelating_matrix_blank_is_caught_before_the_weights_are_touched():
    with pytest.raises(NotYet, match=r"^01\.3 not yet: `T` is still None"):
        nb01.exercise_3(None, w_enc=_Boom(), w_dec=_Boom(), x=_Boom())


@pytest.mark.parametrize(
    ("make", "hint"),
    [
        (lambda ae: ae["vectors"], "columns"),
        (lambda ae: ae["vectors"][:, ::-1].T, "variances increase"),
        (lambda ae: ae["vectors"][:, [1, 0, 2, 3, 4]].T, "do not decrease"),
        (lambda ae: np.diag(ae["values"] ** -0.5) @ ae["vectors"].T, "whitened"),
        (lambda ae: np.eye(K), "still correlated"),
        (lambda ae: np.vstack([ae["vectors"].T[:-1], ae["vectors"].T[:1]]), "not invertible"),
        (lambda ae: np.eye(K - 1), r"shape \(LATENT, LATENT\)"),
    ],
    ids=["columns", "ascending", "unordered", "whitened", "identity", "singular", "shape"],
)
def test_decorrelating_matrix_typical_mistakes_get_hints(linear_ae, make, hint):
    with pytest.raises(NotYet, match=hint):
        nb01.exercise_3(make(linear_ae), **_weights(linear_ae))
