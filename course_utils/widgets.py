"""Interactive explorers for the notebooks (ipywidgets), each with a static figure for renderers without a kernel.

* :func:`latent_explorer` — two sliders move a point ``z`` over a 2-D latent space; its decoded image and a map
  of the space (the codes coloured by class, a marker at ``z``) follow live;
* :func:`noise_explorer` — a slider sets the noise level; clean / noisy / denoised rows follow, with PSNRs.

Both return an :class:`Explorer`. Put the call last in a cell (or pass it to ``display``). Its display bundle
holds two views of the same thing:

``application/vnd.jupyter.widget-view+json``
    the live widget, shown by JupyterLab, Notebook 7, Colab and VS Code when the cell runs in the frontend;
``image/png``
    a static figure (:attr:`Explorer.figure`): the initial state, and for the latent explorer a grid of points.

A frontend shows the best view it can, so the PNG appears where widgets cannot live:

* nbconvert's HTML of a notebook saved without widget state (JupyterLab's default, or nbclient with
  ``store_widget_state=False``): nbconvert skips a widget view whose state is missing and takes the PNG;
* JupyterLab opening an untrusted notebook with outputs (a downloaded, executed copy): the widget renderer is
  not used for untrusted outputs, the PNG is;
* text-only or plain renderers that ignore widgets (the text says to run the notebook).

When a notebook *is* saved with widget state (nbclient's default, so ``jupyter nbconvert --execute`` and
``tools/run_course.py``), nbconvert's HTML draws the saved widget instead, with JavaScript loaded from a CDN
(a frozen widget online, an empty output offline). To get the PNG there, export with
``--ClearMetadataPreprocessor.enabled=True`` (drops the state) or execute with
``--ExecutePreprocessor.store_widget_state=False``.

Updates are cheap: one ``decode`` (or one ``corrupt`` + ``denoise``) per slider change, PNG bytes pushed into
``ipywidgets.Image`` widgets, and figures drawn once and reused (the latent map is blitted: only its marker is
redrawn). Figures are made without pyplot, so none leaks into pyplot's registry.
"""

from __future__ import annotations

import base64
import io
import numbers
from collections.abc import Callable, Sequence

import ipywidgets as w
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course_utils.plotting import CLASS_COLOURS, _off

__all__ = ["Explorer", "LatentExplorer", "NoiseExplorer", "latent_explorer", "noise_explorer"]

_DPI = 100
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


# --------------------------------------------------------------------------------------------- helpers
def _png(pixels: np.ndarray) -> bytes:
    """PNG bytes of a uint8 image, grey (H, W) or RGBA (H, W, 4); fast compression (for live updates)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def _savefig_png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def _grey_png(img: np.ndarray, scale: int) -> bytes:
    """An image in [0, 1] as grey PNG bytes, enlarged ``scale`` times with square pixels (no blur)."""
    u8 = np.rint(np.clip(img, 0.0, 1.0) * 255).astype(np.uint8)
    if scale > 1:
        u8 = np.repeat(np.repeat(u8, scale, axis=0), scale, axis=1)
    return _png(u8)


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _pair_of_numbers(value, name: str) -> tuple[float, float]:
    try:
        a, b = value
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair of numbers, got {value!r}") from None
    return _number(a, name), _number(b, name)


def _batch(out, n: int, image_shape: tuple[int, int], what: str) -> np.ndarray:
    """Check a callable's output: n images of ``image_shape``, with or without a channel axis; float32 (n, H, W)."""
    a = np.asarray(out)
    expected = f"({n}, {image_shape[0]}, {image_shape[1]}) or ({n}, {image_shape[0]}, {image_shape[1]}, 1)"
    if not np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_:
        raise ValueError(
            f"{what} returned dtype {a.dtype}; expected float images in [0, 1] of shape {expected}"
        )
    squeezed = a[..., 0] if a.ndim == 4 and a.shape[-1] == 1 else a
    if squeezed.shape != (n, *image_shape):
        raise ValueError(f"{what} returned shape {a.shape}; expected {expected}")
    if not np.all(np.isfinite(squeezed)):
        raise ValueError(f"{what} returned NaN or inf")
    if a.dtype == np.uint8:
        return squeezed.astype(np.float32) / 255.0
    return squeezed.astype(np.float32, copy=False)


