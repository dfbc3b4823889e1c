"""course_utils.checks.nb07: the checks of notebook 07 pass right answers and give hints for typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.checks import NotYet, nb07


def kl_right(m1, v1, m2, v2):
    m1, v1, m2, v2 = map(np.asarray, (m1, v1, m2, v2))
    return 0.5 * ((v1 + (m1 - m2) ** 2) / v2 - 1 + np.log(v2 / v1))


# ------------------------------------------------------------------------------------------------ exercise 1
def test_kl_gauss_right_answer_passes(capsys):
    nb07.exercise_1(kl_right)
    assert "✓ 07.1 right: KL(N(0,1) || N(1,4))" in capsys.readouterr().out


@pytest.mark.parametrize("blank", [None, lambda m1, v1, m2, v2: None])
def test_kl_gauss_blank_answer_gets_a_hint(blank):
    with pytest.raises(NotYet, match=r"^07\.1 not yet: .*(None|function)"):
        nb07.exercise_1(blank)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda m1, v1, m2, v2: kl_right(m2, v2, m1, v1), "FIRST distribution"),
        (
            lambda m1, v1, m2, v2: kl_right(m1, np.square(v1), m2, np.square(v2)),
            "variances, not standard dev",
        ),
        (lambda m1, v1, m2, v2: 2 * kl_right(m1, v1, m2, v2), "factor of 2"),
        (lambda m1, v1, m2, v2: np.sum(kl_right(m1, v1, m2, v2)), "one KL per element"),
        (lambda m1, v1, m2, v2: kl_right(m1, v1, m2, v2) + 0.5, "to itself must be 0"),
        (lambda m1, v1, m2, v2: 0.5 * ((v1 + (m1 - m2) ** 2) / v2 - 1 - np.log(v2 / v1)), "negative"),
    ],
    ids=["swapped", "std-for-var", "factor-2", "summed", "missing-minus-1", "log-sign"],
)
def test_kl_gauss_typical_mistakes_get_their_hint(wrong, hint):
    with pytest.raises(NotYet, match=hint):
        nb07.exercise_1(wrong)


def test_kl_gauss_hint_never_shows_the_reference_value():
    with pytest.raises(NotYet) as err:
        nb07.exercise_1(lambda m1, v1, m2, v2: kl_right(m1, v1, m2, v2) * 1.1)
    assert f"{float(kl_right(0, 1, 1, 4)):.3f}" not in str(err.value)


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
    nb07.exercise_2(estimates("baseline"), x=X_OBS, s=S, n=N)
    assert "smaller than the plain score function" in capsys.readouterr().out


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
def test_predicted_var_right_answer_passes(capsys):
    nb07.exercise_3(lambda rho: 1 - rho**2, rho=0.9, fitted=[0.19, 0.2])
    assert "at rho = 0.9" in capsys.readouterr().out


def test_predicted_var_may_return_both_coordinates():
    nb07.exercise_3(lambda rho: np.full(2, 1 - rho**2), rho=0.9, fitted=[0.19, 0.2])


@pytest.mark.parametrize("blank", [None, lambda rho: None])
def test_predicted_var_blank_answer_gets_a_hint(blank):
    with pytest.raises(NotYet, match=r"^07\.3 not yet: "):
        nb07.exercise_3(blank, rho=0.9, fitted=[0.19, 0.19])


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda rho: 1.0, "true marginal variance"),
        (lambda rho: 1 / (1 - rho**2), "precision, not a variance"),
        (lambda rho: 1 - rho, "negative correlation"),
        (lambda rho: 0.5 * (1 - rho**2), "rho = 0"),
        (lambda rho: 1 - abs(rho) ** 3, "not the mean-field variance"),
    ],
    ids=["marginal", "precision", "asymmetric", "wrong-at-zero", "other"],
)
def test_predicted_var_typical_mistakes_get_their_hint(wrong, hint):
    with pytest.raises(NotYet, match=hint):
        nb07.exercise_3(wrong, rho=0.9, fitted=[0.19, 0.19])


def test_predicted_var_hint_never_shows_the_reference_value():
    with pytest.raises(NotYet) as err:
        nb07.exercise_3(lambda rho: 1 - abs(rho) ** 3, rho=0.9, fitted=[0.19, 0.19])
    assert "0.19" not in str(err.value) and "0.75" not in str(err.value)
