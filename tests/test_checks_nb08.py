"""course_utils.checks.nb08: the checks of notebook 08 pass right answers and give hints for typical mistakes.

The right answers are built here (tests are not installed); the check module itself holds none of them.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from scipy.special import logsumexp

from course_utils.checks import NotYet, nb08
from course_utils.data import FASHION_MNIST_CLASSES

CLASSES = list(FASHION_MNIST_CLASSES)


# ------------------------------------------------------------------------------------------------ exercise 1
def tutorial_beta_right(latent_dim, n_pixels=784):
    # tutorial loss = recon / n_pixels + 5e-4 * (2 KL) / latent_dim; times n_pixels: recon + beta KL
    return n_pixels * 5e-4 * 2 / latent_dim


def tutorial_beta_measured(latent_dim, n_pixels=784):
    """The same beta solved for numerically, on random tensors: an independent route to the right answer."""
    rng = np.random.default_rng(latent_dim * 1000 + n_pixels)
    x, x_hat = rng.random((6, n_pixels)), rng.uniform(0.05, 0.95, (6, n_pixels))
    mu, log_var = rng.normal(size=(6, latent_dim)), rng.normal(size=(6, latent_dim))
    bce_mean = -np.mean(x * np.log(x_hat) + (1 - x) * np.log(1 - x_hat), axis=1)
    tutorial = bce_mean - 5e-4 * np.mean(1 + log_var - mu**2 - np.exp(log_var), axis=1)
    kl = 0.5 * np.sum(mu**2 + np.exp(log_var) - 1 - log_var, axis=1)
    return float(np.mean((tutorial * n_pixels - bce_mean * n_pixels) / kl))


def test_tutorial_beta_right_answer_passes(capsys):
    assert nb08.exercise_1(tutorial_beta_right) is True
    assert "✓ 08.1 right: beta_tutorial" in capsys.readouterr().out


def test_tutorial_beta_measured_numerically_passes():
    assert nb08.exercise_1(tutorial_beta_measured) is True


@pytest.mark.parametrize("blank", [None, lambda latent_dim, n_pixels=784: None])
def test_tutorial_beta_blank_answer_gets_a_hint(blank):
    with pytest.raises(NotYet, match=r"^08\.1 not yet: .*(None|function)"):
        nb08.exercise_1(blank)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda latent_dim, n_pixels=784: n_pixels * 5e-4 / latent_dim, "factor of 2"),
        (lambda latent_dim, n_pixels=784: n_pixels * 5e-4 * 4 / latent_dim, "factor of 2"),
        (lambda latent_dim, n_pixels=784: 784**2 * 5e-4 * 2 / latent_dim / n_pixels, "per-pixel MEAN"),
        (lambda latent_dim, n_pixels=784: 784 * 5e-4 * 2 / latent_dim, "ignores n_pixels"),
        (lambda latent_dim, n_pixels=784: 0.392, "same value for every latent size"),
        (lambda latent_dim, n_pixels=784: -(n_pixels * 5e-4 * 2 / latent_dim), "positive"),
        (lambda latent_dim, n_pixels=784: n_pixels * 5e-4 * latent_dim / 2, "grows with the latent size"),
        (lambda latent_dim, n_pixels=784: n_pixels * 5e-4 * 2 / latent_dim**2, "not for others"),
        (lambda latent_dim, n_pixels=784: n_pixels * 5e-4 * 3 / latent_dim, "constant in front"),
        (lambda latent_dim, n_pixels=100: n_pixels * 5e-4 * 2 / latent_dim, "default"),
    ],
    ids=[
        "factor-2",
        "factor-4",
        "forgot-pixels",
        "hardcoded-784",
        "constant",
        "negative",
        "times-n",
        "n-squared",
        "other",
        "default",
    ],
)
def test_tutorial_beta_typical_mistakes_get_their_hint(wrong, hint):
    with pytest.raises(NotYet, match=hint):
        nb08.exercise_1(wrong)


def test_tutorial_beta_hint_never_shows_the_reference_value():
    with pytest.raises(NotYet) as err:
        nb08.exercise_1(lambda latent_dim, n_pixels=784: n_pixels * 5e-4 * 3 / latent_dim)
    assert "0.392" not in str(err.value) and "0.39" not in str(err.value)


def test_the_check_module_holds_no_reference_formula():
    source = inspect.getsource(nb08)
    for leak in ("0.784", "0.392", "0.001", "_neg_bounds", "log_mean_exp(", "logsumexp"):
        assert leak not in source, leak


# ------------------------------------------------------------------------------------------------ exercise 2
K_MAX = 16
LW = np.random.default_rng(0).normal(-100.0, 4.0, (K_MAX, 30)).astype(np.float32)  # log-weights (k, images)
KS = [1, 2, 4, 8, 16]


def bound_right(lw, k):
    a = np.asarray(lw[:k], dtype=np.float64)
    top = a.max(axis=0)
    return float(-np.mean(top + np.log(np.mean(np.exp(a - top), axis=0))))


def bounds_of(lw, ks):
    """The notebook's table: -L_k by scipy's logsumexp, an implementation independent of bound_right."""
    return {k: float(-np.mean(logsumexp(np.asarray(lw[:k], np.float64), axis=0) - np.log(k))) for k in ks}


BOUNDS = bounds_of(LW, [1, 4, 16])


def curve_of(fn, lw=LW, ks=KS):
    return np.array([fn(lw, k) for k in ks])


def check_bound(fn, curve=None, lw=LW, k_max=K_MAX, bounds=BOUNDS):
    curve = curve_of(fn, lw, [k for k in KS if k <= k_max]) if curve is None else curve
    return nb08.exercise_2(fn, curve, lw=lw, bounds=bounds, k_max=k_max)


def test_bound_right_answer_passes(capsys):
    assert check_bound(bound_right) is True
    assert "nats (k = 16)" in capsys.readouterr().out


def test_bound_in_float32_passes():
    assert check_bound(bound_right, curve_of(bound_right).astype(np.float32)) is True


def test_bound_blank_answers_get_a_hint():
    with pytest.raises(NotYet, match="`neg_iwae_bound` must be a function"):
        nb08.exercise_2(None, None, lw=LW, bounds=BOUNDS, k_max=K_MAX)
    with pytest.raises(NotYet, match="`bound_curve` is still None"):
        nb08.exercise_2(bound_right, None, lw=LW, bounds=BOUNDS, k_max=K_MAX)


def naive(lw, k):
    with np.errstate(divide="ignore", over="ignore"):
        return float(-np.mean(np.log(np.mean(np.exp(np.asarray(lw[:k], np.float64)), axis=0))))


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda lw, k: -bound_right(lw, k), "not L_k"),
        (naive, "underflows"),
        (lambda lw, k: float(-np.mean(lw[:k])), "averaging the log-weights"),
        (lambda lw, k: float(-np.mean(logsumexp(np.asarray(lw[:k], np.float64), axis=0))), "off by log k"),
        (lambda lw, k: bound_right(np.asarray(lw)[::-1], k), "FIRST k samples"),
        (lambda lw, k: bound_right(lw, k) + 0.5, "known exactly"),
        (lambda lw, k: -(logsumexp(np.asarray(lw[:k], np.float64), axis=0) - np.log(k)), "one number"),
    ],
    ids=["sign", "naive-exp", "mean-log-weights", "sum-not-mean", "last-k", "shifted", "per-image"],
)
def test_bound_typical_mistakes_get_their_hint(fn, hint):
    with pytest.raises(NotYet, match=hint):
        check_bound(fn, curve_of(bound_right))


def test_bound_unstable_in_float32_gets_a_hint():
    def float32_naive_shift(
        lw, k
    ):  # shifts by a fixed number: exact in float64, loses the far offsets in float32
        a = np.asarray(lw[:k])
        if a.dtype == np.float32:
            return float(np.float32(bound_right(a, k)) + np.float32(0.5))
        return bound_right(a, k)

    with pytest.raises(NotYet, match="float32"):
        check_bound(float32_naive_shift, curve_of(bound_right))


@pytest.mark.parametrize(
    ("curve", "hint"),
    [
        (curve_of(bound_right)[:-1], "5 values"),
        (np.array([100.0, 99.0, 98.5, 98.2, 98.0]), "not neg_iwae_bound"),  # typed in
        (curve_of(bound_right, ks=[1, 2, 4, 8, 15]), "at k = 16"),
    ],
    ids=["length", "made-up", "wrong-k"],
)
def test_bound_curve_mistakes_get_their_hint(curve, hint):
    with pytest.raises(NotYet, match=hint):
        check_bound(bound_right, curve)


def test_bound_curve_must_agree_with_the_notebooks_table():
    wrong_table = {k: v + 0.3 for k, v in BOUNDS.items()}
    with pytest.raises(NotYet, match="table above"):
        check_bound(bound_right, bounds=wrong_table)


def test_bound_curve_ends_at_k_max_when_it_is_not_a_power_of_two(capsys):
    lw = LW[:12]
    curve = curve_of(bound_right, lw, [1, 2, 4, 8, 12])
    assert nb08.exercise_2(bound_right, curve, lw=lw, bounds=bounds_of(lw, [1, 4, 12]), k_max=12) is True
    assert "(k = 12)" in capsys.readouterr().out


def test_bound_curve_stopping_before_k_max_names_the_last_k():
    lw = LW[:12]
    with pytest.raises(NotYet, match="1, 2, 4, 8, 12: 5 values"):
        nb08.exercise_2(bound_right, curve_of(bound_right, lw, KS[:4]), lw=lw, bounds={}, k_max=12)


# ------------------------------------------------------------------------------------------------ exercise 3
TROUSER = CLASSES.index("Trouser")


def toy_generate_class(c, n=12, seed=0, scale=1.0):
    """Images whose brightness is the class index / 10 plus noise that grows with scale: (n, 28, 28, 1)."""
    noise = np.random.default_rng(seed).normal(0, 0.04 * scale, (n, 1, 1, 1))
    return np.clip(c / 10 + 0.05 + noise + np.zeros((n, 28, 28, 1)), 0, 1).astype(np.float32)


def toy_classifier(images):
    """Logits: the class is the image's brightness times 10 (rounded down)."""
    cls = np.clip((np.asarray(images).reshape(len(images), -1).mean(axis=1) * 10).astype(int), 0, 9)
    return np.eye(10)[cls] * 5.0


