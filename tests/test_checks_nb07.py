"""course_utils.checks.nb07: the checks of notebook 07 pass right answers and give hints for typical mistakes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from course_utils.checks import NotYet, nb07


def kl_right(lam1, lam2):  # the reference lives here, in the tests (not installed), not in the check
    lam1, lam2 = np.asarray(lam1, dtype=float), np.asarray(lam2, dtype=float)
    return lam1 * np.log(lam1 / lam2) - lam1 + lam2


# ------------------------------------------------------------------------------------------------ exercise 1
def test_kl_poisson_right_answer_passes(capsys):
    assert nb07.exercise_1(kl_right) is True
    assert "✓ 07.1 right: KL(Poi(1) || Poi(4))" in capsys.readouterr().out


@pytest.mark.parametrize("blank", [None, lambda lam1, lam2: None])
def test_kl_poisson_blank_answer_gets_a_hint(blank):
    with pytest.raises(NotYet, match=r"^07\.1 not yet: .*(None|function)"):
        nb07.exercise_1(blank)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda a, b: kl_right(b, a), "FIRST distribution"),
        (lambda a, b: kl_right(a, b) / np.log(2), "bits"),
        (lambda a, b: 2 * kl_right(a, b), "factor of 2"),
        (lambda a, b: np.sum(kl_right(a, b)), "one KL per element"),
        (lambda a, b: kl_right(a, b) + 0.5, "to itself must be 0"),
        (
            lambda a, b: np.asarray(a) * np.log(np.asarray(a) / np.asarray(b)),
            "negative",
        ),  # -lam1 + lam2 missing
        (
            lambda a, b: np.asarray(b) * np.log(np.asarray(a) / np.asarray(b)) - a + b,
            "negative",
        ),  # E[k] = lam2
        (lambda a, b: kl_right(a, b) * 1.1, "not the KL on random pairs"),
        (lambda a, b: math.log(a / b), "failed with"),
    ],
    ids=[
        "swapped",
        "bits",
        "factor-2",
        "summed",
        "not-zero-at-equal",
        "missing-terms",
        "wrong-mean",
        "off",
        "math",
    ],
)
def test_kl_poisson_typical_mistakes_get_their_hint(wrong, hint):
    with pytest.raises(NotYet, match=hint):
        nb07.exercise_1(wrong)


def test_kl_poisson_hint_never_shows_the_reference_value():
    with pytest.raises(NotYet) as err:
        nb07.exercise_1(lambda a, b: kl_right(a, b) * 1.1)
    assert f"{float(kl_right(1, 4)):.3f}" not in str(err.value)


# ------------------------------------------------------------------------------------------------ exercise 2
X_OBS, S, N = np.array([1.9, 0.8, 1.5, 2.4, 0.6]), 0.8, 5000


def log_joint(z):
    z = np.asarray(z)[:, None]
    return -0.5 * (np.log(2 * np.pi) + z[:, 0] ** 2) - 0.5 * (
        np.log(2 * np.pi * S**2) + (X_OBS[None] - z) ** 2 / S**2
    ).sum(1)


def estimates(kind: str, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    b = log_joint(rng.standard_normal(1000)).mean()
    z = rng.standard_normal(N)
    if kind == "baseline":
        return (log_joint(z) - b) * z
    if kind == "plain":
        return log_joint(z) * z
    if kind == "reparam":
        return X_OBS.sum() / S**2 - (1 + len(X_OBS) / S**2) * z
    if kind == "biased":
        return -(log_joint(z) - b) * z  # the score with the wrong sign
    raise ValueError(kind)


def test_score_baseline_right_answer_passes(capsys):
    assert nb07.exercise_2(estimates("baseline"), x=X_OBS, s=S, n=N) is True
    assert "as runs of the same estimator give" in capsys.readouterr().out


@pytest.mark.parametrize("seed", range(4, 12))
def test_score_baseline_right_answer_passes_whatever_the_seed(seed):
    assert nb07.exercise_2(estimates("baseline", seed=seed), x=X_OBS, s=S, n=N) is True


def test_score_baseline_made_up_numbers_with_the_right_mean_and_variance_fail():
    right = estimates("baseline")
    made_up = np.random.default_rng(0).normal(right.mean(), right.std(), N)
    with pytest.raises(NotYet, match="do not make them up"):
        nb07.exercise_2(made_up, x=X_OBS, s=S, n=N)


def test_score_baseline_blank_answer_gets_a_hint():
    with pytest.raises(NotYet, match="`score_baseline` is still None"):
        nb07.exercise_2(None, x=X_OBS, s=S, n=N)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (estimates("plain"), "plain score function"),
        (estimates("reparam"), "reparameterization gradient"),
        (estimates("biased"), "biased"),
        (float(estimates("baseline").mean()), "single number"),
        (estimates("baseline")[:100], "N_GRAD = 5000"),
    ],
    ids=["no-baseline", "reparameterization", "biased", "mean-only", "too-few"],
)
def test_score_baseline_typical_mistakes_get_their_hint(answer, hint):
    with pytest.raises(NotYet, match=hint):
        nb07.exercise_2(answer, x=X_OBS, s=S, n=N)


def test_score_baseline_hint_never_shows_the_exact_gradient():
    with pytest.raises(NotYet) as err:
        nb07.exercise_2(estimates("biased"), x=X_OBS, s=S, n=N)
    assert f"{X_OBS.sum() / S**2:.2f}" not in str(err.value)


# ------------------------------------------------------------------------------------------------ exercise 3
def mf_gap(rho):
    return -0.5 * np.log(1 - rho**2)


RHO_ONE_NAT = float(np.sqrt(1 - np.exp(-2.0)))


def test_mf_gap_right_answer_passes(capsys):
    assert nb07.exercise_3(mf_gap, RHO_ONE_NAT) is True
    assert "1 nat at rho = 0.9" in capsys.readouterr().out


@pytest.mark.parametrize(("fn", "rho1"), [(None, 0.9), (lambda rho: None, 0.9), (mf_gap, None)])
def test_mf_gap_blank_answer_gets_a_hint(fn, rho1):
    with pytest.raises(NotYet, match=r"^07\.3 not yet: .*(None|function)"):
        nb07.exercise_3(fn, rho1)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda rho: 0.5 * np.log(1 - rho**2), "never negative"),
        (lambda rho: -np.log(1 - rho**2), "factor of 2"),
        (lambda rho: 0.5 * (2 / (1 - rho**2) - 2 + np.log(1 - rho**2)), "true marginal variances"),
        (lambda rho: rho**2 / 2, "not the smallest KL"),  # the small-rho approximation
        (lambda rho: 1 - rho**2, "rho = 0"),  # the mean-field variance, not its cost
        (lambda rho: -0.5 * np.log(1 - rho**2) + 0.01 * rho, "negative correlation"),
    ],
    ids=["sign", "factor-2", "marginal-q", "small-rho", "variance", "asymmetric"],
)
def test_mf_gap_typical_mistakes_get_their_hint(wrong, hint):
    with pytest.raises(NotYet, match=hint):
        nb07.exercise_3(wrong, RHO_ONE_NAT)


@pytest.mark.parametrize("rho1", [0.9, float(np.sqrt(1 - np.exp(-1.0))), 1.5])
def test_rho_one_nat_must_be_where_one_nat_is_lost(rho1):
    with pytest.raises(NotYet, match="rho_one_nat|not 1"):
        nb07.exercise_3(mf_gap, rho1)


def test_mf_gap_hint_never_shows_the_reference_value():
    with pytest.raises(NotYet) as err:
        nb07.exercise_3(lambda rho: rho**2 / 2, RHO_ONE_NAT)
    assert f"{mf_gap(0.9):.3f}" not in str(err.value) and "0.93" not in str(err.value)


def test_the_checks_hold_no_reference_solution():
    source = Path(nb07.__file__).read_text()
    for leak in ("1 - rho**2", "1 - r**2", "np.linalg.inv", "(v1 + (m1 - m2) ** 2)", "np.log(lam1 / lam2)"):
        assert leak not in source, leak
