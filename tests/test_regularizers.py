"""course_utils.regularizers: sparsity penalties and the two contractive penalties, against direct computations."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import regularizers as reg


def _np(t) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(t))


def _kl_direct(rho: float, rho_hat: np.ndarray) -> float:
    """KL between Bernoulli distributions, summed over units, as a sum over the two outcomes."""
    total = 0.0
    for r in rho_hat:
        p, q = np.array([rho, 1 - rho]), np.array([r, 1 - r])
        total += float(np.sum(p * (np.log(p) - np.log(q))))
    return total


def test_l1_activity_is_the_mean_l1_norm_of_the_codes():
    z = np.random.default_rng(0).normal(size=(7, 5)).astype("float32")
    assert float(reg.l1_activity(z)) == pytest.approx(np.abs(z).sum(axis=1).mean(), rel=1e-6)


def test_mean_activation_is_the_mean_over_the_batch():
    z = np.random.default_rng(1).random((9, 4)).astype("float32")
    np.testing.assert_allclose(_np(reg.mean_activation(z)), z.mean(axis=0), rtol=1e-6)


@settings(max_examples=50, deadline=None)
@given(
    st.floats(0.01, 0.99),
    st.lists(st.floats(0.001, 0.999), min_size=1, max_size=8),
)
def test_kl_sparsity_closed_form_matches_direct_bernoulli_kl(rho, rho_hat):
    rho_hat = np.array(rho_hat, dtype=np.float64)
    assert float(reg.kl_sparsity(rho, rho_hat)) == pytest.approx(_kl_direct(rho, rho_hat), rel=1e-6, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(st.floats(0.01, 0.99), st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8))
def test_kl_sparsity_is_non_negative_and_finite_even_at_0_and_1(rho, rho_hat):
    value = float(reg.kl_sparsity(rho, np.array(rho_hat, dtype=np.float64)))
    assert np.isfinite(value) and value >= -1e-9


def test_kl_sparsity_is_zero_exactly_at_the_target():
    assert float(reg.kl_sparsity(0.05, np.full(10, 0.05))) == pytest.approx(0.0, abs=1e-7)
    assert float(reg.kl_sparsity(0.05, np.full(10, 0.06))) > 0


def test_kl_sparsity_grows_away_from_the_target_on_both_sides():
    values = [float(reg.kl_sparsity(0.1, np.array([r]))) for r in (0.01, 0.05, 0.1, 0.3, 0.9)]
    assert values[0] > values[1] > values[2] < values[3] < values[4]


@pytest.mark.parametrize("rho", [0.0, 1.0, -0.1, 1.5, True, "0.05"])
def test_kl_sparsity_rejects_a_bad_target(rho):
    with pytest.raises(ValueError, match="rho must be a number in"):
        reg.kl_sparsity(rho, np.array([0.5]))


def test_kl_sparsity_wants_mean_activations_not_codes():
    with pytest.raises(ValueError, match="mean_activation"):
        reg.kl_sparsity(0.05, np.full((4, 3), 0.5))


def test_penalties_want_a_batch_of_codes():
    with pytest.raises(ValueError, match=r"shape \(N, n\)"):
        reg.l1_activity(np.zeros(5))
    with pytest.raises(ValueError, match=r"shape \(N, n\)"):
        reg.fraction_active(np.zeros((2, 3, 4)))


def test_fraction_active_counts_units_above_the_threshold():
    z = np.array([[0.0, 0.2, 0.9, 0.0], [1.0, 1.0, 1.0, 1.0]])
    np.testing.assert_allclose(reg.fraction_active(z), [0.5, 1.0])
    np.testing.assert_allclose(reg.fraction_active(z, threshold=0.5), [0.25, 1.0])


@pytest.mark.parametrize("batch", [4, 32])
def test_activity_regularizers_add_weight_times_penalty_whatever_the_batch(batch):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(batch, 6)).astype("float32")
    for regularizer, act, penalty in [
        (reg.L1Activity(0.01), "relu", lambda z: reg.l1_activity(z)),
        (reg.KLSparsity(0.01, rho=0.05), "sigmoid", lambda z: reg.kl_sparsity(0.05, reg.mean_activation(z))),
    ]:
        layer = keras.layers.Dense(5, activation=act, activity_regularizer=regularizer)
        z = layer(x)
        assert len(layer.losses) == 1
        assert float(layer.losses[0]) == pytest.approx(0.01 * float(penalty(z)), rel=1e-5)


@pytest.mark.parametrize("divides", [True, False])
def test_regularizers_return_what_makes_the_added_loss_weight_times_penalty_in_either_keras(
    monkeypatch, divides
):
    # Keras >= 3.14 divides an activity regularizer's value by the batch size; 3.0-3.13 (Colab's in 2026) do not
    monkeypatch.setattr(reg, "keras_divides_activity_penalty_by_batch", lambda: divides)
    z = np.random.default_rng(5).random((16, 5)).astype("float32")
    scale = 16 if divides else 1
    l1 = 0.01 * float(reg.l1_activity(z))
    kl = 0.01 * float(reg.kl_sparsity(0.05, reg.mean_activation(z)))
    assert float(reg.L1Activity(0.01)(z)) == pytest.approx(scale * l1, rel=1e-5)
    assert float(reg.KLSparsity(0.01, rho=0.05)(z)) == pytest.approx(scale * kl, rel=1e-5)


def test_regularizers_round_trip_through_their_config_and_keras_serialization():
    for r in (reg.L1Activity(3e-4), reg.KLSparsity(2e-3, rho=0.1)):
        again = keras.regularizers.deserialize(keras.regularizers.serialize(r))
        assert type(again) is type(r) and again.get_config() == r.get_config()


def test_regularizers_validate_their_arguments():
    with pytest.raises(ValueError, match="weight must be a non-negative number"):
        reg.L1Activity(-1.0)
    with pytest.raises(ValueError, match="rho must be a number in"):
        reg.KLSparsity(1e-3, rho=2.0)


def _sigmoid_layer(d: int = 12, n: int = 5, seed: int = 3) -> keras.layers.Dense:
    keras.utils.set_random_seed(seed)
    layer = keras.layers.Dense(n, activation="sigmoid")
    layer.build((None, d))
    return layer


def test_exact_and_closed_form_contraction_agree_for_a_sigmoid_layer():
    layer = _sigmoid_layer()
    x = np.random.default_rng(4).normal(size=(8, 12)).astype("float32")
    exact = _np(reg.contractive_exact(layer, x))
    closed = _np(reg.contractive_sigmoid(layer(x), layer.kernel))
    assert exact.shape == closed.shape == (8,)
    np.testing.assert_allclose(exact, closed, rtol=1e-5)


def test_exact_contraction_matches_finite_differences():
    layer = _sigmoid_layer(d=6, n=3)
    x = np.random.default_rng(5).normal(size=(2, 6))
    step = 3e-3  # float32 layer: a larger central-difference step
    fd = np.zeros(2)
    for i in range(6):
        e = np.zeros(6)
        e[i] = step
        col = (_np(layer((x + e).astype("float64"))) - _np(layer((x - e).astype("float64")))) / (2 * step)
        fd += (col**2).sum(axis=1)
    np.testing.assert_allclose(_np(reg.contractive_exact(layer, x)), fd, rtol=5e-3)


def test_exact_contraction_of_a_linear_encoder_is_the_squared_weight_norm():
    layer = keras.layers.Dense(4, use_bias=False)
    layer.build((None, 7))
    x = np.random.default_rng(6).normal(size=(3, 7)).astype("float32")
    expected = float(np.sum(layer.kernel.numpy() ** 2))
    np.testing.assert_allclose(_np(reg.contractive_exact(layer, x)), [expected] * 3, rtol=1e-5)


def test_exact_contraction_accepts_image_shaped_inputs():
    enc = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(3, activation="tanh")])
    x = np.random.default_rng(7).random((2, 4, 4, 1)).astype("float32")
    assert _np(reg.contractive_exact(enc, x)).shape == (2,)


def test_contraction_is_differentiable_with_respect_to_the_weights():
    import tensorflow as tf

    layer = _sigmoid_layer()
    x = tf.constant(np.random.default_rng(8).normal(size=(4, 12)).astype("float32"))
    with tf.GradientTape(persistent=True) as tape:
        exact = tf.reduce_mean(reg.contractive_exact(layer, x))
        closed = tf.reduce_mean(reg.contractive_sigmoid(layer(x), layer.kernel))
    g_exact = tape.gradient(exact, layer.kernel)
    g_closed = tape.gradient(closed, layer.kernel)
    assert g_exact is not None
    np.testing.assert_allclose(g_exact.numpy(), g_closed.numpy(), rtol=1e-4, atol=1e-7)


def test_contractive_sigmoid_checks_the_kernel_shape():
    with pytest.raises(ValueError, match=r"kernel must have shape \(D, 5\)"):
        reg.contractive_sigmoid(np.full((2, 5), 0.5), np.ones((3, 4)))


def test_contractive_exact_wants_a_batch():
    layer = _sigmoid_layer()
    with pytest.raises(ValueError, match=r"shape \(N, \.\.\.\)"):
        reg.contractive_exact(layer, np.zeros(12, "float32"))