def shares(scale=1.0, classes=range(10), n=200, seed_of=lambda c: c):
    out = []
    for c in classes:
        pred = toy_classifier(toy_generate_class(c, n=n, seed=seed_of(c), scale=scale)).argmax(1)
        out.append(float(np.mean(pred == c)))
    return np.array(out)


RIGHT = shares()
RIGHT_WIDE = float(shares(3.0, [TROUSER])[0])


def check_classes(class_fraction, wide_fraction):
    return nb08.exercise_3(
        class_fraction,
        wide_fraction,
        generate_class=toy_generate_class,
        clf=toy_classifier,
        classes=CLASSES,
        n=200,
        wide_class=TROUSER,
    )


def test_class_fraction_right_answer_passes(capsys):
    assert RIGHT_WIDE < RIGHT[TROUSER] - 0.1  # the toy has a real effect of the scale
    assert check_classes(RIGHT, RIGHT_WIDE) is True
    out = capsys.readouterr().out
    assert "hardest to generate" in out and f"Trouser falls from {RIGHT[TROUSER]:.0%}" in out


@pytest.mark.parametrize(("cf", "wf"), [(None, None), (RIGHT, None), (None, 0.5)])
def test_class_fraction_blank_answer_gets_a_hint(cf, wf):
    with pytest.raises(NotYet, match="is still None"):
        nb08.exercise_3(cf, wf, generate_class=object(), clf=object(), classes=CLASSES)


@pytest.mark.parametrize(
    ("cf", "wf", "hint"),
    [
        (RIGHT[:9], RIGHT_WIDE, r"one share per class \(10 values\)"),
        (RIGHT * 100, RIGHT_WIDE, "not percentages"),
        (shares(3.0), RIGHT_WIDE, "shares at scale=3"),
        (np.full(10, 0.8), RIGHT_WIDE, "the share is off"),  # typed in
        (shares(seed_of=lambda c: c + 1), RIGHT_WIDE, "the share is off"),  # other seeds
        (RIGHT, float(RIGHT[TROUSER]), "share at scale 1"),
        (RIGHT, 0.3, "`wide_fraction` is not the share"),  # typed in
    ],
    ids=["length", "percent", "all-at-scale-3", "made-up", "other-seeds", "wide-at-scale-1", "wide-made-up"],
)
def test_class_fraction_typical_mistakes_get_their_hint(cf, wf, hint):
    with pytest.raises(NotYet, match=hint):
        check_classes(cf, wf)