# --------------------------------------------------------------------------------------------- base class
class Explorer:
    """An interactive widget together with a static figure of it, for places where widgets cannot run.

    Displaying it (last expression of a cell, or ``display(explorer)``) publishes one bundle with the live
    widget view and a PNG of :attr:`figure`; each frontend shows the best one it can (see the module's doc).

    Attributes
    ----------
    widget : ipywidgets.Widget
        The live view; display it on its own with ``display(explorer.widget)``.
    """

    #: One line shown by text-only frontends.
    description = "interactive explorer"

    def __init__(self, widget: w.Widget) -> None:
        self.widget = widget
        self._figure: Figure | None = None
        self._figure_png: bytes | None = None

    def static_figure(self) -> Figure:  # pragma: no cover - overridden
        """Draw the static figure (a new :class:`~matplotlib.figure.Figure`)."""
        raise NotImplementedError

    @property
    def figure(self) -> Figure:
        """The static figure shown where the widget cannot run; drawn on first use, then kept."""
        if self._figure is None:
            self._figure = self.static_figure()
        return self._figure

    def fallback_png(self) -> bytes:
        """PNG bytes of :attr:`figure` (what nbconvert's HTML shows when no widget state was saved)."""
        if self._figure_png is None:
            self._figure_png = _savefig_png(self.figure)
        return self._figure_png

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        widget_repr = getattr(self.widget, "_repr_mimebundle_", None)
        data = dict(widget_repr() or {}) if widget_repr is not None else {}
        if _WIDGET_VIEW not in data:  # ipywidgets 7 displays itself with _ipython_display_ instead
            data[_WIDGET_VIEW] = {"version_major": 2, "version_minor": 0, "model_id": self.widget.model_id}
        data["image/png"] = base64.b64encode(self.fallback_png()).decode("ascii")
        data["text/plain"] = f"<{self.description}: run the notebook with a live kernel to use the sliders>"
        return data

    def close(self) -> None:
        """Close this explorer's widgets (the frontend removes them) and drop its figures; others stay open."""
        stack = [self.widget]
        while stack:  # not Widget.close_all(), which closes every widget of the kernel
            widget = stack.pop()
            stack.extend(getattr(widget, "children", ()))
            widget.close()
        self._figure = self._figure_png = None


