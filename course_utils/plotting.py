"""Figures of the course, in one style.

Every function returns a :class:`matplotlib.figure.Figure` made without pyplot, so a figure is shown exactly once:
put the call last in a cell (or pass the figure to ``display``), save it with ``fig.savefig(...)``.
Images are grey (``0`` black, ``1`` white); classes use Paul Tol's colour-blind-safe "muted" palette.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

#: Ten colour-blind-safe colours (Paul Tol, "muted" plus pale grey), one per class.
CLASS_COLOURS: tuple[str, ...] = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
    "#555555",
)

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "gray",
    "image.interpolation": "nearest",
}


#: Screen resolution of figures in smoke mode: a smoke run's figures are checked (they must draw), not read, and
#: at this resolution they cost about half as much to draw inline as at the course's 100 dpi.
SMOKE_DPI = 60


def use_course_style(smoke: bool = False) -> None:
    """Apply the course's matplotlib settings (called by :func:`course_utils.setup`).

    In Jupyter it also activates the inline backend (``%matplotlib inline``), which registers the display hook
    that renders the pyplot-free figures returned by this module when they end a cell.

    Parameters
    ----------
    smoke : bool, default False
        Smoke mode: figures are shown at :data:`SMOKE_DPI` instead of 100 dpi (files saved with ``savefig`` keep
        their resolution).

    Examples
    --------
    >>> import matplotlib as mpl
    >>> use_course_style(smoke=True); mpl.rcParams["figure.dpi"] == SMOKE_DPI
    True
    >>> use_course_style(); mpl.rcParams["figure.dpi"]
    100.0
    """
    import matplotlib as mpl
    from cycler import cycler

    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # plain Python: nothing to display into
        shell = None
    if shell is not None and "inline" in mpl.get_backend():
        shell.run_line_magic("matplotlib", "inline")

    mpl.rcParams.update(STYLE)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=list(CLASS_COLOURS[:9]))
    if smoke:
        mpl.rcParams["figure.dpi"] = SMOKE_DPI


def _images(images, name: str = "images") -> np.ndarray:
    a = np.asarray(images)
    if a.ndim == 4 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"{name} must have shape (N, H, W) or (N, H, W, 1), got {a.shape}")
    if len(a) == 0:
        raise ValueError(f"{name} is empty")
    if a.dtype == np.uint8:
        return a.astype(np.float32) / 255.0
    if not np.issubdtype(a.dtype, np.number):
        raise ValueError(f"{name} must be numeric, got dtype {a.dtype}")
    return a


def _off(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for s in ax.spines.values():
        s.set_visible(False)


def image_grid(
    images,
    *,
    titles: Sequence[str] | None = None,
    ncols: int = 10,
    size: float = 1.1,
    suptitle: str | None = None,
    vmin: float = 0.0,
    vmax: float = 1.0,
) -> Figure:
    """Show images in a grid, ``ncols`` per row.

    Parameters
    ----------
    images : array-like, shape (N, H, W) or (N, H, W, 1)
        Floats in [vmin, vmax] or uint8.
    titles : sequence of str, optional
        One title per image.
    ncols : int, default 10
    size : float, default 1.1
        Inches per image.
    suptitle : str, optional
    vmin, vmax : float
        The grey scale's black and white.

    Examples
    --------
    >>> fig = image_grid(np.random.rand(20, 28, 28), ncols=10)
    >>> len(fig.axes)
    20
    """
    imgs = _images(images)
    if titles is not None and len(titles) != len(imgs):
        raise ValueError(f"got {len(titles)} titles for {len(imgs)} images")
    if ncols < 1:
        raise ValueError(f"ncols must be >= 1, got {ncols}")
    ncols = min(ncols, len(imgs))
    nrows = int(np.ceil(len(imgs) / ncols))
    h, w = imgs.shape[1:]
    height = (
        nrows * size * h / max(h, w) + (0.25 * nrows if titles is not None else 0) + (0.4 if suptitle else 0)
    )
    fig = Figure(figsize=(ncols * size * w / max(h, w), height))
    for i, img in enumerate(imgs):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        ax.imshow(img, cmap="gray", vmin=vmin, vmax=vmax)
        _off(ax)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
        fig.tight_layout(pad=0.3, rect=(0, 0, 1, 1 - 0.4 / height))
    else:
        fig.tight_layout(pad=0.3)
    return fig


def class_grid(x, y, class_names: Sequence[str], *, per_class: int = 10, size: float = 0.9) -> Figure:
    """One row per class with its first ``per_class`` examples, the class name on the left.

    Examples
    --------
    >>> fig = class_grid(np.random.rand(40, 8, 8), np.repeat(np.arange(4), 10), list("abcd"), per_class=3)
    >>> len(fig.axes)
    12
    """
    imgs = _images(x, "x")
    y = np.asarray(y)
    if y.shape != (len(imgs),):
        raise ValueError(f"y must have shape ({len(imgs)},), got {y.shape}")
    k = len(class_names)
    fig = Figure(figsize=(per_class * size + 1.2, k * size))
    for c in range(k):
        idx = np.flatnonzero(y == c)[:per_class]
        for j in range(per_class):
            ax = fig.add_subplot(k, per_class, c * per_class + j + 1)
            _off(ax)
            if j < len(idx):
                ax.imshow(imgs[idx[j]], cmap="gray", vmin=0, vmax=1)
            if j == 0:
                ax.set_ylabel(class_names[c], rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout(pad=0.2)
    return fig


def compare_rows(rows: Mapping[str, object], *, n: int = 10, size: float = 1.0, titles=None) -> Figure:
    """Rows of images to compare column by column: original / noisy / reconstructed …

    Parameters
    ----------
    rows : mapping of str to array-like
        Row label → images (N, H, W[, 1]); the first ``n`` of each are shown.
    n : int, default 10
    titles : sequence of str, optional
        One note per row, printed under its label (e.g. the row's PSNR).

    Examples
    --------
    >>> x = np.random.rand(5, 28, 28)
    >>> fig = compare_rows({"original": x, "reconstruction": x}, n=5)
    >>> len(fig.axes)
    10
    """
    if not rows:
        raise ValueError("rows is empty")
    data = {label: _images(v, label) for label, v in rows.items()}
    n = min([n] + [len(v) for v in data.values()])
    if titles is not None and len(titles) != len(data):
        raise ValueError(f"got {len(titles)} titles for {len(data)} rows")
    fig = Figure(figsize=(n * size + 1.6, len(data) * size))
    for r, (label, imgs) in enumerate(data.items()):
        for j in range(n):
            ax = fig.add_subplot(len(data), n, r * n + j + 1)
            ax.imshow(np.clip(imgs[j], 0, 1), cmap="gray", vmin=0, vmax=1)
            _off(ax)
            if j == 0:
                text = f"{label}\n{titles[r]}" if titles is not None and titles[r] else label
                ax.set_ylabel(text, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout(pad=0.2)
    return fig


def plot_history(
    history, *, keys: Sequence[str] | None = None, logy: bool = False, title: str = ""
) -> Figure:
    """Plot training curves from a Keras ``History`` (or its ``.history`` dict, or several by name).

    Parameters
    ----------
    history : keras.callbacks.History, dict of str to list, or dict of str to History
        One run, or several runs by name (``{"ReLU": h1, "Leaky ReLU": h2}``) drawn on the same axes.
    keys : sequence of str, optional
        Which metrics; default every metric that has no ``val_`` prefix (its ``val_`` twin is drawn dashed).
    logy : bool, default False
        Logarithmic y axis.

    Examples
    --------
    >>> fig = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    >>> fig.axes[0].get_xlabel()
    'epoch'
    """
    runs = _runs(history)
    if keys is None:
        first = next(iter(runs.values()))
        keys = [k for k in first if not k.startswith("val_")]
    if not keys:
        raise ValueError("history has no metrics to plot")
    fig = Figure(figsize=(4.2 * len(keys), 3.2))
    for i, key in enumerate(keys):
        ax = fig.add_subplot(1, len(keys), i + 1)
        for r, (run, h) in enumerate(runs.items()):
            colour = CLASS_COLOURS[r % len(CLASS_COLOURS)]
            prefix = f"{run} · " if len(runs) > 1 else ""
            if key not in h:
                raise ValueError(f"metric {key!r} not in history (has {sorted(h)})")
            epochs = np.arange(1, len(h[key]) + 1)
            ax.plot(epochs, h[key], color=colour, label=f"{prefix}train")
            if f"val_{key}" in h:
                ax.plot(epochs, h[f"val_{key}"], color=colour, ls="--", label=f"{prefix}validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        if logy:
            ax.set_yscale("log")
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _runs(history) -> dict[str, dict[str, list[float]]]:
    if hasattr(history, "history"):
        return {"": dict(history.history)}
    if isinstance(history, Mapping) and history:
        values = list(history.values())
        if all(hasattr(v, "history") or isinstance(v, Mapping) for v in values):
            return {k: dict(getattr(v, "history", v)) for k, v in history.items()}
        return {"": {k: list(v) for k, v in history.items()}}
    raise ValueError(
        "history must be a keras History, a dict of metric lists, or a dict of those by run name"
    )


def latent_scatter(
    z,
    labels,
    class_names: Sequence[str],
    *,
    title: str = "latent space",
    s: float = 3.0,
    ax=None,
    limits: tuple[float, float] | None = None,
) -> Figure:
    """Scatter 2-D codes coloured by class, with a legend of class names.

    Parameters
    ----------
    z : array-like, shape (N, 2)
    labels : array-like of int, shape (N,)
    class_names : sequence of str
    limits : (low, high), optional
        The same limits on both axes.
    ax : matplotlib Axes, optional
        Draw into an existing axes (its figure is returned).

    Examples
    --------
    >>> fig = latent_scatter(np.random.randn(100, 2), np.arange(100) % 10, [str(i) for i in range(10)])
    """
    z = np.asarray(z)
    labels = np.asarray(labels)
    if z.ndim != 2 or z.shape[1] != 2:
        raise ValueError(f"z must have shape (N, 2), got {z.shape}")
    if labels.shape != (len(z),):
        raise ValueError(f"labels must have shape ({len(z)},), got {labels.shape}")
    if ax is None:
        fig = Figure(figsize=(6.2, 5))
        ax = fig.add_subplot(1, 1, 1)
    else:
        fig = ax.figure
    for c, name in enumerate(class_names):
        m = labels == c
        ax.scatter(z[m, 0], z[m, 1], s=s, color=CLASS_COLOURS[c % len(CLASS_COLOURS)], label=name, alpha=0.7)
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title)
    if limits is not None:
        ax.set_xlim(*limits)
        ax.set_ylim(*limits)
    ax.legend(markerscale=4, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    fig.tight_layout()
    return fig


def latent_grid(n: int = 30, limits: tuple[float, float] = (-3.0, 3.0)) -> np.ndarray:
    """The ``n × n`` grid of 2-D codes that :func:`manifold` decodes, row-major, top row = highest ``z_2``.

    Examples
    --------
    >>> latent_grid(2, (-1, 1))
    array([[-1.,  1.],
           [ 1.,  1.],
           [-1., -1.],
           [ 1., -1.]], dtype=float32)
    """
    if n < 2:
        raise ValueError(f"n must be >= 2, got {n}")
    lo, hi = limits
    if not lo < hi:
        raise ValueError(f"limits must be (low, high) with low < high, got {limits}")
    z1 = np.linspace(lo, hi, n)
    z2 = np.linspace(hi, lo, n)
    g1, g2 = np.meshgrid(z1, z2)
    return np.stack([g1.ravel(), g2.ravel()], axis=1).astype(np.float32)


def manifold(
    decoder: Callable,
    *,
    n: int = 30,
    limits: tuple[float, float] = (-3.0, 3.0),
    image_shape: tuple[int, int] = (28, 28),
    title: str = "decoded latent grid",
    size: float = 7.0,
) -> Figure:
    """Decode an ``n × n`` grid of 2-D codes in **one batched call** and tile the images.

    Parameters
    ----------
    decoder : callable
        Maps a float32 array of shape ``(n*n, 2)`` to images ``(n*n, H, W[, 1])`` (a Keras model or a function).
    n : int, default 30
    limits : (low, high), default (-3, 3)
        The range of both latent coordinates.
    image_shape : (H, W), default (28, 28)

    Examples
    --------
    >>> fig = manifold(lambda z: np.zeros((len(z), 28, 28)), n=5)
    """
    codes = latent_grid(n, limits)
    out = decoder(codes)
    imgs = _images(np.asarray(out), "decoder output")
    if imgs.shape != (n * n, *image_shape):
        raise ValueError(
            f"decoder returned shape {imgs.shape}, expected ({n * n}, {image_shape[0]}, {image_shape[1]})"
        )
    h, w = image_shape
    canvas = imgs.reshape(n, n, h, w).transpose(0, 2, 1, 3).reshape(n * h, n * w)
    fig = Figure(figsize=(size, size))
    ax = fig.add_subplot(1, 1, 1)
    lo, hi = limits
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, extent=(lo, hi, lo, hi))
    ax.grid(False)
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def page_grid(
    columns: Mapping[str, Sequence[np.ndarray]],
    *,
    row_titles: Sequence[str] | None = None,
    width: float = 4.2,
    crop: tuple[int, int] | None = None,
) -> Figure:
    """Whole pages side by side: one column per version (noisy / cleaned / target), one row per page.

    Parameters
    ----------
    columns : mapping of str to sequence of 2-D arrays
        Column title → pages (float in [0, 1], or uint8); every column has the same number of pages, and the
        pages of one row have the same shape.
    row_titles : sequence of str, optional
        One note per row (a page id, its RMSE …), written left of the row.
    width : float, default 4.2
        Width of one page in inches; heights follow each page's aspect ratio.
    crop : (int, int), optional
        Show only the top-left ``crop = (rows, cols)`` pixels of every page, to see details at full size.

    Examples
    --------
    >>> page = np.ones((258, 540))
    >>> fig = page_grid({"noisy": [page], "clean": [page]}, row_titles=["page 2"])
    >>> len(fig.axes)
    2
    """
    if not columns:
        raise ValueError("columns is empty")
    data = {title: [_images(p, title)[0] for p in col] for title, col in columns.items()}
    counts = {len(col) for col in data.values()}
    if len(counts) != 1 or 0 in counts:
        raise ValueError(f"every column needs the same, non-zero number of pages, got {sorted(counts)}")
    n_rows, n_cols = counts.pop(), len(data)
    if row_titles is not None and len(row_titles) != n_rows:
        raise ValueError(f"got {len(row_titles)} row titles for {n_rows} rows")
    if crop is not None:
        data = {t: [p[: crop[0], : crop[1]] for p in col] for t, col in data.items()}
    ratios = []
    for r in range(n_rows):
        shapes = {col[r].shape for col in data.values()}
        if len(shapes) != 1:
            raise ValueError(f"the pages of row {r} have different shapes: {sorted(shapes)}")
        h, w = shapes.pop()
        ratios.append(h / w)
    fig = Figure(figsize=(width * n_cols + (1.0 if row_titles else 0.2), width * sum(ratios) + 0.4))
    grid = fig.add_gridspec(n_rows, n_cols, height_ratios=ratios)
    for r in range(n_rows):
        for c, (title, col) in enumerate(data.items()):
            ax = fig.add_subplot(grid[r, c])
            ax.imshow(np.clip(col[r], 0, 1), cmap="gray", vmin=0, vmax=1, interpolation="antialiased")
            _off(ax)
            if r == 0:
                ax.set_title(title)
            if c == 0 and row_titles is not None:
                ax.set_ylabel(row_titles[r], rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout(pad=0.3)
    return fig


def curves(
    runs: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    xlabel: str,
    ylabel: str,
    title: str = "",
    logx: bool = False,
    hlines: Mapping[str, float] | None = None,
    markers: bool = True,
) -> Figure:
    """Several named curves ``y(x)`` on one axes: a metric against CPU seconds, PSNR against noise level …

    Parameters
    ----------
    runs : mapping of str to (x, y)
        Curve label → its x and y values (same length).
    xlabel, ylabel : str
        Axis labels, with units.
    logx : bool, default False
        Logarithmic x axis (for seconds spanning several orders of magnitude; x must then be > 0).
    hlines : mapping of str to float, optional
        Labelled horizontal reference lines (a baseline's value, a target).
    markers : bool, default True
        Mark the measured points.

    Examples
    --------
    >>> fig = curves({"model": ([1, 2, 4], [18.0, 21.0, 23.5])}, xlabel="CPU seconds", ylabel="PSNR (dB)")
    >>> fig.axes[0].get_xlabel()
    'CPU seconds'
    """
    if not runs:
        raise ValueError("runs is empty")
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot(1, 1, 1)
    for i, (label, pair) in enumerate(runs.items()):
        if len(pair) != 2:
            raise ValueError(f"run {label!r} must be a pair (x, y), got {len(pair)} items")
        x, y = np.asarray(pair[0], dtype=float), np.asarray(pair[1], dtype=float)
        if x.ndim != 1 or x.shape != y.shape:
            raise ValueError(
                f"run {label!r}: x and y must be 1-D of the same length, got {x.shape} and {y.shape}"
            )
        if logx:
            keep = x > 0
            x, y = x[keep], y[keep]
        ax.plot(x, y, marker="o" if markers else None, ms=3, color=CLASS_COLOURS[i % 9], label=label)
    for j, (label, value) in enumerate((hlines or {}).items()):
        ax.axhline(value, color="0.35", ls=("--", ":", "-.")[j % 3], lw=1, label=label)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def bar_table(names: Sequence[str], values: Sequence[float], *, xlabel: str, title: str = "") -> Figure:
    """A horizontal bar chart with the value written on each bar (for metric comparisons).

    Examples
    --------
    >>> fig = bar_table(["noisy", "denoised"], [15.2, 24.8], xlabel="PSNR (dB)")
    """
    if len(names) != len(values):
        raise ValueError(f"got {len(names)} names and {len(values)} values")
    fig = Figure(figsize=(6, 0.45 * len(names) + 1))
    ax = fig.add_subplot(1, 1, 1)
    pos = np.arange(len(names))[::-1]
    ax.barh(pos, values, color=[CLASS_COLOURS[i % len(CLASS_COLOURS)] for i in range(len(names))])
    ax.set_yticks(pos, labels=list(names))
    for p, v in zip(pos, values, strict=True):
        ax.text(v, p, f" {v:.3g}", va="center", fontsize=8)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
