"""course_utils.widgets: live sliders decode once per change; a static PNG rides along for renderers without a kernel."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from course_utils import metrics, widgets

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RNG = np.random.default_rng(0)


class Blob:
    """A toy decoder: a white spot whose position follows z; counts its calls and the batch sizes it saw."""

    def __init__(self, shape=(28, 28), channel=False):
        self.shape, self.channel, self.batches = shape, channel, []

    def __call__(self, z):
        z = np.asarray(z)
        self.batches.append(len(z))
        h, w = self.shape
        yy, xx = np.mgrid[0:h, 0:w]
        cx, cy = w / 2 + 3 * z[:, :1, None], h / 2 - 3 * z[:, 1:, None]
        out = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 8.0).astype(np.float32)
        return out[..., None] if self.channel else out

    @property
    def calls(self) -> int:
        return len(self.batches)


def _codes(n=200):
    labels = np.arange(n) % 4
    codes = np.c_[np.cos(labels), np.sin(labels)] * 2 + RNG.normal(0, 0.1, (n, 2))
    return codes, labels


def _latent(decode, **kwargs):
    """A latent explorer drawn small (1 inch panels), which keeps the tests fast."""
    return widgets.latent_explorer(decode, **{"size": 1.0, **kwargs})


# ------------------------------------------------------------------------------------------ latent explorer
def test_latent_sliders_span_the_limits_with_the_step_and_start():
    ex = _latent(Blob(), limits=(-2.0, 4.0), step=0.1, start=(1.0, -0.5))
    for slider, value in ((ex.z1, 1.0), (ex.z2, -0.5)):
        assert (slider.min, slider.max, slider.step, slider.value) == (-2.0, 4.0, 0.1, value)
    assert ex.z.tolist() == [1.0, -0.5]


def test_moving_a_slider_decodes_once_and_updates_image_and_map():
    decode = Blob()
    ex = _latent(decode, codes=_codes()[0])
    calls, image, map_ = decode.calls, ex.image.value, ex.map.value
    ex.z1.value = 2.0
    assert decode.calls == calls + 1 and decode.batches[-1] == 1
    assert ex.image.value != image and bytes(ex.image.value).startswith(PNG_SIGNATURE)
    assert ex.map.value != map_ and bytes(ex.map.value).startswith(PNG_SIGNATURE)


def test_decoded_image_follows_z():
    ex = _latent(Blob())
    ex.set_z(2.0, 0.0)
    assert np.unravel_index(ex.decoded.argmax(), ex.decoded.shape) == (14, 20)


def test_set_z_moves_both_sliders_with_one_decode():
    decode = Blob()
    ex = _latent(decode)
    calls = decode.calls
    ex.set_z(1.0, -1.0)
    assert decode.calls == calls + 1 and ex.z.tolist() == [1.0, -1.0]
    with pytest.raises(ValueError, match=r"z2 must be in limits \[-3.0, 3.0\], got 5"):
        ex.set_z(0.0, 5)


def test_decoder_output_with_a_channel_axis_and_other_sizes_is_accepted():
    ex = _latent(Blob((16, 12), channel=True), image_shape=(16, 12))
    assert ex.decoded.shape == (16, 12)


def test_readout_names_the_nearest_class_and_its_distance():
    codes, labels = _codes()
    ex = _latent(Blob(), codes=codes, labels=labels, class_names=["a", "b", "c", "d"])
    ex.set_z(2.0, 0.0)  # class 0 sits at (2, 0)
    assert "nearest code: <b>a</b>" in ex.readout.value and "distance" in ex.readout.value
    dist, label = ex.nearest([2.0, 0.0])
    assert label == 0 and dist < 0.5


def test_class_names_default_to_label_numbers():
    codes, labels = _codes()
    ex = _latent(Blob(), codes=codes, labels=labels)
    assert ex.class_names == ["0", "1", "2", "3"]


def test_latent_fallback_is_a_figure_decoded_in_one_batched_call():
    decode = Blob()
    codes, labels = _codes()
    ex = _latent(decode, codes=codes, labels=labels, grid=3)
    fig = ex.figure
    assert isinstance(fig, Figure) and len(fig.axes) == 2 + 9
    assert decode.batches[-1] == 10  # start + 3 × 3 points
    assert ex.figure is fig  # drawn once, then kept


def test_bundle_holds_the_widget_view_and_a_png_of_the_fallback():
    ex = _latent(Blob())
    data = ex._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.widget.model_id
    assert base64.b64decode(data["image/png"]).startswith(PNG_SIGNATURE)
    assert "VBox" not in data["text/plain"] and "live kernel" in data["text/plain"]
    assert "text/html" not in data  # nbconvert ranks text/html above image/png: keep the PNG the fallback


def test_a_failing_decode_is_reported_in_the_readout():
    decode = Blob()
    ex = _latent(decode)

    def broken(z):
        raise RuntimeError("model not trained")

    ex._decode = broken
    with pytest.raises(RuntimeError):
        ex.z1.value = 1.0
    assert "decode failed" in ex.readout.value and "model not trained" in ex.readout.value


def test_explorers_leave_no_pyplot_figures():
    import sys

    plt = sys.modules.get("matplotlib.pyplot")  # importing pyplot here would cost a second
    before = plt.get_fignums() if plt else None
    ex = _latent(Blob())
    ex.z2.value = 1.0
    ex._repr_mimebundle_()
    if plt is None:
        assert "matplotlib.pyplot" not in sys.modules
    else:
        assert plt.get_fignums() == before


def test_close_closes_this_explorers_widgets_only():
    ex, other = _latent(Blob()), _latent(Blob())
    ex.close()
    assert ex.widget.comm is None and ex.z1.comm is None and ex.image.comm is None
    assert other.widget.comm is not None and other.z1.comm is not None


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"limits": (3.0, -3.0)}, r"limits must be \(low, high\) with low < high"),
        ({"limits": (0.0,)}, "limits must be a pair of numbers"),
        ({"limits": (0.0, np.inf)}, "limits must be a finite number"),
        ({"step": 0.0}, "step must be > 0"),
        ({"step": 10.0}, "at most high - low = 6"),
        ({"start": (0.0, 3.5)}, r"start must lie inside limits \[-3, 3\]"),
        ({"codes": np.zeros((5, 3))}, r"codes must have shape \(N, 2\) with N >= 1, got \(5, 3\)"),
        ({"codes": np.zeros((5, 2)), "labels": np.zeros(4, int)}, r"labels must have shape \(5,\)"),
        ({"labels": np.zeros(4, int)}, "labels need codes"),
        ({"codes": np.zeros((2, 2)), "labels": [0.5, 1.0]}, "labels must be non-negative ints"),
        ({"codes": np.zeros((2, 2)), "labels": [0, 3], "class_names": ["a"]}, "labels go up to 3"),
        ({"codes": np.zeros((2, 2)), "class_names": ["a"]}, "class_names need labels"),
        ({"image_shape": (28,)}, r"image_shape must be \(H, W\)"),
        ({"size": 0}, "size must be > 0"),
        ({"grid": 0}, "grid must be an int from 1 to 10"),
    ],
)
def test_latent_explorer_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _latent(Blob(), **kwargs)


def test_a_decoder_of_the_wrong_shape_is_told_what_came_back():
    with pytest.raises(
        ValueError, match=r"returned shape \(1, 32, 32\); expected \(1, 28, 28\) or \(1, 28, 28, 1\)"
    ):
        _latent(Blob((32, 32)))
    with pytest.raises(ValueError, match="decode must be callable"):
        _latent(np.zeros(3))


@settings(max_examples=8, deadline=None)
@given(st.floats(-5, 5), st.floats(-5, 5))
def test_start_is_accepted_exactly_inside_the_limits(s1, s2):
    inside = -3 <= s1 <= 3 and -3 <= s2 <= 3
    if inside:
        ex = _latent(Blob(), start=(s1, s2))
        assert ex.z.tolist() == pytest.approx([s1, s2], abs=1e-6)
    else:
        with pytest.raises(ValueError, match="start must lie inside limits"):
            _latent(Blob(), start=(s1, s2))


# ------------------------------------------------------------------------------------------ noise explorer
class Calls:
    """Counts calls of a corruption or denoiser."""

    def __init__(self, fn):
        self.fn, self.n = fn, 0

    def __call__(self, *args):
        self.n += 1
        return self.fn(*args)


def _noisy(x, amount):
    return np.clip(x + amount * np.random.default_rng(1).normal(size=x.shape), 0, 1)


def _smooth(x):
    return np.clip(0.5 * x + 0.25, 0, 1)


IMAGES = RNG.random((8, 28, 28)).astype(np.float32)


def _noise(denoise, images, corrupt, **kwargs):
    """A noise explorer of 3 small images unless told otherwise, which keeps the tests fast."""
    return widgets.noise_explorer(denoise, images, corrupt, **{"n": 3, "size": 0.6, **kwargs})


def test_noise_slider_offers_the_amounts_and_starts_at_start():
    ex = _noise(_smooth, IMAGES, _noisy, amounts=[0.3, 0.0, 0.1], start=0.1)
    assert [a for _, a in ex.amount.options] == [0.0, 0.1, 0.3] and ex.amount.value == 0.1


def test_changing_the_amount_corrupts_and_denoises_once_and_updates_the_image():
    corrupt, denoise = Calls(_noisy), Calls(_smooth)
    ex = _noise(denoise, IMAGES, corrupt, amounts=[0.0, 0.1, 0.3], start=0.1)
    before = ex.image.value
    ex.amount.value = 0.3
    assert (corrupt.n, denoise.n) == (2, 2) and ex.image.value != before
    ex.set_amount(0.1)
    ex.set_amount(0.3)  # levels already seen are kept
    assert (corrupt.n, denoise.n) == (2, 2)


def test_noise_psnr_is_the_course_metric_of_each_row():
    ex = _noise(_smooth, IMAGES, _noisy, amounts=[0.2], start=0.2, n=4)
    clean = IMAGES[:4]
    noisy = _noisy(clean, 0.2)
    assert ex.psnr["noisy"] == pytest.approx(metrics.psnr(clean, noisy))
    assert ex.psnr["denoised"] == pytest.approx(metrics.psnr(clean, _smooth(noisy)))


def test_noise_fallback_shows_three_labelled_rows_with_psnr():
    ex = _noise(_smooth, IMAGES[..., None], _noisy, n=5)
    fig = ex.figure
    assert isinstance(fig, Figure) and len(fig.axes) == 3  # one strip of 5 images per row
    assert fig.axes[0].images[0].get_array().shape == (28, 5 * 28 + 4 * 2)
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert labels[0] == "clean" and labels[1].startswith("noisy\n") and labels[2].endswith(" dB")
    data = ex._repr_mimebundle_()
    assert {"application/vnd.jupyter.widget-view+json", "image/png"} <= set(data)


def test_noise_fallback_keeps_the_initial_level_after_the_slider_moved():
    ex = _noise(_smooth, IMAGES, _noisy, amounts=[0.0, 0.5], start=0.0)
    ex.set_amount(0.5)
    assert ex.figure.texts[0].get_text() == "noise amount 0"


@pytest.mark.parametrize(
    "images, kwargs, message",
    [
        (np.zeros((2, 28, 28, 3)), {}, r"images must have shape \(N, H, W\) or \(N, H, W, 1\)"),
        (np.zeros((28, 28)), {}, "images must have shape"),
        (np.zeros((2, 28, 28), np.uint8), {}, "divide uint8 by 255"),
        (IMAGES * 2, {}, r"images must lie in \[0, 1\]"),
        (IMAGES, {"amounts": [0.1, 1.5]}, r"amounts must be in \[0, 1\], got \[1.5\]"),
        (IMAGES, {"amounts": []}, "amounts is empty"),
        (IMAGES, {"amounts": [0.0, 0.2], "start": 0.1}, r"start must be one of amounts \[0.0, 0.2\]"),
        (IMAGES, {"n": 0}, "n must be an int >= 1"),
    ],
)
def test_noise_explorer_rejects_bad_arguments(images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        _noise(_smooth, images, _noisy, **kwargs)


def test_a_denoiser_of_the_wrong_shape_is_told_what_came_back():
    with pytest.raises(ValueError, match=r"denoise \(given 3 images\) returned shape \(3, 784\)"):
        _noise(lambda x: x.reshape(len(x), -1), IMAGES, _noisy)
    with pytest.raises(ValueError, match=r"corrupt .* returned shape \(2, 28, 28\)"):
        _noise(_smooth, IMAGES, lambda x, a: x[:2])
