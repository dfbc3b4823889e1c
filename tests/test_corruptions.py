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
