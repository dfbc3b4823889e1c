"""course_utils.distributions: Gaussian KL, reparameterized samples, log-densities, log-mean-exp."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from course_utils.config import quiet_tensorflow

quiet_tensorflow()

import keras  # noqa: E402
from keras import ops  # noqa: E402
from scipy import stats  # noqa: E402

from course_utils import distributions as D  # noqa: E402


def np_(t) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(t))


finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False, width=64)
# Exactly 0 or at least 1e-3 away from it: a KL of order lv**2 / 4 underflows to 0 for subnormal log-variances.
zero_or_clear = st.one_of(st.just(0.0), st.floats(1e-3, 5, width=64), st.floats(-5, -1e-3, width=64))


def _pairs(elements):
    return st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            arrays(np.float64, (3, n), elements=elements), arrays(np.float64, (3, n), elements=elements)
        )
    )


pairs = _pairs(finite)


# --- gaussian_kl ---------------------------------------------------------------------------------------


def test_gaussian_kl_matches_the_textbook_formula():
    rng = np.random.default_rng(0)
    mu, lv = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    textbook = -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv), axis=-1)
    np.testing.assert_allclose(np_(D.gaussian_kl(mu, lv)), textbook, rtol=1e-10)


def test_gaussian_kl_agrees_with_monte_carlo():
    rng = np.random.default_rng(1)
    mu, lv = np.array([[0.7, -1.2]]), np.array([[-0.5, 0.8]])
    z = mu + np.exp(0.5 * lv) * rng.standard_normal((200_000, 2))
    log_q = stats.norm.logpdf(z, mu, np.exp(0.5 * lv)).sum(-1)
    log_p = stats.norm.logpdf(z).sum(-1)
    diff = log_q - log_p
    se = diff.std() / np.sqrt(len(diff))
    assert abs(diff.mean() - float(np_(D.gaussian_kl(mu, lv))[0])) < 4 * se


@settings(max_examples=60, deadline=None)
@given(pairs)
def test_gaussian_kl_is_non_negative(pair):
    mu, lv = pair
    assert np.all(np_(D.gaussian_kl(mu, lv)) >= 0)


@settings(max_examples=60, deadline=None)
@given(_pairs(zero_or_clear))
def test_gaussian_kl_is_zero_only_at_the_standard_normal(pair):
    mu, lv = pair
    kl = np_(D.gaussian_kl(mu, lv))
    at_prior = np.all((mu == 0) & (lv == 0), axis=-1)
    assert np.all(kl[at_prior] == 0)
    assert np.all(kl[~at_prior] > 0)


def test_gaussian_kl_is_exact_for_tiny_log_variances_in_float32():
    lv = np.full((1, 3), 1e-4, dtype=np.float32)
    kl = np_(D.gaussian_kl(np.zeros_like(lv), lv))
    np.testing.assert_allclose(kl, [3 * 0.25 * 1e-8], rtol=1e-3)  # 0.5 * (lv^2 / 2) per dimension


def test_gaussian_kl_per_dim_sums_to_the_total():
    mu, lv = np.ones((2, 3)), np.zeros((2, 3))
    np.testing.assert_allclose(np_(D.gaussian_kl(mu, lv, per_dim=True)), 0.5 * np.ones((2, 3)))
    np.testing.assert_allclose(np_(D.gaussian_kl(mu, lv)), [1.5, 1.5])


def test_gaussian_kl_sums_over_every_non_batch_axis():
    assert np_(D.gaussian_kl(np.ones((2, 3, 4)), np.zeros((2, 3, 4)))).shape == (2,)


def test_gaussian_kl_works_on_tensors_and_keeps_float32():
    mu = ops.convert_to_tensor(np.zeros((4, 2), np.float32))
    out = D.gaussian_kl(mu, mu)
    assert out.dtype == "float32" and tuple(out.shape) == (4,)


def test_float64_tensors_stay_float64_and_int_tensors_become_float():
    mu = ops.convert_to_tensor(np.zeros((4, 2), np.float64))
    assert keras.backend.standardize_dtype(D.gaussian_kl(mu, mu).dtype) == "float64"
    ints = ops.convert_to_tensor(np.zeros((4, 2), np.int32))
    assert keras.backend.standardize_dtype(D.gaussian_kl(ints, ints).dtype) == keras.config.floatx()


def test_gaussian_kl_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        D.gaussian_kl(np.zeros((2, 3)), np.zeros((2, 4)))


def test_gaussian_kl_asks_for_a_batch_axis():
    with pytest.raises(ValueError, match="batch"):
        D.gaussian_kl(np.zeros(3), np.zeros(3))


def test_gaussian_kl_rejects_strings():
    with pytest.raises(ValueError, match="numeric"):
        D.gaussian_kl("a", np.zeros((1, 1)))


# --- gaussian_kl_between -------------------------------------------------------------------------------


def test_kl_between_reduces_to_kl_to_standard_normal():
    mu, lv = np.array([[0.3, -2.0]]), np.array([[1.0, -0.5]])
    np.testing.assert_allclose(
        np_(D.gaussian_kl_between(mu, lv, 0.0, 0.0)).sum(), np_(D.gaussian_kl(mu, lv))[0]
    )


def test_kl_between_is_asymmetric():
    ab = float(np_(D.gaussian_kl_between(0.0, 0.0, 0.0, np.log(4.0))))
    ba = float(np_(D.gaussian_kl_between(0.0, np.log(4.0), 0.0, 0.0)))
    assert ab > 0 and ba > 0 and abs(ab - ba) > 0.1


# --- reparameterize -------------------------------------------------------------------------------------


def test_reparameterize_has_the_right_moments():
    mu, lv = np.full((50_000, 2), [1.0, -3.0]), np.full((50_000, 2), [np.log(4.0), np.log(0.25)])
    z = np_(D.reparameterize(mu, lv, seed=0))
    np.testing.assert_allclose(z.mean(0), [1.0, -3.0], atol=0.05)
    np.testing.assert_allclose(z.std(0), [2.0, 0.5], rtol=0.03)  # log_var, not log sigma: std = exp(lv / 2)


def test_reparameterize_is_reproducible_with_an_int_seed():
    mu = np.zeros((3, 2))
    np.testing.assert_array_equal(
        np_(D.reparameterize(mu, mu, seed=7)), np_(D.reparameterize(mu, mu, seed=7))
    )


def test_reparameterize_seed_generator_draws_fresh_noise_each_call():
    gen = keras.random.SeedGenerator(3)
    mu = np.zeros((3, 2))
    a, b = np_(D.reparameterize(mu, mu, seed=gen)), np_(D.reparameterize(mu, mu, seed=gen))
    assert not np.allclose(a, b)
    gen2 = keras.random.SeedGenerator(3)
    np.testing.assert_array_equal(a, np_(D.reparameterize(mu, mu, seed=gen2)))


def test_reparameterize_is_differentiable_in_mean_and_log_var():
    import tensorflow as tf

    mu = tf.Variable(np.zeros((1, 1)))
    lv = tf.Variable(np.zeros((1, 1)))
    with tf.GradientTape() as tape:
        z = D.reparameterize(mu, lv, seed=1)
    g_mu, g_lv = tape.gradient(z, [mu, lv])
    assert float(g_mu.numpy()[0, 0]) == 1.0
    np.testing.assert_allclose(g_lv.numpy(), 0.5 * z.numpy())  # dz/dlv = 0.5 sigma eps = 0.5 (z - mu)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_reparameterize_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed"):
        D.reparameterize(np.zeros((1, 1)), np.zeros((1, 1)), seed=seed)


# --- log_normal ------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(finite, finite, st.floats(-4, 4, allow_nan=False, width=64))
def test_log_normal_matches_scipy(x, mean, log_var):
    expected = stats.norm.logpdf(x, mean, np.exp(0.5 * log_var))
    np.testing.assert_allclose(float(np_(D.log_normal(x, mean, log_var))), expected, rtol=1e-9, atol=1e-9)


def test_log_normal_broadcasts():
    out = np_(D.log_normal(np.zeros((4, 3)), np.zeros(3), 0.0))
    assert out.shape == (4, 3)


def test_log_normal_integrates_to_one():
    grid = np.linspace(-12, 12, 20001)
    dens = np.exp(np_(D.log_normal(grid, 1.0, np.log(2.0))))
    assert abs(np.trapezoid(dens, grid) - 1) < 1e-6


# --- bernoulli_log_likelihood ----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (2, 5), elements=st.floats(-15, 15, width=64)), st.integers(0, 2**31 - 1))
def test_bernoulli_matches_the_direct_formula(logits, seed):
    x = np.random.default_rng(seed).integers(0, 2, logits.shape).astype(np.float64)
    p = 1 / (1 + np.exp(-logits))
    direct = np.sum(x * np.log(p) + (1 - x) * np.log1p(-p), axis=-1)
    np.testing.assert_allclose(np_(D.bernoulli_log_likelihood(x, logits)), direct, rtol=1e-7, atol=1e-9)


def test_bernoulli_is_finite_for_extreme_logits():
    x = np.array([[1.0, 0.0]])
    ll = np_(D.bernoulli_log_likelihood(x, np.array([[-200.0, 200.0]])))
    np.testing.assert_allclose(ll, [-400.0])  # both pixels wrong with log-odds 200: -200 nats each


def test_bernoulli_sums_over_image_axes():
    x = np.zeros((3, 28, 28, 1))
    np.testing.assert_allclose(np_(D.bernoulli_log_likelihood(x, x)), np.full(3, -784 * np.log(2)))


def test_bernoulli_rejects_targets_outside_unit_interval():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        D.bernoulli_log_likelihood(np.full((1, 2), 2.0), np.zeros((1, 2)))


def test_bernoulli_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        D.bernoulli_log_likelihood(np.zeros((1, 2)), np.zeros((1, 3)))


# --- log_mean_exp ----------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (4, 6), elements=st.floats(-30, 30, width=64)))
def test_log_mean_exp_matches_naive_on_safe_inputs(a):
    for axis in (0, 1, -1):
        naive = np.log(np.mean(np.exp(a), axis=axis))
        np.testing.assert_allclose(np_(D.log_mean_exp(a, axis=axis)), naive, rtol=1e-9, atol=1e-9)


def test_log_mean_exp_is_stable_for_large_and_small_inputs():
    a = np.array([[1000.0, 1000.0 + np.log(3.0)], [-1000.0, -1000.0]])
    out = np_(D.log_mean_exp(a, axis=1))
    np.testing.assert_allclose(out, [1000.0 + np.log(2.0), -1000.0])
    assert np.all(np.isfinite(out))


def test_log_mean_exp_is_a_lower_bound_of_the_max_and_upper_of_the_mean():
    a = np.random.default_rng(2).normal(size=(7, 9))
    out = np_(D.log_mean_exp(a, axis=0))
    assert np.all(out <= a.max(0) + 1e-12) and np.all(out >= a.mean(0) - 1e-12)  # Jensen


def test_log_mean_exp_rejects_bad_axis_and_scalars():
    with pytest.raises(ValueError, match="axis"):
        D.log_mean_exp(np.zeros((2, 3)), axis=2)
    with pytest.raises(ValueError, match="scalar"):
        D.log_mean_exp(1.0)
