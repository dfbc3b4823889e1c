"""course_utils.compression: JPEG sizes, the uniform quantizer, code lengths, usage and perplexity."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import compression as C


def _images(n=6, seed=0):
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 255, 28)[None, None, :] * np.ones((n, 28, 1))
    return np.clip(ramp + rng.normal(0, 20, (n, 28, 28)), 0, 255).astype(np.uint8)


# ------------------------------------------------------------------------------------------------ JPEG
def test_jpeg_sizes_grow_with_quality():
    x = _images()
    bits = [C.jpeg_roundtrip(x, q)[0].mean() for q in (5, 30, 90)]
    assert bits[0] < bits[1] < bits[2]


def test_jpeg_error_shrinks_with_quality():
    x = _images()
    err = [np.mean((C.jpeg_roundtrip(x, q)[1] - x / 255.0) ** 2) for q in (5, 90)]
    assert err[1] < err[0]


def test_jpeg_abbreviated_stream_is_the_file_without_its_tables():
    x = _images(3)
    full, dec_full = C.jpeg_roundtrip(x, 50)
    short, dec_short = C.jpeg_roundtrip(x, 50, abbreviated=True)
    assert np.all(short < full)
    assert len(set(full - short)) == 1  # the same tables in every file
    np.testing.assert_array_equal(dec_full, dec_short)


def test_jpeg_keeps_the_channel_axis_and_scales_to_unit_range():
    x = _images(2)[..., None]
    _, x_hat = C.jpeg_roundtrip(x, 75)
    assert x_hat.shape == x.shape and x_hat.dtype == np.float32
    assert 0.0 <= x_hat.min() and x_hat.max() <= 1.0


@pytest.mark.parametrize(
    ("images", "quality", "match"),
    [
        (np.zeros((2, 28, 28)), 50, "uint8"),
        (np.zeros((28, 28), np.uint8), 50, "shape"),
        (np.zeros((2, 28, 28, 3), np.uint8), 50, "shape"),
        (np.zeros((2, 28, 28), np.uint8), 0, "quality"),
        (np.zeros((2, 28, 28), np.uint8), 96, "quality"),
        (np.zeros((2, 28, 28), np.uint8), 50.0, "quality"),
    ],
)
def test_jpeg_rejects_bad_inputs(images, quality, match):
    with pytest.raises(ValueError, match=match):
        C.jpeg_roundtrip(images, quality)


# ------------------------------------------------------------------------------------------------ quantizer
@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-100, 100, allow_nan=False), min_size=1, max_size=20),
    st.floats(0.01, 10.0),
)
def test_quantizer_error_is_at_most_half_a_step(values, step):
    v = np.array(values)
    err = np.abs(C.dequantize(C.quantize(v, step), step) - v)
    assert np.all(err <= step / 2 + 1e-9)


@pytest.mark.parametrize("step", [0.0, -1.0, np.nan, np.inf])
def test_quantizer_rejects_a_bad_step(step):
    with pytest.raises(ValueError, match="step"):
        C.quantize(np.zeros(3), step)


def test_quantizer_rejects_non_finite_values():
    with pytest.raises(ValueError, match="NaN"):
        C.quantize(np.array([0.0, np.nan]), 0.5)


def test_dequantize_rejects_float_symbols():
    with pytest.raises(ValueError, match="integers"):
        C.dequantize(np.array([0.5]), 0.5)


# ------------------------------------------------------------------------------------------------ code lengths
@pytest.mark.parametrize("k", [2, 7, 64, 128])
def test_entropy_of_a_uniform_over_k_symbols_is_log2_k(k):
    symbols = np.tile(np.arange(k), 3)[:, None]
    assert math.isclose(C.entropy_bits(symbols, k), math.log2(k), rel_tol=1e-12)


def test_entropy_sums_over_positions():
    symbols = np.stack([np.arange(8), np.arange(8) % 2], axis=1)
    assert math.isclose(C.entropy_bits(symbols, 8), 3.0 + 1.0)


def test_entropy_of_a_constant_is_zero():
    assert C.entropy_bits(np.zeros((10, 3), np.int64), 4) == 0.0


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(1, 4))
def test_cross_entropy_is_never_below_the_entropy(seed, k, positions):
    rng = np.random.default_rng(seed)
    train = rng.integers(0, k, (50, positions))
    test = rng.integers(0, k, (40, positions))
    assert C.cross_entropy_bits(train, test, k, alpha=0.5) >= C.entropy_bits(test, k) - 1e-9


def test_cross_entropy_on_its_own_data_without_smoothing_is_the_entropy():
    rng = np.random.default_rng(1)
    s = rng.integers(0, 5, (300, 4))
    assert math.isclose(C.cross_entropy_bits(s, s, 5, alpha=0.0), C.entropy_bits(s, 5), rel_tol=1e-12)


def test_per_position_model_beats_a_shared_one_when_positions_differ():
    rng = np.random.default_rng(2)
    s = np.stack([rng.integers(0, 2, 2000), rng.integers(2, 4, 2000)], axis=1)
    per = C.cross_entropy_bits(s[:1000], s[1000:], 4)
    shared = C.cross_entropy_bits(s[:1000], s[1000:], 4, per_position=False)
    assert per < shared
    assert abs(per - 2.0) < 0.05 and abs(shared - 4.0) < 0.05


def test_unseen_symbol_costs_finite_bits_only_with_smoothing():
    train, test = np.zeros((10, 1), np.int64), np.ones((1, 1), np.int64)
    assert math.isinf(C.cross_entropy_bits(train, test, 2, alpha=0.0))
    assert math.isfinite(C.cross_entropy_bits(train, test, 2, alpha=0.5))


def test_per_image_code_lengths_average_to_the_rate():
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 3, (100, 5)), rng.integers(0, 3, (30, 5))
    per = C.cross_entropy_bits(a, b, 3, per_image=True)
    assert per.shape == (30,) and math.isclose(per.mean(), C.cross_entropy_bits(a, b, 3))


def test_categorical_model_rows_sum_to_one():
    p = C.categorical_model(np.random.default_rng(0).integers(0, 6, (40, 3)), 6)
    assert p.shape == (3, 6)
    np.testing.assert_allclose(p.sum(1), 1.0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: C.entropy_bits(np.array([[0.5, 1.0]]), 2), "integer"),
        (lambda: C.entropy_bits(np.array([[0, 2]]), 2), r"\[0, 1\]"),
        (lambda: C.entropy_bits(np.array([[-1, 0]]), 2), r"\[0, 1\]"),
        (lambda: C.entropy_bits(np.zeros((0, 3), np.int64), 2), "N >= 1"),
        (lambda: C.entropy_bits(np.zeros((2, 3), np.int64), 0), "n_symbols"),
        (
            lambda: C.cross_entropy_bits(np.zeros((2, 3), np.int64), np.zeros((2, 4), np.int64), 2),
            "positions",
        ),
        (lambda: C.categorical_model(np.zeros((2, 3), np.int64), 2, alpha=-1.0), "alpha"),
        (lambda: C.code_lengths_bits(np.array([[0.5, 0.4]]), np.zeros((1, 1), np.int64)), "summing to 1"),
        (lambda: C.code_lengths_bits(np.full((2, 2), 0.5), np.zeros((1, 3), np.int64)), "positions"),
    ],
)
def test_code_lengths_reject_bad_inputs(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ------------------------------------------------------------------------------------------------ usage
def test_perplexity_of_k_equally_used_codes_is_k():
    assert math.isclose(C.perplexity(np.arange(16), 32), 16.0)


def test_perplexity_of_one_code_is_one():
    assert C.perplexity(np.zeros((5, 49), np.int64), 128) == 1.0


def test_usage_counts_every_index():
    idx = np.random.default_rng(0).integers(0, 10, (7, 7, 7))
    usage = C.code_usage(idx, 10)
    assert usage.sum() == idx.size and usage.shape == (10,)


def test_usage_rejects_indices_beyond_the_codebook():
    with pytest.raises(ValueError, match="n_symbols = 4"):
        C.code_usage(np.array([0, 4]), 4)


# ------------------------------------------------------------------------------------------------ real coders
@pytest.mark.parametrize("method", ["zlib", "lzma"])
def test_general_purpose_coder_compresses_repetition_but_not_noise(method):
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (200, 49))
    assert C.general_purpose_bits(np.zeros((200, 49), np.int64), method=method) < 0.05 * noise.size * 8
    assert C.general_purpose_bits(noise, method=method) > 0.95 * noise.size * 8


def test_general_purpose_coder_writes_wide_symbols_on_two_bytes():
    assert C.general_purpose_bits(np.array([[300, 301]]), method="zlib") > 0


@pytest.mark.parametrize(
    ("symbols", "method", "match"),
    [(np.zeros((2, 2), np.int64), "gzip", "method"), (np.array([[-1, 0]]), "lzma", "65535")],
)
def test_general_purpose_coder_rejects_bad_inputs(symbols, method, match):
    with pytest.raises(ValueError, match=match):
        C.general_purpose_bits(symbols, method=method)
