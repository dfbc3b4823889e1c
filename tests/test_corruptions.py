"""course_utils.corruptions: argument checks, determinism and the amount of corruption."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import corruptions

X = np.full((8, 28, 28, 1), 128 / 255, dtype=np.float32)  # exactly representable in 8 bits


@settings(max_examples=15, deadline=None)
@given(st.floats(0.0, 1.0))
def test_salt_and_pepper_replaces_about_amount_of_pixels(amount):
    y = corruptions.salt_and_pepper(X, amount, seed=1)
    changed = y != X
    assert abs(changed.mean() - amount) < 0.05
    if changed.sum() > 200:  # replacements follow Beta(0.5, 0.5): mostly near black or white
        v = y[changed]
        assert np.mean((v < 0.25) | (v > 0.75)) > 0.55  # 2/3 in theory (arcsine law)


@pytest.mark.parametrize(
    "fn",
    [
        corruptions.salt_and_pepper,
        corruptions.gaussian_noise,
        corruptions.coarse_dropout,
        corruptions.gaussian_blur,
    ],
)
def test_corruptions_keep_shape_dtype_range_and_are_deterministic(fn):
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype(np.float32)
    y = fn(x, seed=3)
    assert y.shape == x.shape and y.dtype == np.float32 and 0 <= y.min() and y.max() <= 1
    np.testing.assert_array_equal(y, fn(x, seed=3))


@pytest.mark.parametrize("amount", [-0.1, 1.5, "0.1", True])
def test_amount_outside_unit_interval_is_rejected(amount):
    with pytest.raises(ValueError, match="amount must be"):
        corruptions.salt_and_pepper(X, amount)


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.zeros((2, 28, 28), np.uint8), "divide by 255"),
        (np.zeros((28, 28)), "shape"),
        (np.full((2, 4, 4), 3.0), r"\[0, 1\]"),
    ],
)
def test_bad_images_are_rejected(x, match):
    with pytest.raises(ValueError, match=match):
        corruptions.salt_and_pepper(x, 0.1)


def test_gaussian_noise_has_the_requested_spread():
    y = corruptions.gaussian_noise(X, 0.1, seed=0)
    assert 0.09 < float(np.std(y - X)) < 0.11


def test_text_mask_is_a_float_mask_of_the_requested_height():
    mask = corruptions.text_mask("AE", height=10)
    assert mask.dtype == np.float32 and mask.shape[0] == 10 and mask.shape[1] > 5
    assert 0 <= mask.min() and mask.max() <= 1 and mask.max() > 0.5


def test_add_watermark_blends_text_in_deterministically():
    x = np.zeros((6, 28, 28, 1), dtype=np.float32)
    y = corruptions.add_watermark(x, "AE", opacity=0.5, seed=3)
    assert y.shape == x.shape and y.dtype == np.float32
    assert 0 < y.max() <= 0.5 + 1e-6  # white text at half opacity on black
    np.testing.assert_array_equal(y, corruptions.add_watermark(x, "AE", opacity=0.5, seed=3))
    positions = {tuple(np.argwhere(img[..., 0] > 0).min(0)) for img in y}
    assert len(positions) > 1  # random placement per image


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"opacity": 1.5}, "opacity"),
        ({"colour": -0.1}, "colour"),
        ({"height": 40}, "larger than the 28x28 images"),
    ],
)
def test_add_watermark_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        corruptions.add_watermark(np.zeros((2, 28, 28), dtype=np.float32), **kwargs)


# ------------------------------------------------------------------ salt-and-pepper in TensorFlow ops (tf.data)
def test_salt_and_pepper_tf_follows_imgaugs_law():
    from scipy.stats import ks_2samp

    x = np.full((64, 28, 28, 1), 128 / 255, dtype=np.float32)
    ours = corruptions.salt_and_pepper_tf(x, 0.2, seed=(3, 4)).numpy()
    ref = corruptions.salt_and_pepper(x, 0.2, seed=3)
    assert abs(np.mean(ours != x) - 0.2) < 0.01 and abs(np.mean(ref != x) - np.mean(ours != x)) < 0.01
    # replaced values: the same Beta(1/2, 1/2) law on 8-bit levels as imgaug's
    assert ks_2samp(ours[ours != x], ref[ref != x]).statistic < 0.03
    np.testing.assert_allclose(ours * 255, np.rint(ours * 255), atol=1e-3)  # 8-bit levels, as imgaug's output


def test_salt_and_pepper_tf_is_deterministic_per_seed_and_fresh_across_seeds():
    a = corruptions.salt_and_pepper_tf(X, 0.1, seed=(1, 2)).numpy()
    np.testing.assert_array_equal(a, corruptions.salt_and_pepper_tf(X, 0.1, seed=(1, 2)).numpy())
    assert np.mean(a != corruptions.salt_and_pepper_tf(X, 0.1, seed=(1, 3)).numpy()) > 0.05


def test_salt_and_pepper_tf_gives_fresh_noise_every_epoch_in_tf_data():
    import tensorflow as tf

    seeds = tf.data.Dataset.random(seed=0, rerandomize_each_iteration=True).batch(2)
    ds = tf.data.Dataset.zip(tf.data.Dataset.from_tensor_slices(X).batch(4), seeds)
    ds = ds.map(lambda xb, s: corruptions.salt_and_pepper_tf(xb, 0.3, seed=s))
    epoch1, epoch2 = (np.concatenate([b.numpy() for b in ds]) for _ in range(2))
    assert epoch1.shape == X.shape and np.mean(epoch1 != epoch2) > 0.2


@pytest.mark.parametrize(
    ("x", "amount", "seed", "match"),
    [
        (X, 1.5, (0, 0), "amount must be in"),
        (np.zeros((2, 4, 4), np.uint8), 0.1, (0, 0), "divide by 255"),
        (X, 0.1, (0, 0, 0), "seed must be two ints"),
        (X, 0.1, (0.5, 1.0), "seed must be two ints"),
    ],
)
def test_salt_and_pepper_tf_rejects_bad_arguments(x, amount, seed, match):
    with pytest.raises(ValueError, match=match):
        corruptions.salt_and_pepper_tf(x, amount, seed=seed)
