"""course_utils.plotting: every function returns a Figure; input checks; the manifold is decoded in one call."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils import plotting

RNG = np.random.default_rng(0)


def test_image_grid_returns_a_figure_with_one_axes_per_image():
    fig = plotting.image_grid(RNG.random((12, 28, 28, 1)), ncols=5, titles=[str(i) for i in range(12)])
    assert isinstance(fig, Figure) and len(fig.axes) == 12


def test_image_grid_accepts_uint8():
    fig = plotting.image_grid(np.zeros((3, 28, 28), np.uint8))
    assert fig.axes[0].images[0].get_array().max() == 0


def test_image_grid_rejects_title_count_mismatch_and_bad_shapes():
    with pytest.raises(ValueError, match="titles"):
        plotting.image_grid(np.zeros((3, 8, 8)), titles=["a"])
    with pytest.raises(ValueError, match="shape"):
        plotting.image_grid(np.zeros((3, 8, 8, 3)))


def test_class_grid_labels_rows_with_class_names():
    fig = plotting.class_grid(RNG.random((30, 8, 8)), np.arange(30) % 3, ["a", "b", "c"], per_class=4)
    assert [ax.get_ylabel() for ax in fig.axes[::4]] == ["a", "b", "c"]


def test_compare_rows_draws_each_row():
    x = RNG.random((6, 28, 28))
    fig = plotting.compare_rows(
        {"original": x, "noisy": x, "denoised": x}, n=4, titles=["", "12 dB", "20 dB"]
    )
    assert (
        len(fig.axes) == 12
        and fig.axes[4].get_ylabel() == "noisy\n12 dB"
        and fig.axes[0].get_ylabel() == "original"
    )
    with pytest.raises(ValueError, match="titles"):
        plotting.compare_rows({"a": x}, titles=["1", "2"])


def test_plot_history_draws_train_and_validation_for_several_runs():
    class History:  # the part of keras.callbacks.History that is used
        history = {"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 1.5]}

    fig = plotting.plot_history({"ReLU": History(), "Leaky": {"loss": [2, 1, 0.5], "val_loss": [2, 1, 1]}})
    assert len(fig.axes[0].lines) == 4
    with pytest.raises(ValueError, match="not in history"):
        plotting.plot_history({"loss": [1.0]}, keys=["mae"])


def test_latent_scatter_has_a_legend_of_class_names_and_checks_shapes():
    fig = plotting.latent_scatter(
        RNG.standard_normal((50, 2)), np.arange(50) % 10, [f"c{i}" for i in range(10)]
    )
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()][:2] == ["c0", "c1"]
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plotting.latent_scatter(np.zeros((5, 3)), np.zeros(5), ["a"])


def test_manifold_decodes_the_whole_grid_in_one_batched_call():
    calls = []

    def decoder(z):
        calls.append(z.shape)
        return np.repeat((z[:, :1] + 3) / 6, 28 * 28, axis=1).reshape(-1, 28, 28, 1)

    fig = plotting.manifold(decoder, n=30)
    assert calls == [(900, 2)]
    canvas = fig.axes[0].images[0].get_array()
    assert canvas.shape == (840, 840)
    assert canvas[0, 0] == pytest.approx(0.0) and canvas[0, -1] == pytest.approx(1.0)  # z1 grows to the right


def test_latent_grid_puts_high_z2_on_top():
    g = plotting.latent_grid(3, (-1, 1))
    assert g[0].tolist() == [-1, 1] and g[-1].tolist() == [1, -1]


def test_manifold_rejects_a_decoder_of_the_wrong_shape():
    with pytest.raises(ValueError, match="decoder returned shape"):
        plotting.manifold(lambda z: np.zeros((len(z), 14, 14)), n=4)


def test_bar_table_writes_values_on_bars():
    fig = plotting.bar_table(["a", "b"], [1.0, 2.5], xlabel="PSNR (dB)")
    assert "2.5" in " ".join(t.get_text() for t in fig.axes[0].texts)


def test_curves_draws_one_line_per_run_plus_reference_lines():
    fig = plotting.curves(
        {"a": ([1, 2, 4], [1.0, 2.0, 3.0]), "b": ([1, 3], [2.0, 2.5])},
        xlabel="CPU seconds",
        ylabel="PSNR (dB)",
        logx=True,
        hlines={"median filter": 20.0},
    )
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and ax.get_xscale() == "log" and ax.get_ylabel() == "PSNR (dB)"


@pytest.mark.parametrize(
    ("runs", "match"), [({}, "empty"), ({"a": ([1, 2], [1.0])}, "same length"), ({"a": ([1],)}, "pair")]
)
def test_curves_rejects_bad_runs(runs, match):
    with pytest.raises(ValueError, match=match):
        plotting.curves(runs, xlabel="x", ylabel="y")


def test_page_grid_shows_one_axes_per_page_and_version():
    pages = [RNG.random((258, 540)), RNG.random((420, 540))]
    fig = plotting.page_grid({"noisy": pages, "clean": pages}, row_titles=["a", "b"], crop=(100, 200))
    assert len(fig.axes) == 4 and fig.axes[0].get_title() == "noisy"
    assert fig.axes[0].images[0].get_array().shape == (100, 200)


@pytest.mark.parametrize(
    ("columns", "match"),
    [
        ({}, "empty"),
        ({"a": [np.ones((4, 4))], "b": []}, "same, non-zero number"),
        ({"a": [np.ones((4, 4))], "b": [np.ones((4, 5))]}, "different shapes"),
    ],
)
def test_page_grid_rejects_bad_columns(columns, match):
    with pytest.raises(ValueError, match=match):
        plotting.page_grid(columns)
