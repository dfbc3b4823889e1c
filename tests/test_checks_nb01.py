"""Checks of notebook 01: right answers pass, blank and typical wrong answers get their hint."""

from __future__ import annotations

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
    scales = 0.3 * 0.8 ** np.arange(D)  # decaying variances, like images
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
LAM = 10 * 0.8 ** np.arange(30)  # n90 = 11: the first 10 keep 89.4% of the sum, 11 keep 91.5%


def _n90(lam) -> int:
    total, running = lam.sum(), 0.0
    for k, value in enumerate(lam, start=1):
        running += value
        if running >= 0.9 * total:
            return k
    raise AssertionError


def test_n90_passes(capsys):
    nb01.exercise_1(_n90(LAM), lam=LAM)
    assert "✓ 01.1 right" in capsys.readouterr().out


def test_n90_blank_is_caught_before_lam_is_touched():
    with pytest.raises(NotYet, match=r"^01\.1 not yet: `n90` is still None"):
        nb01.exercise_1(None, lam=_Boom())


def test_n90_as_a_float_asks_for_an_int():
    with pytest.raises(NotYet, match="must be an int"):
        nb01.exercise_1(11.0, lam=_Boom())


@pytest.mark.parametrize(("offset", "hint"), [(-1, "too few"), (1, "smallest")])
def test_n90_off_by_one_gets_a_hint_without_the_answer(offset, hint):
    right = _n90(LAM)
    with pytest.raises(NotYet, match=hint) as err:
        nb01.exercise_1(right + offset, lam=LAM)
    assert not re.search(rf"\b{right}\b", str(err.value))


def test_n90_from_the_unnormalised_running_sum_asks_to_divide():
    with pytest.raises(NotYet, match="divide it by the total variance"):
        nb01.exercise_1(1, lam=LAM)  # the first variance alone is above 0.9


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
        (lambda lam: np.sqrt(lam[K:].sum() / D), "root mean squared"),
        (lambda lam: 1.3 * lam[K:].sum() / D, "Eckart–Young"),
    ],
    ids=["kept", "one-more", "one-less", "per-image", "rmse", "other"],
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
