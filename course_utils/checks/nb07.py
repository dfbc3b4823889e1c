"""Checks for the exercises of notebook 07 (variational inference).

How each answer is tested, without a reference solution in this file:

* 07.1 (KL between two Poisson distributions): against the defining sum
  :math:`\\sum_k q(k) \\log(q(k) / p(k))`, evaluated term by term with ``scipy.stats.poisson`` far into the tail.
* 07.2 (a baseline for the score function): the mean of the estimates against the exact gradient, found by
  Gauss-Hermite quadrature and a finite difference; their variance and tail weight (kurtosis) against many
  simulated runs of the procedure that the exercise spells out.
* 07.3 (what mean field costs): the reverse KL of every diagonal Gaussian to the correlated target is integrated
  numerically on a grid, and minimised over the two variances numerically; the answer must match that minimum.
"""

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
    attempt,
    close,
    exercise,
    require,
)


def _call(fn: Any, name: str, *args: Any) -> Any:
    """``fn(*args)``; an error in the learner's code becomes a hint that names the call."""
    shown = ", ".join(np.array2string(np.asarray(a), precision=2, threshold=4) for a in args)
    return attempt(fn, *args, call=f"`{name}({shown})`")


def _kl_poisson_by_sum(lam1: np.ndarray, lam2: np.ndarray) -> np.ndarray:
    """KL(Poi(lam1) || Poi(lam2)) as the sum over k of q(k) log(q(k)/p(k)), far into the tail of q (nats)."""
    from scipy import stats

    k_max = int(np.max(lam1) + 40 * np.sqrt(np.max(lam1)) + 60)  # the mass of q beyond is below 1e-40
    k = np.arange(k_max + 1)[None, :]
    log_q = stats.poisson.logpmf(k, np.asarray(lam1, dtype=np.float64)[:, None])
    log_p = stats.poisson.logpmf(k, np.asarray(lam2, dtype=np.float64)[:, None])
    return np.sum(np.exp(log_q) * (log_q - log_p), axis=1)


@exercise("07.1")
def exercise_1(kl_poisson) -> str:
    """``kl_poisson(lam1, lam2)``: KL(Poi(lam1) || Poi(lam2)) in nats, elementwise."""
    answered_function(kl_poisson, "kl_poisson", probe=(1.0, 4.0))
    as_number(_call(kl_poisson, "kl_poisson", 1.0, 4.0), "kl_poisson(1.0, 4.0)")
    rng = np.random.default_rng(7)
    lam1, lam2 = np.exp(rng.normal(0.5, 1.0, 40)), np.exp(rng.normal(0.5, 1.0, 40))
    ours = as_array(_call(kl_poisson, "kl_poisson", lam1, lam2), "kl_poisson(lam1, lam2)")
    require(
        ours.shape == lam1.shape,
        f"with arrays of shape {lam1.shape} kl_poisson must return one KL per element (shape {lam1.shape}), got "
        f"{ours.shape}: do not sum or average, and use NumPy functions (np.log), not math.log",
    )
    same = as_array(_call(kl_poisson, "kl_poisson", lam1, lam1), "kl_poisson(lam, lam)")
    require(
        np.allclose(same, 0.0, atol=1e-9),
        "the KL of a distribution to itself must be 0: check that every term cancels when lam1 = lam2",
    )
    reference = _kl_poisson_by_sum(lam1, lam2)
    if np.allclose(ours, reference, rtol=1e-8, atol=1e-10):
        forward, backward = (as_number(kl_poisson(a, b), "kl_poisson") for a, b in ((1.0, 4.0), (4.0, 1.0)))
        return f"KL(Poi(1) || Poi(4)) = {forward:.4f} nats, KL(Poi(4) || Poi(1)) = {backward:.4f} nats"
    require(
        not np.allclose(ours, _kl_poisson_by_sum(lam2, lam1), rtol=1e-6),
        "that is KL(Poi(lam2) || Poi(lam1)): the expectation is under the FIRST distribution, q = Poi(lam1)",
    )
    require(
        not np.allclose(ours, reference / math.log(2), rtol=1e-6),
        "that is in bits: use the natural logarithm (np.log), the KL is in nats",
    )
    require(
        not (np.allclose(ours, 2 * reference, rtol=1e-6) or np.allclose(ours, 0.5 * reference, rtol=1e-6)),
        "off by a factor of 2 everywhere",
    )
    require(
        np.all(ours >= -1e-12),
        "some values are negative, but a KL divergence never is: the terms of log q(k) - log p(k) that do not "
        "contain k do not cancel, and the one with k needs E_q[k]",
    )
    raise NotYet(
        "not the KL on random pairs of rates: write log q(k) - log p(k) for the two Poisson probabilities and "
        "look at which of its terms depend on k; the KL is its expectation under q"
    )


