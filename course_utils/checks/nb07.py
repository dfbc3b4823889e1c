"""Checks for the exercises of notebook 07 (variational inference)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from course_utils.checks import (
    NotYet,
    answered,
    answered_function,
    as_array,
    as_number,
    close,
    exercise,
    require,
)


def _kl_by_quadrature(m1: np.ndarray, v1: np.ndarray, m2: np.ndarray, v2: np.ndarray) -> np.ndarray:
    """KL(N(m1, v1) || N(m2, v2)) as the integral of q log(q / p) on a fine grid (no closed form), nats."""
    s1 = np.sqrt(v1)
    t = np.linspace(-14.0, 14.0, 8001)  # in standard deviations of q: the tails beyond carry < 1e-40
    z = m1[:, None] + s1[:, None] * t[None, :]
    log_q = -0.5 * (np.log(2 * np.pi * v1)[:, None] + t[None, :] ** 2)
    log_p = -0.5 * (np.log(2 * np.pi * v2)[:, None] + (z - m2[:, None]) ** 2 / v2[:, None])
    return np.trapezoid(np.exp(log_q) * (log_q - log_p), z, axis=1)


def _call(fn: Any, name: str, *args: Any) -> Any:
    """``fn(*args)``; an error in the learner's code becomes a hint that names the call."""
    try:
        return fn(*args)
    except Exception as err:  # noqa: BLE001 - any error in the learner's code is a hint, not a crash here
        shown = ", ".join(np.array2string(np.asarray(a), precision=2, threshold=4) for a in args)
        raise NotYet(f"`{name}({shown})` failed with {type(err).__name__}: {err}") from None


@exercise("07.1")
def exercise_1(kl_gauss) -> str:
    """``kl_gauss(m1, v1, m2, v2)``: KL(N(m1, v1) || N(m2, v2)) in nats, elementwise, with variances v1, v2."""
    answered_function(kl_gauss, "kl_gauss", probe=(0.0, 1.0, 1.0, 4.0))
    as_number(kl_gauss(0.0, 1.0, 1.0, 4.0), "kl_gauss(0.0, 1.0, 1.0, 4.0)")
    rng = np.random.default_rng(7)
    m1, m2 = rng.normal(0.0, 1.5, 40), rng.normal(0.0, 1.5, 40)
    v1, v2 = np.exp(rng.normal(0.0, 1.0, 40)), np.exp(rng.normal(0.0, 1.0, 40))
    ours = as_array(_call(kl_gauss, "kl_gauss", m1, v1, m2, v2), "kl_gauss(m1, v1, m2, v2)")
    require(
        ours.shape == m1.shape,
        f"with arrays of shape {m1.shape} kl_gauss must return one KL per element (shape {m1.shape}), got "
        f"{ours.shape}: do not sum or average, and use NumPy functions (np.log), not math.log",
    )
    same = as_array(_call(kl_gauss, "kl_gauss", m1, v1, m1, v1), "kl_gauss(m, v, m, v)")
    require(
        np.allclose(same, 0.0, atol=1e-9),
        "the KL of a distribution to itself must be 0: check the constant term and that every term cancels when "
        "m1 = m2 and v1 = v2",
    )
    reference = _kl_by_quadrature(m1, v1, m2, v2)
    if np.allclose(ours, _kl_by_quadrature(m2, v2, m1, v1), rtol=1e-5):
        raise NotYet("that is KL(N(m2, v2) || N(m1, v1)): the expectation is under the FIRST distribution, q")
    if np.allclose(ours, _kl_by_quadrature(m1, np.sqrt(v1), m2, np.sqrt(v2)), rtol=1e-5) or np.allclose(
        ours, _kl_by_quadrature(m1, v1**2, m2, v2**2), rtol=1e-5
    ):
        raise NotYet("v1 and v2 are variances, not standard deviations: look at how v enters each term")
    if np.allclose(ours, 2 * reference, rtol=1e-5) or np.allclose(ours, 0.5 * reference, rtol=1e-5):
        raise NotYet("off by a factor of 2 everywhere: check the constant in front of the bracket")
    require(
        np.all(ours >= -1e-12),
        "some values are negative, but a KL divergence never is: check the sign of the log-variance term",
    )
    close(
        ours,
        reference,
        "not the KL on random Gaussians: write KL = E_q[log q(z) - log p(z)] with both log-densities and take "
        "the expectation term by term (E_q[(z - m2)^2] = v1 + (m1 - m2)^2)",
        rtol=1e-6,
        atol=1e-9,
    )
    forward = as_number(kl_gauss(0.0, 1.0, 1.0, 4.0), "kl_gauss(0, 1, 1, 4)")
    backward = as_number(kl_gauss(1.0, 4.0, 0.0, 1.0), "kl_gauss(1, 4, 0, 1)")
    return f"KL(N(0,1) || N(1,4)) = {forward:.4f} nats, KL(N(1,4) || N(0,1)) = {backward:.4f} nats: not symmetric"