# --------------------------------------------------------------------------------------------- latent explorer
class LatentExplorer(Explorer):
    """Sliders over a 2-D latent space with the decoded image and a map of the codes; see :func:`latent_explorer`.

    Attributes
    ----------
    z1, z2 : ipywidgets.FloatSlider
        The latent coordinates.
    image, map : ipywidgets.Image
        The decoded image and the latent map, as PNG bytes.
    readout : ipywidgets.HTML
        The current ``z`` and, when codes are given, the nearest code's class and distance.
    decoded : numpy.ndarray, shape (H, W)
        The image decoded at the current ``z``.
    """

    description = "latent explorer"

    def __init__(
        self,
        decode: Callable,
        *,
        limits: tuple[float, float],
        step: float,
        start: tuple[float, float],
        codes: np.ndarray | None,
        labels: np.ndarray | None,
        class_names: Sequence[str] | None,
        image_shape: tuple[int, int],
        size: float,
        grid: int,
        continuous_update: bool,
    ) -> None:
        self._decode = decode
        self.limits = limits
        self.image_shape = image_shape
        self.codes, self.labels, self.class_names = codes, labels, class_names
        self._grid, self._size, self._start = grid, size, start
        self._px = max(1, round(size * _DPI))
        self._scale = max(1, round(self._px / max(image_shape)))
        self._tree = None
        if codes is not None:
            from scipy.spatial import cKDTree

            self._tree = cKDTree(codes)

        lo, hi = limits
        slider = dict(min=lo, max=hi, step=step, continuous_update=continuous_update, readout_format=".2f")
        width = f"{2 * self._px + 20}px"
        self.z1 = w.FloatSlider(value=start[0], description="z₁", layout=w.Layout(width=width), **slider)
        self.z2 = w.FloatSlider(value=start[1], description="z₂", layout=w.Layout(width=width), **slider)
        self.image = w.Image(format="png", layout=w.Layout(width=f"{self._px}px", height=f"{self._px}px"))
        self.map = w.Image(format="png", layout=w.Layout(width=f"{self._px}px", height=f"{self._px}px"))
        self.readout = w.HTML()
        self._map_fig, self._map_parts = self._draw_map_background()

        self.decoded = self._decode_one(start)  # the first call checks decode's output shape
        self._show(start)
        self._muted = False
        self.z1.observe(self._on_slider, names="value")
        self.z2.observe(self._on_slider, names="value")
        legend = w.HTML(self._legend_html()) if labels is not None else w.HTML()
        super().__init__(
            w.VBox([self.z1, self.z2, w.HBox([self.image, w.VBox([self.map, legend])]), self.readout])
        )

    # -- live view
    @property
    def z(self) -> np.ndarray:
        """The current latent point, float32 of shape (2,)."""
        return np.array([self.z1.value, self.z2.value], dtype=np.float32)

    def set_z(self, z1: float, z2: float) -> None:
        """Move both sliders at once (one decode), e.g. ``explorer.set_z(1.0, -0.5)``."""
        lo, hi = self.limits
        for name, v in (("z1", z1), ("z2", z2)):
            if not lo <= _number(v, name) <= hi:
                raise ValueError(f"{name} must be in limits [{lo}, {hi}], got {v}")
        self._muted = True
        try:
            self.z1.value, self.z2.value = float(z1), float(z2)
        finally:
            self._muted = False
        self._update()

    def _on_slider(self, change) -> None:
        if not self._muted:
            self._update()

    def _update(self) -> None:
        z = (self.z1.value, self.z2.value)
        try:
            self.decoded = self._decode_one(z)
        except Exception as err:  # an observer's exception would only reach the kernel log: show it
            self.readout.value = (
                f"<span style='color:#CC3311'>decode failed: {type(err).__name__}: {_escape(err)}</span>"
            )
            raise
        self._show(z)

    def _decode_one(self, z) -> np.ndarray:
        out = self._decode(np.array([z], dtype=np.float32))
        return _batch(out, 1, self.image_shape, "decode (given a (1, 2) array)")[0]

    def _show(self, z) -> None:
        self.image.value = _grey_png(self.decoded, self._scale)
        self.map.value = self._map_png(z)
        self.readout.value = self._readout_html(z)

    def _draw_map_background(self):
        side = self._px / _DPI
        fig = Figure(figsize=(side, side), dpi=_DPI, facecolor="white")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        self._scatter_codes(ax, s=2)
        lo, hi = self.limits
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_aspect("equal")
        ax.set_xlabel("$z_1$", labelpad=1)
        ax.set_ylabel("$z_2$", labelpad=1)
        ax.tick_params(labelsize=7)
        # fixed margins in inches (tick labels, axis labels): cheaper than tight_layout, which draws once more
        fig.subplots_adjust(left=0.5 / side, right=1 - 0.12 / side, bottom=0.42 / side, top=1 - 0.1 / side)
        vline = ax.axvline(0, color="0.2", lw=0.8, ls="--", animated=True)
        hline = ax.axhline(0, color="0.2", lw=0.8, ls="--", animated=True)
        (marker,) = ax.plot([0], [0], "X", ms=11, color="black", mec="white", mew=1.2, animated=True)
        fig.canvas.draw()
        background = fig.canvas.copy_from_bbox(fig.bbox)
        return fig, (ax, background, vline, hline, marker)

    def _map_png(self, z) -> bytes:
        ax, background, vline, hline, marker = self._map_parts
        canvas = self._map_fig.canvas
        canvas.restore_region(background)
        vline.set_xdata([z[0], z[0]])
        hline.set_ydata([z[1], z[1]])
        marker.set_data([z[0]], [z[1]])
        for artist in (vline, hline, marker):
            ax.draw_artist(artist)
        return _png(np.asarray(canvas.buffer_rgba()))

    def _scatter_codes(self, ax, *, s: float) -> None:
        if self.codes is None:
            return
        if self.labels is None:
            ax.scatter(self.codes[:, 0], self.codes[:, 1], s=s, color="0.6", alpha=0.6, linewidths=0)
            return
        for c, name in enumerate(self.class_names):
            m = self.labels == c
            colour = CLASS_COLOURS[c % len(CLASS_COLOURS)]
            ax.scatter(
                self.codes[m, 0], self.codes[m, 1], s=s, color=colour, alpha=0.7, linewidths=0, label=name
            )

    def _legend_html(self) -> str:
        items = [
            f"<span style='white-space:nowrap'><span style='color:{CLASS_COLOURS[c % len(CLASS_COLOURS)]}'>"
            f"&#9632;</span>&nbsp;{_escape(name)}</span>"
            for c, name in enumerate(self.class_names)
        ]
        return f"<div style='font-size:11px;line-height:1.3;max-width:{self._px}px'>{' '.join(items)}</div>"

    def nearest(self, z) -> tuple[float, int | None]:
        """Distance from ``z`` to the nearest code and that code's label (``None`` without labels).

        Examples
        --------
        >>> ex = latent_explorer(lambda z: np.zeros((len(z), 8, 8)), image_shape=(8, 8), codes=[[1.0, 0.0]])
        >>> ex.nearest([0.0, 0.0])
        (1.0, None)
        """
        if self._tree is None:
            raise ValueError("nearest needs codes: pass codes=... to latent_explorer")
        dist, idx = self._tree.query(np.asarray(z, dtype=np.float64))
        label = None if self.labels is None else int(self.labels[idx])
        return float(dist), label

    def _readout_html(self, z) -> str:
        text = f"z = ({z[0]:+.2f}, {z[1]:+.2f})"
        if self._tree is not None:
            dist, label = self.nearest(z)
            if label is not None:
                text += f" · nearest code: <b>{_escape(self.class_names[label])}</b>"
            text += f" at distance {dist:.2f}"
        return f"<span style='font-family:monospace'>{text}</span>"

    # -- static figure
    def grid_points(self) -> np.ndarray:
        """The ``grid × grid`` latent points of the static figure: cell centres, row-major, top row = highest z₂.

        Examples
        --------
        >>> ex = latent_explorer(lambda z: np.zeros((len(z), 8, 8)), image_shape=(8, 8), grid=2, limits=(-2, 2))
        >>> ex.grid_points().tolist()
        [[-1.0, 1.0], [1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]]
        """
        lo, hi = self.limits
        n = self._grid
        centres = lo + (hi - lo) * (np.arange(n) + 0.5) / n
        g1, g2 = np.meshgrid(centres, centres[::-1])
        return np.stack([g1.ravel(), g2.ravel()], axis=1).astype(np.float32)

    def static_figure(self) -> Figure:
        """The initial state (image decoded at ``start``, the map) and ``grid × grid`` numbered points decoded.

        The ``grid² + 1`` points are decoded in one batched call.

        Examples
        --------
        >>> ex = latent_explorer(lambda z: np.zeros((len(z), 8, 8)), image_shape=(8, 8), grid=2)
        >>> len(ex.static_figure().axes)  # start image, map, 2 × 2 grid
        6
        """
        points = self.grid_points()
        n = self._grid
        batch = np.vstack([np.array([self._start], dtype=np.float32), points])
        images = _batch(
            self._decode(batch), len(batch), self.image_shape, f"decode (given a ({len(batch)}, 2) array)"
        )
        side = max(self._size, 2.4)
        fig = Figure(figsize=(3 * side + 0.8, side + 1.0), dpi=_DPI, layout="constrained")
        fig.get_layout_engine().set(w_pad=0.04, h_pad=0.04, wspace=0.04)
        outer = fig.add_gridspec(1, 3, width_ratios=[1, 1.15, 1])
        z0 = self._start

        first = fig.add_subplot(outer[0, 0])
        first.imshow(np.clip(images[0], 0, 1), cmap="gray", vmin=0, vmax=1)
        _off(first)
        first.set_title(f"decoded at start ✕ = ({z0[0]:.2f}, {z0[1]:.2f})", fontsize=9)

        ax = fig.add_subplot(outer[0, 1])
        self._scatter_codes(ax, s=3)
        lo, hi = self.limits
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_aspect("equal")
        ax.set_xlabel("$z_1$")
        ax.set_ylabel("$z_2$", labelpad=1)
        ax.set_title("latent space", fontsize=9)
        at_start = np.all(np.isclose(points, np.asarray(z0, dtype=np.float32), atol=1e-6), axis=1)
        for k, (a, b) in enumerate(points):
            if at_start[k]:  # the start marker is drawn there
                continue
            ax.annotate(
                str(k + 1), (a, b), ha="center", va="center", fontsize=8, fontweight="bold",
                bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": "0.3", "lw": 0.8, "alpha": 0.85},
            )  # fmt: skip
        ax.plot([z0[0]], [z0[1]], "X", ms=11, color="black", mec="white", mew=1.2, zorder=5)
        if self.labels is not None:
            ax.legend(
                fontsize=7, markerscale=3, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                frameon=False, handletextpad=0.1, columnspacing=0.6,
            )  # fmt: skip

        inner = outer[0, 2].subgridspec(n, n, wspace=0.02, hspace=0.02)
        for k, img in enumerate(images[1:]):
            sub = fig.add_subplot(inner[k // n, k % n])
            sub.imshow(np.clip(img, 0, 1), cmap="gray", vmin=0, vmax=1)
            _off(sub)
            mark = " ✕" if at_start[k] else ""
            sub.set_title(f"{k + 1}{mark}: ({points[k, 0]:.1f}, {points[k, 1]:.1f})", fontsize=7, pad=2)
        fig.suptitle(
            "static view of the latent explorer: run the notebook to move z with sliders", fontsize=9
        )
        return fig


def _escape(text) -> str:
    import html

    return html.escape(str(text))


def latent_explorer(
    decode: Callable,
    *,
    limits: tuple[float, float] = (-3.0, 3.0),
    step: float = 0.05,
    start: tuple[float, float] = (0.0, 0.0),
    codes=None,
    labels=None,
    class_names: Sequence[str] | None = None,
    image_shape: tuple[int, int] = (28, 28),
    size: float = 2.8,
    grid: int = 3,
    continuous_update: bool = True,
) -> LatentExplorer:
    """Two sliders ``z₁``, ``z₂`` over a 2-D latent space; the decoded image and a map of the codes follow live.

    Parameters
    ----------
    decode : callable
        Maps a float32 array of shape ``(n, 2)`` to images ``(n, H, W)`` or ``(n, H, W, 1)`` in [0, 1]
        (e.g. ``lambda z: decoder.predict(z, verbose=0)``, or the faster ``lambda z: decoder(z).numpy()``).
        The sliders call it with ``n = 1``, once per change; the static figure once with ``n = grid²``.
    limits : (low, high), default (-3, 3)
        The range of both sliders and of the map.
    step : float, default 0.05
        The sliders' step.
    start : (z1, z2), default (0, 0)
        The initial point, inside ``limits``.
    codes : array-like, shape (N, 2), optional
        Encoded images, drawn on the map; with them the readout gives the distance to the nearest code.
    labels : array-like of int, shape (N,), optional
        The codes' classes: colours of the map (``plotting.CLASS_COLOURS``) and the nearest code's class.
    class_names : sequence of str, optional
        Names of the classes ``0 … K-1``; default the label numbers.
    image_shape : (H, W), default (28, 28)
        The shape ``decode`` must return (it is checked).
    size : float, default 2.8
        Side of the decoded image and of the map, in inches at 100 dpi (2.8 → 280 pixels).
    grid : int, default 3
        The static figure decodes ``grid × grid`` points spread over the space.
    continuous_update : bool, default True
        Decode while a slider is dragged; set False for a slow ``decode`` (over ~0.1 s per call) to decode only
        when the slider is released.

    Returns
    -------
    LatentExplorer
        Shows the live widget in Jupyter and a PNG of :attr:`~Explorer.figure` in static renderers.

    Examples
    --------
    >>> def blob(z):  # a white spot that moves with z
    ...     yy, xx = np.mgrid[0:28, 0:28]
    ...     cx, cy = 14 + 3 * z[:, :1, None], 14 - 3 * z[:, 1:, None]
    ...     return np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 8.0)
    >>> ex = latent_explorer(blob)
    >>> ex.set_z(2.0, 0.0)
    >>> int(ex.decoded.argmax() % 28)
    20
    """
    lo, hi = _pair_of_numbers(limits, "limits")
    if not lo < hi:
        raise ValueError(f"limits must be (low, high) with low < high, got {limits}")
    step = _number(step, "step")
    if not 0 < step <= hi - lo:
        raise ValueError(f"step must be > 0 and at most high - low = {hi - lo:g}, got {step}")
    s1, s2 = _pair_of_numbers(start, "start")
    if not (lo <= s1 <= hi and lo <= s2 <= hi):
        raise ValueError(f"start must lie inside limits [{lo:g}, {hi:g}] on both axes, got {start}")
    try:
        h, wid = image_shape
    except (TypeError, ValueError):
        raise ValueError(f"image_shape must be (H, W), got {image_shape!r}") from None
    if not all(isinstance(v, numbers.Integral) and v > 0 for v in (h, wid)):
        raise ValueError(f"image_shape must be two positive ints, got {image_shape!r}")
    size = _number(size, "size")
    if size <= 0:
        raise ValueError(f"size must be > 0 inches, got {size}")
    if isinstance(grid, bool) or not isinstance(grid, numbers.Integral) or not 1 <= grid <= 10:
        raise ValueError(f"grid must be an int from 1 to 10, got {grid!r}")
    if not callable(decode):
        raise ValueError(
            f"decode must be callable (z of shape (n, 2) -> images), got {type(decode).__name__}"
        )

    if codes is not None:
        codes = np.asarray(codes, dtype=np.float64)
        if codes.ndim != 2 or codes.shape[1] != 2 or len(codes) == 0:
            raise ValueError(f"codes must have shape (N, 2) with N >= 1, got {codes.shape}")
        if not np.all(np.isfinite(codes)):
            raise ValueError("codes contain NaN or inf")
    if labels is not None:
        if codes is None:
            raise ValueError("labels need codes: pass the codes they label as codes=...")
        labels = np.asarray(labels)
        if labels.shape != (len(codes),):
            raise ValueError(f"labels must have shape ({len(codes)},) like codes, got {labels.shape}")
        if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0:
            raise ValueError(f"labels must be non-negative ints, got dtype {labels.dtype}")
        k = int(labels.max()) + 1
        if class_names is None:
            class_names = [str(c) for c in range(k)]
        elif len(class_names) < k:
            raise ValueError(f"labels go up to {k - 1} but there are only {len(class_names)} class_names")
        class_names = [str(c) for c in class_names]
    elif class_names is not None:
        raise ValueError("class_names need labels: pass labels=... with the codes")

    return LatentExplorer(
        decode,
        limits=(lo, hi),
        step=step,
        start=(s1, s2),
        codes=codes,
        labels=labels,
        class_names=class_names,
        image_shape=(int(h), int(wid)),
        size=size,
        grid=int(grid),
        continuous_update=bool(continuous_update),
    )


# --------------------------------------------------------------------------------------------- noise explorer
class NoiseExplorer(Explorer):
    """A noise-level slider over clean / noisy / denoised rows with PSNRs; see :func:`noise_explorer`.

    Attributes
    ----------
    amount : ipywidgets.SelectionSlider
        The noise level; its value is the ``amount`` passed to ``corrupt``.
    image : ipywidgets.Image
        The three rows, as PNG bytes.
    psnr : dict of str to float
        PSNR in dB of the ``"noisy"`` and ``"denoised"`` rows against the clean one, at the current amount.
    """

    description = "noise explorer"

    def __init__(self, denoise, images, corrupt, *, amounts, start, size, continuous_update) -> None:
        self._denoise, self._corrupt = denoise, corrupt
        self.images = images  # as given (channel axis kept), the first n
        self._clean = images[..., 0] if images.ndim == 4 else images
        self._cache: dict[float, tuple[np.ndarray, np.ndarray, dict[str, float]]] = {}
        self._size, self._start = size, start
        self.noisy, self.denoised, self.psnr = self._compute(start)

        self._fig, self._artists = self._draw(start)
        FigureCanvasAgg(self._fig)
        self.amount = w.SelectionSlider(
            options=[(f"{a:g}", a) for a in amounts],
            value=start,
            description="amount",
            continuous_update=continuous_update,
            layout=w.Layout(width="420px"),
        )
        self.image = w.Image(format="png", value=self._render())
        self.status = w.HTML()
        self.amount.observe(self._on_slider, names="value")
        super().__init__(w.VBox([self.amount, self.image, self.status]))

    def set_amount(self, amount: float) -> None:
        """Move the slider to ``amount`` (one of ``amounts``)."""
        match = [a for a in self.amount.options if np.isclose(a[1], amount)]
        if not match:
            raise ValueError(f"amount must be one of {[a for _, a in self.amount.options]}, got {amount}")
        self.amount.value = match[0][1]

    def _compute(self, amount: float):
        if amount in self._cache:
            return self._cache[amount]
        from course_utils.metrics import psnr

        n, shape = len(self._clean), self._clean.shape[1:]
        noisy_raw = self._corrupt(self.images, amount)
        noisy = np.clip(
            _batch(noisy_raw, n, shape, f"corrupt (given {n} images and amount {amount:g})"), 0, 1
        )
        denoised_raw = self._denoise(np.asarray(noisy_raw, dtype=np.float32).reshape(self.images.shape))
        denoised = np.clip(_batch(denoised_raw, n, shape, f"denoise (given {n} images)"), 0, 1)
        scores = {"noisy": psnr(self._clean, noisy), "denoised": psnr(self._clean, denoised)}
        self._cache[amount] = (noisy, denoised, scores)
        return self._cache[amount]

    def _on_slider(self, change) -> None:
        try:
            self.noisy, self.denoised, self.psnr = self._compute(change["new"])
        except Exception as err:  # an observer's exception would only reach the kernel log: show it
            self.status.value = f"<span style='color:#CC3311'>{type(err).__name__}: {_escape(err)}</span>"
            raise
        self.status.value = ""
        self._update_artists(change["new"])
        self.image.value = self._render()

    def _labels(self) -> list[str]:
        return ["clean", *(f"{row}\n{_db(self.psnr[row])}" for row in ("noisy", "denoised"))]

    def _strip(self, imgs: np.ndarray) -> np.ndarray:
        """One row of images side by side, separated by white gaps (one imshow per row is quick to draw)."""
        n, h, wid = imgs.shape
        gap = max(1, round(0.06 * wid))
        row = np.ones((h, n * wid + (n - 1) * gap), dtype=np.float32)
        for j, img in enumerate(imgs):
            row[:, j * (wid + gap) : j * (wid + gap) + wid] = img
        return row

    def _draw(self, amount: float) -> tuple[Figure, dict]:
        n = len(self._clean)
        fig = Figure(
            figsize=(n * self._size * 1.06 + 1.25, 3 * self._size * 1.06 + 0.4), dpi=_DPI, facecolor="white"
        )
        ims, names = [], []
        for r, (imgs, label) in enumerate(
            zip((self._clean, self.noisy, self.denoised), self._labels(), strict=True)
        ):
            ax = fig.add_subplot(3, 1, r + 1)
            ims.append(ax.imshow(self._strip(imgs), cmap="gray", vmin=0, vmax=1, aspect="equal"))
            _off(ax)
            names.append(ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9))
        title = fig.suptitle(f"noise amount {amount:g}", fontsize=10)
        width, height = fig.get_size_inches()
        fig.subplots_adjust(  # fixed margins in inches: row labels on the left, the title on top
            left=1.2 / width, right=1 - 0.05 / width, bottom=0.05 / height, top=1 - 0.35 / height, hspace=0.06
        )
        return fig, {"images": ims, "names": names, "title": title}

    def _update_artists(self, amount: float) -> None:
        self._artists["images"][1].set_data(self._strip(self.noisy))
        self._artists["images"][2].set_data(self._strip(self.denoised))
        for text, label in zip(self._artists["names"], self._labels(), strict=True):
            text.set_text(label)
        self._artists["title"].set_text(f"noise amount {amount:g}")

    def _render(self) -> bytes:
        self._fig.canvas.draw()
        return _png(np.asarray(self._fig.canvas.buffer_rgba()))

    def static_figure(self) -> Figure:
        """The rows at the initial noise level (a new figure, the same drawing as the live view).

        Examples
        --------
        >>> x = np.random.default_rng(0).random((3, 8, 8))
        >>> ex = noise_explorer(lambda y: y, x, lambda y, a: y, amounts=[0.0, 0.5], start=0.0)
        >>> [ax.get_ylabel().split()[0] for ax in ex.static_figure().axes]
        ['clean', 'noisy', 'denoised']
        """
        noisy, denoised, scores = self._compute(self._start)
        saved = self.noisy, self.denoised, self.psnr
        self.noisy, self.denoised, self.psnr = noisy, denoised, scores
        try:
            fig, _ = self._draw(self._start)
        finally:
            self.noisy, self.denoised, self.psnr = saved
        return fig


def _db(value: float) -> str:
    return "exact" if value >= 100 else f"{value:.1f} dB"


def noise_explorer(
    denoise: Callable,
    images,
    corrupt: Callable,
    *,
    amounts: Sequence[float] = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5),
    start: float = 0.1,
    n: int = 6,
    size: float = 1.0,
    continuous_update: bool = True,
) -> NoiseExplorer:
    """A slider for the noise level over rows clean / noisy / denoised of a few images, each with its PSNR.

    Parameters
    ----------
    denoise : callable
        Maps noisy images (the shape of ``images``) to denoised ones, ``(n, H, W)`` or ``(n, H, W, 1)``
        (e.g. ``lambda x: model.predict(x, verbose=0)``).
    images : array-like of float in [0, 1], shape (N, H, W) or (N, H, W, 1)
        Clean images; the first ``n`` are shown.
    corrupt : callable
        ``corrupt(images, amount)`` returns the noisy images, e.g. ``corruptions.salt_and_pepper``.
    amounts : sequence of float in [0, 1], default (0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
        The levels the slider offers. Each is corrupted and denoised once, when first chosen, then kept.
    start : float, default 0.1
        The initial level, one of ``amounts``.
    n : int, default 6
        How many images to show.
    size : float, default 1.0
        Inches per image.
    continuous_update : bool, default True
        Update while the slider is dragged; False updates on release only (for a slow ``denoise``).

    Returns
    -------
    NoiseExplorer
        Shows the live widget in Jupyter and a PNG of :attr:`~Explorer.figure` in static renderers.
        PSNRs (``course_utils.metrics.psnr``, mean over the shown images) are of outputs clipped to [0, 1].

    Examples
    --------
    >>> x = np.random.default_rng(0).random((4, 28, 28))
    >>> noisy = lambda y, a: np.clip(y + a * np.random.default_rng(1).normal(size=y.shape), 0, 1)
    >>> ex = noise_explorer(lambda y: y, x, noisy, amounts=[0.0, 0.2], start=0.2, n=4)
    >>> ex.psnr["noisy"] == ex.psnr["denoised"]
    True
    """
    if not callable(denoise) or not callable(corrupt):
        raise ValueError("denoise and corrupt must be callables: denoise(noisy), corrupt(images, amount)")
    x = np.asarray(images)
    if x.ndim not in (3, 4) or (x.ndim == 4 and x.shape[-1] != 1) or len(x) == 0:
        raise ValueError(f"images must have shape (N, H, W) or (N, H, W, 1) with N >= 1, got {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"images must be floats in [0, 1], got dtype {x.dtype} (divide uint8 by 255)")
    if not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1:
        raise ValueError(f"images must lie in [0, 1], got values in [{np.nanmin(x):.4g}, {np.nanmax(x):.4g}]")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    try:
        levels = [_number(a, "each amount") for a in amounts]
    except TypeError:
        raise ValueError(f"amounts must be a sequence of numbers in [0, 1], got {amounts!r}") from None
    if not levels:
        raise ValueError(
            "amounts is empty: give the noise levels the slider should offer, e.g. [0, 0.1, 0.2]"
        )
    bad = [a for a in levels if not 0.0 <= a <= 1.0]
    if bad:
        raise ValueError(f"amounts must be in [0, 1], got {bad}")
    levels = sorted(set(levels))
    start = _number(start, "start")
    near = [a for a in levels if np.isclose(a, start)]
    if not near:
        raise ValueError(f"start must be one of amounts {levels}, got {start}")
    size = _number(size, "size")
    if size <= 0:
        raise ValueError(f"size must be > 0 inches, got {size}")

    return NoiseExplorer(
        denoise,
        x[: min(int(n), len(x))].astype(np.float32, copy=False),
        corrupt,
        amounts=levels,
        start=near[0],
        size=size,
        continuous_update=bool(continuous_update),
    )