def _log_joint(z: np.ndarray, x: np.ndarray, s: float) -> np.ndarray:
    """log p(x, z) of the conjugate model z ~ N(0, 1), x_i | z ~ N(z, s^2), for an array of z (nats)."""
    z = np.asarray(z, dtype=np.float64)
    log_prior = -0.5 * (np.log(2 * np.pi) + z**2)
    log_lik = -0.5 * (np.log(2 * np.pi * s**2) + (x[None, :] - z[:, None]) ** 2 / s**2).sum(axis=1)
    return log_prior + log_lik


def _kurtosis(values: np.ndarray) -> float:
    centred = values - values.mean()
    return float(np.mean(centred**4) / np.mean(centred**2) ** 2)


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
    # the exact gradient d/dm E_{N(m, 1)}[log p(x, z)] at m = 0: Gauss-Hermite quadrature, central difference
    nodes, weights = np.polynomial.hermite_e.hermegauss(60)
    weights = weights / weights.sum()
    h = 1e-4
    exact = float((weights @ _log_joint(nodes + h, x, s) - weights @ _log_joint(nodes - h, x, s)) / (2 * h))
    mean, se = float(values.mean()), float(values.std() / math.sqrt(n))
    require(
        abs(mean - exact) < 4.5 * se + 1e-9,
        "the estimates are biased: their mean is more than 4.5 standard errors from the exact gradient. Multiply "
        "(f(z) - b) by the score d/dm log q(z) = (z - m) / v at the SAME z, with f the log-joint, and estimate b "
        "from other draws",
    )
    # many runs of the procedure of the exercise: how far their variance and kurtosis spread at this n
    rng = np.random.default_rng(0)
    runs = []
    for _ in range(_n_runs(n)):
        b = _log_joint(rng.standard_normal(1000), x, s).mean()
        z = rng.standard_normal(n)
        estimates = (_log_joint(z, x, s) - b) * z
        runs.append((estimates.var(), _kurtosis(estimates)))
    run_var, run_kurt = np.array(runs).T
    var = float(values.var())
    require(
        var <= 1.1 * run_var.max(),
        "the variance is larger than a baseline b = E_q[f] leaves, about that of the plain score function: "
        "subtract the baseline from f(z) before multiplying by the score",
    )
    require(
        var >= run_var.min() / 1.1,
        "the variance is lower than the baseline b = E_q[f] gives: is this the reparameterization gradient? The "
        "exercise asks for the score-function estimator (f(z) - b) * d/dm log q(z)",
    )
    kurt = _kurtosis(values)
    require(
        run_kurt.min() / 1.3 <= kurt <= 1.3 * run_kurt.max(),
        "the estimates do not have the heavy tails of (f(z) - b) * z for z ~ N(0, 1): compute them from samples "
        "z of q, do not make them up",
    )
    return f"mean {mean:.2f} ± {se:.2f} (s.e.), variance {var:.0f}, as runs of the same estimator give"


def _n_runs(n: int) -> int:
    """How many simulated runs the check of 07.2 makes (fewer for long runs, to stay within a second or two)."""
    return 200 if n <= 20_000 else 100


def _mean_field_optimum(rho: float) -> tuple[float, np.ndarray]:
    """min over diagonal Gaussians q = N(0, diag(v)) of KL(q || N(0, [[1, rho], [rho, 1]])), and the v found.

    The KL is integrated numerically (trapezoidal rule in q's standardized coordinates, where it converges
    spectrally) and minimised over log v by Nelder-Mead: no closed form is used.
    """
    from scipy import optimize, stats

    target = stats.multivariate_normal(mean=[0.0, 0.0], cov=[[1.0, rho], [rho, 1.0]])
    t = np.linspace(-10.0, 10.0, 61)
    t1, t2 = np.meshgrid(t, t, indexing="ij")
    phi = stats.norm.pdf(t1) * stats.norm.pdf(t2)

    def reverse_kl(log_v: np.ndarray) -> float:
        sd = np.exp(0.5 * np.asarray(log_v))
        z = np.stack([sd[0] * t1, sd[1] * t2], axis=-1)
        log_q = stats.norm.logpdf(t1) + stats.norm.logpdf(t2) - np.log(sd[0] * sd[1])
        return float(np.trapezoid(np.trapezoid(phi * (log_q - target.logpdf(z)), t, axis=1), t))

    best = optimize.minimize(
        reverse_kl,
        x0=np.zeros(2),
        method="Nelder-Mead",
        options={"xatol": 1e-6, "fatol": 1e-13, "maxiter": 2000},
    )
    return float(best.fun), np.exp(best.x)