def _log_joint(z: np.ndarray, x: np.ndarray, s: float) -> np.ndarray:
    """log p(x, z) of the conjugate model z ~ N(0, 1), x_i | z ~ N(z, s^2), for an array of z (nats)."""
    z = np.asarray(z, dtype=np.float64)
    log_prior = -0.5 * (np.log(2 * np.pi) + z**2)
    log_lik = -0.5 * (np.log(2 * np.pi * s**2) + (x[None, :] - z[:, None]) ** 2 / s**2).sum(axis=1)
    return log_prior + log_lik


@exercise("07.2")
def exercise_2(score_baseline, *, x, s: float, n: int) -> str:
    """``score_baseline``: ``n`` single-sample score-function estimates of d/dm E_q[log p(x, z)] at q = N(0, 1)."""
    answered(score_baseline, "score_baseline", f"an array of the {n} single-sample gradient estimates")
    values = np.asarray(score_baseline, dtype=np.float64) if np.ndim(score_baseline) else None
    require(
        values is not None,
        "`score_baseline` is a single number: store all the single-sample estimates (an array), not their mean",
    )
    values = as_array(
        values.reshape(-1) if values.ndim == 2 and 1 in values.shape else values, "score_baseline"
    )
    require(
        values.shape == (n,),
        f"`score_baseline` must hold N_GRAD = {n} estimates (one per sample z), got shape {values.shape}",
    )
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    exact = float(np.sum(x) / s**2)  # d/dm E_q[log p(x, z)] = sum(x - m) / s^2 - m at m = 0
    rng = np.random.default_rng(0)
    z = rng.standard_normal(400_000)
    f = _log_joint(z, x, s)
    plain_var = float(np.var(f * z))
    baseline_var = float(np.var((f - f.mean()) * z))
    reparam_var = (1 + len(x) / s**2) ** 2  # d/dm log p(x, m + eps) = sum(x)/s^2 - (1 + N/s^2) (m + eps)
    mean, se = float(values.mean()), float(values.std() / math.sqrt(n))
    require(
        abs(mean - exact) < 4.5 * se + 1e-9,
        "the estimates are biased: their mean is more than 4.5 standard errors from the exact gradient. Multiply "
        "(f(z) - b) by the score d/dm log q(z) = (z - m) / v at the SAME z, with f the log-joint, and estimate b "
        "from other draws",
    )
    var = float(values.var())
    require(
        var < 0.7 * plain_var,
        "the variance is about that of the plain score function: subtract the baseline b = E_q[f] from f(z) "
        "before multiplying by the score",
    )
    require(
        var > 0.5 * baseline_var,
        "the variance is lower than any constant baseline gives: is this the reparameterization gradient? The "
        "exercise asks for the score-function estimator (f(z) - b) * d/dm log q(z)",
    )
    return (
        f"variance {var:.0f}: {plain_var / var:.1f}x smaller than the plain score function's, still "
        f"{var / reparam_var:.1f}x the reparameterized one"
    )


@exercise("07.3")
def exercise_3(predicted_var, *, rho: float, fitted) -> str:
    """``predicted_var(rho)``: the mean-field variance of a unit-variance 2-D Gaussian with correlation rho."""
    answered_function(predicted_var, "predicted_var", probe=(0.5,))

    def at(r: float) -> float:
        out = _call(predicted_var, "predicted_var", r)
        if np.ndim(out) and np.size(out) == 2 and np.allclose(np.ravel(out)[0], np.ravel(out)[1]):
            out = np.ravel(out)[0]  # both coordinates' variances: they are equal
        return as_number(out, f"predicted_var({r})")

    rhos = np.array([0.0, 0.3, 0.5, 0.7, 0.9, 0.99])
    ours = np.array([at(r) for r in rhos])
    reference = np.array([1.0 / np.linalg.inv(np.array([[1.0, r], [r, 1.0]]))[0, 0] for r in rhos])
    require(
        np.isclose(ours[0], 1.0, rtol=1e-6),
        "at rho = 0 the coordinates are independent and mean field is exact: the variance must be the true one",
    )
    require(
        not np.allclose(ours, 1.0),
        "1 is the true marginal variance Sigma_jj; the mean-field optimum is narrower: look at the precision "
        "matrix Lambda = Sigma^-1 (section 4)",
    )
    require(
        not np.allclose(ours, 1.0 / reference, rtol=1e-6),
        "that is the diagonal of the precision matrix Lambda_jj, a precision, not a variance",
    )
    require(
        np.allclose([at(-0.5), at(-0.9)], [at(0.5), at(0.9)], rtol=1e-6),
        "a negative correlation narrows mean field exactly as much as the same positive one",
    )
    close(
        ours,
        reference,
        "not the mean-field variance for every rho: write down Lambda = Sigma^-1 for Sigma = [[1, rho], [rho, 1]] "
        "and read off its diagonal",
        rtol=1e-6,
    )
    fit = np.asarray(fitted, dtype=np.float64).reshape(-1)
    return f"predicted {at(rho):.3f} at rho = {rho:g}; the ELBO fit of section 4 found {np.round(fit, 3).tolist()}"
