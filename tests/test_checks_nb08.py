"""course_utils.checks.nb08: the checks of notebook 08 pass right answers and give hints for typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp

from course_utils.checks import NotYet, nb08
from course_utils.data import FASHION_MNIST_CLASSES

CLASSES = list(FASHION_MNIST_CLASSES)


# ------------------------------------------------------------------------------------------------ exercise 1
def tutorial_beta_right(latent_dim, n_pixels=784):
    return n_pixels * 5e-4 * 2 / latent_dim


def test_tutorial_beta_right_answer_passes(capsys):
    nb08.exercise_1(tutorial_beta_right)
    assert "✓ 08.1 right: beta_tutorial" in capsys.readouterr().out


@pytest.mark.parametrize("blank", [None, lambda latent_dim, n_pixels=784: None])
def test_tutorial_beta_blank_answer_gets_a_hint(blank):
    with pytest.raises(NotYet, match=r"^08\.1 not yet: .*(None|function)"):
        nb08.exercise_1(blank)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda latent_dim, n_pixels=784: n_pixels * 5e-4 / latent_dim, "factor of 2"),
        (lambda latent_dim, n_pixels=784: 5e-4 * 2 / latent_dim, "MEAN over the pixels"),
        (lambda latent_dim, n_pixels=784: 784 * 5e-4 * 2 / latent_dim, "n_pixels argument"),
        (lambda latent_dim, n_pixels=784: 0.392, "same value for every latent size"),
        (lambda latent_dim, n_pixels=784: -(n_pixels * 5e-4 * 2 / latent_dim), "positive"),
        (lambda latent_dim, n_pixels=784: n_pixels * 5e-4 * latent_dim / 2, "not for other sizes"),
        (lambda latent_dim, n_pixels=784: n_pixels * 5e-4 * 3 / latent_dim, "not the tutorial's beta"),
    ],
    ids=["factor-2", "forgot-pixels", "hardcoded-784", "constant", "negative", "times-n", "other"],
)
def test_tutorial_beta_typical_mistakes_get_their_hint(wrong, hint):
    with pytest.raises(NotYet, match=hint):
        nb08.exercise_1(wrong)


def test_tutorial_beta_hint_never_shows_the_reference_value():
    with pytest.raises(NotYet) as err:
        nb08.exercise_1(lambda latent_dim, n_pixels=784: n_pixels * 5e-4 * 3 / latent_dim)
    assert "0.392" not in str(err.value) and "0.39" not in str(err.value)


# ------------------------------------------------------------------------------------------------ exercise 2
K_MAX = 16
LW = np.random.default_rng(0).normal(-100.0, 4.0, (K_MAX, 30)).astype(np.float32)  # log-weights (k, images)
KS = [1, 2, 4, 8, 16]


def curve_right(lw=LW):
    return np.array([-np.mean(logsumexp(lw[:k].astype(np.float64), axis=0) - np.log(k)) for k in KS])


def naive_curve():
    """log(mean(exp(lw))) without the max trick: exp(-110) underflows to 0 in float32."""
    with np.errstate(divide="ignore"):
        return np.array([-np.mean(np.log(np.mean(np.exp(LW[:k]), axis=0))) for k in KS])


def test_bound_curve_right_answer_passes(capsys):
    nb08.exercise_2(curve_right(), lw=LW, k_max=K_MAX)
    assert "nats looser than -L_16" in capsys.readouterr().out


def test_bound_curve_in_float32_passes():
    nb08.exercise_2(curve_right().astype(np.float32), lw=LW, k_max=K_MAX)


def test_bound_curve_blank_answer_gets_a_hint():
    with pytest.raises(NotYet, match="`bound_curve` is still None"):
        nb08.exercise_2(None, lw=LW, k_max=K_MAX)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (curve_right()[:-1], "5 values"),
        (-curve_right(), "not L_k"),
        (naive_curve(), "underflows"),
        (np.array([-LW[:k].mean() for k in KS]), "averaging the log-weights"),
        (np.array([-np.mean(logsumexp(LW[:k], axis=0)) for k in KS]), "off by log k"),
        (curve_right(np.r_[LW[:1], LW[:0:-1]]), "first k samples"),
        (curve_right() + 0.5, "k = 1"),
    ],
    ids=["length", "sign", "naive-exp", "mean-log-weights", "sum-not-mean", "other-samples", "shifted"],
)
def test_bound_curve_typical_mistakes_get_their_hint(answer, hint):
    with pytest.raises(NotYet, match=hint):
        nb08.exercise_2(answer, lw=LW, k_max=K_MAX)


def test_bound_curve_hint_never_shows_the_reference_values():
    with pytest.raises(NotYet) as err:
        nb08.exercise_2(curve_right(np.r_[LW[:1], LW[:0:-1]]), lw=LW, k_max=K_MAX)
    assert not any(f"{v:.1f}" in str(err.value) for v in curve_right())


# ------------------------------------------------------------------------------------------------ exercise 2, k_max not a power of 2
def test_bound_curve_ends_at_k_max_when_it_is_not_a_power_of_two(capsys):
    lw = LW[:12]
    ks = [1, 2, 4, 8, 12]
    curve = np.array([-np.mean(logsumexp(lw[:k].astype(np.float64), axis=0) - np.log(k)) for k in ks])
    nb08.exercise_2(curve, lw=lw, k_max=12)
    assert "nats looser than -L_12" in capsys.readouterr().out


def test_bound_curve_stopping_before_k_max_names_the_last_k():
    lw = LW[:12]
    curve = np.array([-np.mean(logsumexp(lw[:k].astype(np.float64), axis=0) - np.log(k)) for k in KS[:4]])
    with pytest.raises(NotYet, match="1, 2, 4, 8, 12: 5 values"):
        nb08.exercise_2(curve, lw=lw, k_max=12)


# ------------------------------------------------------------------------------------------------ exercise 3
TROUSER = CLASSES.index("Trouser")


def fake_classifier(images):
    """Logits: 'Trouser' for bright images (mean > 0.5), 'T-shirt/top' otherwise."""
    bright = np.asarray(images).reshape(len(images), -1).mean(axis=1) > 0.5
    logits = np.zeros((len(images), 10))
    logits[np.arange(len(images)), np.where(bright, TROUSER, 0)] = 5.0
    return logits


def images(low, high, seed=0, n=12):
    return np.random.default_rng(seed).uniform(low, high, (n, 28, 28, 1)).astype(np.float32)


def check_trousers(answer, **overrides):
    kwargs = dict(
        clf=fake_classifier,
        target_class=TROUSER,
        classes=CLASSES,
        min_fraction=0.5,
        x_real=images(0, 1, 9, 40),
    )
    return nb08.exercise_3(answer, **{**kwargs, **overrides})


def test_trousers_right_answer_passes(capsys):
    check_trousers(images(0.6, 1.0))
    assert "100% of the 12 recognised as Trouser" in capsys.readouterr().out


def test_trousers_blank_answer_gets_a_hint():
    with pytest.raises(NotYet, match="`trousers` is still None"):
        nb08.exercise_3(None, clf=object(), target_class=TROUSER, classes=CLASSES, min_fraction=0.5)


def test_other_class_and_variable_name_are_named_in_the_hints():
    bag = CLASSES.index("Bag")
    with pytest.raises(NotYet, match="`bags` must be 12 images"):
        nb08.exercise_3(
            images(0.6, 1.0)[:6],
            clf=fake_classifier,
            target_class=bag,
            classes=CLASSES,
            min_fraction=0.5,
            name="bags",
        )
    with pytest.raises(NotYet, match="mostly Trouser, no Bag"):
        nb08.exercise_3(
            images(0.6, 1.0),
            clf=fake_classifier,
            target_class=bag,
            classes=CLASSES,
            min_fraction=0.5,
            name="bags",
        )


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (images(0.6, 1.0).reshape(12, 784), r"shape \(12, 28, 28, 1\)"),
        (images(0.6, 1.0)[:6], r"shape \(12, 28, 28, 1\)"),
        (images(0.6, 1.0) * 8 - 4, r"in \[0, 1\]"),
        (np.repeat(images(0.6, 1.0)[:1], 12, axis=0), "identical"),
        (images(0.0, 0.4), "mostly T-shirt/top, no Trouser"),
        (np.concatenate([images(0.6, 1.0, n=3), images(0.0, 0.4, n=9)]), "only 25%"),
    ],
    ids=["flat", "too-few", "logits", "identical", "wrong-class", "too-few-trousers"],
)
def test_trousers_typical_mistakes_get_their_hint(answer, hint):
    with pytest.raises(NotYet, match=hint):
        check_trousers(answer)


def test_trousers_real_images_are_not_generated():
    real = images(0.6, 1.0, seed=4, n=30)
    with pytest.raises(NotYet, match="real images"):
        check_trousers(real[:12], x_real=real)


def test_trousers_min_fraction_zero_checks_only_the_form():
    check_trousers(images(0.0, 0.4), min_fraction=0.0)  # no trouser recognised: fine when nothing is asked
    with pytest.raises(NotYet, match="identical"):
        check_trousers(np.repeat(images(0.0, 0.4)[:1], 12, axis=0), min_fraction=0.0)