def _reverse_kl_at(rho: float, v: float) -> float:
    """KL(N(0, v I) || N(0, [[1, rho], [rho, 1]])) by the same numerical integration."""
    from scipy import stats

    target = stats.multivariate_normal(mean=[0.0, 0.0], cov=[[1.0, rho], [rho, 1.0]])
    t = np.linspace(-10.0, 10.0, 61)
    t1, t2 = np.meshgrid(t, t, indexing="ij")
    phi = stats.norm.pdf(t1) * stats.norm.pdf(t2)
    z = math.sqrt(v) * np.stack([t1, t2], axis=-1)
    log_q = stats.norm.logpdf(t1) + stats.norm.logpdf(t2) - np.log(v)
    return float(np.trapezoid(np.trapezoid(phi * (log_q - target.logpdf(z)), t, axis=1), t))


@exercise("07.3")
def exercise_3(mf_gap, rho_one_nat) -> str:
    """``mf_gap(rho)``: min over mean-field q of KL(q || p) for the unit-variance 2-D Gaussian p with correlation
    rho (nats); ``rho_one_nat``: the correlation rho > 0 at which that gap is 1 nat."""
    answered_function(mf_gap, "mf_gap", probe=(0.5,))
    answered(
        rho_one_nat, "rho_one_nat", "the correlation (a float in (0, 1)) at which mean field loses 1 nat"
    )

    def at(r: float) -> float:
        return as_number(_call(mf_gap, "mf_gap", r), f"mf_gap({r})")

    require(
        abs(at(0.0)) < 1e-9,
        "at rho = 0 the coordinates are independent, the mean-field family contains p, and the gap must be 0",
    )
    rhos = (0.3, 0.6, 0.9, 0.99)
    ours = np.array([at(r) for r in rhos])
    require(
        np.all(ours > 0),
        "a KL divergence is never negative, and mean field cannot fit a correlated p exactly",
    )
    require(
        np.allclose([at(-r) for r in rhos[:2]], ours[:2], rtol=1e-9),
        "a negative correlation costs mean field exactly as much as the same positive one",
    )
    reference = np.array([_mean_field_optimum(r)[0] for r in rhos])
    if not np.allclose(ours, reference, rtol=1e-5, atol=1e-8):
        require(
            not (np.allclose(ours, 2 * reference, rtol=1e-4) or np.allclose(ours, reference / 2, rtol=1e-4)),
            "off by a factor of 2 everywhere: check the 1/2 in front of the Gaussian KL",
        )
        require(
            not np.allclose(ours, [_reverse_kl_at(r, 1.0) for r in rhos], rtol=1e-4),
            "that is KL(q || p) for q with the true marginal variances: the mean-field optimum is narrower "
            "(section 4), and it loses less",
        )
        close(
            ours,
            reference,
            "not the smallest KL(q || p) over diagonal Gaussians q: the gap is the KL at the mean-field optimum of "
            "section 4; which terms of the KL between two Gaussians (kl_gaussians) are left there?",
            rtol=1e-5,
            atol=1e-8,
        )
    r1 = as_number(rho_one_nat, "rho_one_nat")
    require(0 < r1 < 1, "`rho_one_nat` is a correlation between 0 and 1")
    lost = _mean_field_optimum(r1)[0]
    require(
        abs(lost - 1.0) < 1e-4,
        f"at rho = {r1:.4f} mean field loses {lost:.3f} nats, not 1: solve mf_gap(rho) = 1 for rho",
    )
    return f"mean field loses {ours[2]:.4f} nats at rho = 0.9 and 1 nat at rho = {r1:.4f}"
