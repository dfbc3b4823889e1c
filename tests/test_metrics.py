"""course_utils.metrics: MSE/PSNR/SSIM against scikit-image, input checks, record()."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage import metrics as skm

from course_utils import metrics


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    x = rng.random((5, 28, 28))
    return x, np.clip(x + 0.05 * rng.standard_normal(x.shape), 0, 1)


def test_mse_psnr_ssim_agree_with_scikit_image(pair):
    x, y = pair
    assert metrics.mse(x, y) == pytest.approx(
        np.mean([skm.mean_squared_error(a, b) for a, b in zip(x, y, strict=False)])
    )
    assert metrics.psnr(x, y) == pytest.approx(
        np.mean([skm.peak_signal_noise_ratio(a, b, data_range=1) for a, b in zip(x, y, strict=False)])
    )
    ref = [
        skm.structural_similarity(
            a, b, data_range=1, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
        )
        for a, b in zip(x, y, strict=False)
    ]
    assert metrics.ssim(x, y) == pytest.approx(np.mean(ref))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batched_psnr_is_scikit_images_image_by_image(dtype):
    rng = np.random.default_rng(3)
    x = rng.random((40, 28, 28)).astype(dtype)
    y = np.clip(x + rng.uniform(0.001, 0.3, (40, 1, 1)) * rng.standard_normal(x.shape), 0, 1).astype(dtype)
    ref = [  # on float64 copies, as the course's metrics compute every error
        skm.peak_signal_noise_ratio(a.astype("float64"), b.astype("float64"), data_range=1)
        for a, b in zip(x, y, strict=True)
    ]
    np.testing.assert_allclose(metrics.psnr(x, y, per_image=True), ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize("shape", [(7, 28, 28), (2, 60, 45), (3, 11, 11)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_batched_ssim_is_scikit_images_image_by_image(shape, dtype):
    rng = np.random.default_rng(1)
    x = rng.random(shape).astype(dtype)
    y = np.clip(x + rng.normal(0, 0.2, shape), 0, 1).astype(dtype)
    ref = [
        skm.structural_similarity(
            a.astype(np.float64),
            b.astype(np.float64),
            data_range=1,
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
        )
        for a, b in zip(x, y, strict=True)
    ]
    np.testing.assert_allclose(metrics.ssim(x, y, per_image=True), ref, rtol=0, atol=1e-9)


def test_ssim_refuses_images_smaller_than_its_window():
    with pytest.raises(ValueError, match="at least 11 pixels"):
        metrics.ssim(np.zeros((1, 8, 8)), np.zeros((1, 8, 8)))


def test_metrics_accept_channel_axis_and_single_images(pair):
    x, y = pair
    assert metrics.mse(x[..., None], y[..., None]) == pytest.approx(metrics.mse(x, y))
    assert metrics.psnr(x[0], y[0]) == pytest.approx(metrics.psnr(x[:1], y[:1]))
    assert metrics.ssim(x, y, per_image=True).shape == (5,)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.001, 0.5))
def test_psnr_of_a_constant_offset_is_minus_20_log10(offset):
    x = np.zeros((1, 8, 8))
    assert metrics.psnr(x, x + offset) == pytest.approx(-20 * np.log10(offset), rel=1e-9)


def test_psnr_of_an_exact_copy_is_capped_not_infinite(pair):
    x, _ = pair
    assert metrics.psnr(x, x) == 100.0


@pytest.mark.parametrize(
    ("a", "b", "match"),
    [
        (np.zeros((2, 4, 4)), np.zeros((2, 4, 5)), "same shape"),
        (np.zeros((2, 4, 4), np.uint8), np.zeros((2, 4, 4)), "divide by 255"),
        (np.zeros((2, 4, 4)), np.full((2, 4, 4), 2.0), r"\[0, 1\]"),
        (np.zeros((2, 4, 4)), np.full((2, 4, 4), np.nan), "NaN"),
        (np.zeros((4,)), np.zeros((4,)), "shape"),
    ],
)
def test_bad_inputs_are_clear_errors(a, b, match):
    with pytest.raises(ValueError, match=match):
        metrics.mse(a, b)


def test_record_keeps_values_and_writes_the_results_file(monkeypatch, tmp_path):
    path = tmp_path / "r" / "01.json"
    monkeypatch.setenv("COURSE_RESULTS_FILE", str(path))
    assert metrics.record("ratio", np.float32(1.5)) is None and metrics.RESULTS["ratio"] == 1.5
    metrics.record("count", np.int64(3))
    metrics.record("winner", "leaky")
    stored = json.loads(path.read_text())
    assert stored["metrics"] == {"ratio": 1.5, "count": 3, "winner": "leaky"}
    assert metrics.RESULTS["ratio"] == 1.5 and metrics.load_results(path)["mode"] == "smoke"


def test_record_without_a_results_file_only_keeps_it_in_memory(monkeypatch):
    monkeypatch.delenv("COURSE_RESULTS_FILE", raising=False)
    metrics.record("x", 2)
    assert metrics.RESULTS["x"] == 2 and isinstance(metrics.RESULTS["x"], int)


@pytest.mark.parametrize(("name", "value"), [("", 1.0), ("ok", float("nan")), ("ok", [1, 2]), (3, 1.0)])
def test_record_rejects_bad_names_and_values(name, value):
    with pytest.raises(ValueError):
        metrics.record(name, value)


@pytest.mark.parametrize("method", ["logistic", "knn"])
def test_probe_accuracy_separates_separable_classes(method):
    rng = np.random.default_rng(0)
    z = np.r_[rng.normal(-3, 1, (60, 4)), rng.normal(3, 1, (60, 4))]
    y = np.repeat([0, 1], 60)
    acc, seconds = metrics.probe_accuracy(z[::2], y[::2], z[1::2], y[1::2], method=method)
    assert acc > 0.95 and seconds >= 0


def test_probe_accuracy_is_at_chance_on_noise():
    rng = np.random.default_rng(1)
    z, y = rng.normal(size=(400, 3)), rng.integers(0, 2, 400)
    acc, _ = metrics.probe_accuracy(z[:200], y[:200], z[200:], y[200:])
    assert 0.35 < acc < 0.65


def test_probe_accuracy_checks_shapes_and_method():
    with pytest.raises(ValueError, match="same width"):
        metrics.probe_accuracy(np.zeros((4, 2)), np.zeros(4), np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="method"):
        metrics.probe_accuracy(np.zeros((4, 2)), np.zeros(4), np.zeros((4, 2)), np.zeros(4), method="svm")
