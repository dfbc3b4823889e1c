"""Scanned pages for document cleaning (notebook 04): splits, patches, whole-page cleaning, scores, synthetic pages.

The "Denoising Dirty Documents" data (:func:`course_utils.data.load_dirty_documents`) holds 144 noisy pages with
their clean targets. They come from the *simulated* part of the NoisyOffice corpus: clean text images blended with
scans of dirty paper (folds, wrinkles, coffee stains, footprints). Only 36 distinct texts appear, each on 4 pages,
and fewer than twenty scanned backgrounds, each reused under many texts. This module holds what notebook 04 needs
around that data:

* :func:`text_groups` and :func:`split_pages` — page-level train/val/test splits *grouped by text*, so that no
  text is seen in training and again in the test set (a split by page would leak it);
* :func:`random_patches` — aligned random square patches of noisy and clean pages, to train on;
* :func:`pad_to_multiple` and :func:`clean_pages` — run a fully convolutional model on whole pages of any size;
* :func:`background_groups` — which pages share a scanned background;
* :func:`page_rmse` — the root mean squared error over a page's pixels, per page; :func:`pooled_rmse` — the
  competition's score, one RMSE over all the pixels of all the pages;
* :func:`threshold_pages` — the global-threshold baseline; :func:`divide_background` — the classic
  background-estimation baseline (a large median filter estimates the paper, dividing by it whitens the page);
* :func:`receptive_field` — measure how far a model looks, by perturbing one input pixel;
* :func:`synthetic_page` and :func:`synthetic_pages` — synthetic dirty documents (typed text on stained,
  creased paper) for when the real data is absent, or to have more of it.

Pages are 2-D float32 arrays in [0, 1] (1 is white paper), shape ``(H, W)``. Only NumPy, SciPy, scikit-image and
Matplotlib are used here: models are built in the notebook and passed in (anything with ``.predict``).
"""

from __future__ import annotations

import hashlib
import numbers
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy import ndimage, sparse
from scipy.special import expit

from course_utils._validate import check_unit_range, float_array

__all__ = [
    "background_groups",
    "clean_pages",
    "divide_background",
    "pad_to_multiple",
    "page_rmse",
    "pooled_rmse",
    "random_patches",
    "receptive_field",
    "split_pages",
    "synthetic_page",
    "synthetic_pages",
    "text_groups",
    "threshold_pages",
]


class _Predictor(Protocol):
    def predict(self, x: np.ndarray, verbose: int = 0) -> Any: ...


# --------------------------------------------------------------------------------------------------- validation
def _check_int(value, name: str, lo: int, hi: int | None = None) -> int:
    """Validate an int in [lo, hi] (hi None: no upper bound)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        where = f"in [{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise ValueError(f"{name} must be an int {where}, got {value}")
    return int(value)


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return int(seed)


def _check_number(value, name: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}], got {value!r}")
    if not lo <= float(value) <= hi:
        raise ValueError(f"{name} must be in [{lo:g}, {hi:g}], got {value}")
    return float(value)


def _check_page(page, name: str) -> np.ndarray:
    """Validate one page: a 2-D float array with values in [0, 1]."""
    page = float_array(page, name, "page")
    if page.ndim != 2:
        hint = "; drop the channel axis with page[..., 0]" if page.ndim == 3 and page.shape[-1] == 1 else ""
        raise ValueError(f"{name} must be a 2-D page of shape (H, W), got shape {page.shape}{hint}")
    if page.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {page.shape}")
    check_unit_range(page, name)
    return page


def _check_pages(pages, name: str) -> list[np.ndarray]:
    """Validate a non-empty sequence of pages (a list of 2-D arrays, or one array of shape (N, H, W))."""
    if isinstance(pages, np.ndarray):
        if pages.ndim != 3:
            raise ValueError(
                f"{name} must be a list of 2-D pages or an array of shape (N, H, W), got an array of shape "
                f"{pages.shape}"
            )
        pages = list(pages)
    elif not isinstance(pages, Sequence) or isinstance(pages, (str, bytes)):
        raise ValueError(f"{name} must be a list of 2-D pages, got {type(pages).__name__}")
    if len(pages) == 0:
        raise ValueError(f"{name} must hold at least one page, got an empty list")
    return [_check_page(p, f"{name}[{i}]") for i, p in enumerate(pages)]


def _check_pairs(a, b, name_a: str, name_b: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Validate two page lists of the same length whose pages have the same shapes pairwise."""
    a, b = _check_pages(a, name_a), _check_pages(b, name_b)
    if len(a) != len(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same number of pages, got {len(a)} and {len(b)}"
        )
    for i, (p, q) in enumerate(zip(a, b, strict=True)):
        if p.shape != q.shape:
            raise ValueError(
                f"{name_a}[{i}] and {name_b}[{i}] must have the same shape, got {p.shape} and {q.shape}; "
                "pass the pages in the same order"
            )
    return a, b


# ------------------------------------------------------------------------------------------ grouping, splitting
def text_groups(clean: Sequence[np.ndarray]) -> np.ndarray:
    """Label each page by its text: pages whose clean targets are identical share a label.

    Two pages are "the same text" when their clean targets are equal once rounded to 8 bits (the PNG files'
    resolution) and have the same shape. In the real data each of the 36 texts appears on 4 pages.

    Parameters
    ----------
    clean : sequence of numpy.ndarray
        Clean pages, float in [0, 1], each of shape (H, W).

    Returns
    -------
    numpy.ndarray of int64, shape (len(clean),)
        Group labels 0, 1, ..., k - 1, numbered in order of first appearance.

    Examples
    --------
    >>> a, b = np.ones((4, 6), np.float32), np.zeros((4, 6), np.float32)
    >>> text_groups([a, b, a.copy(), b]).tolist()
    [0, 1, 0, 1]
    """
    pages = _check_pages(clean, "clean")
    labels: dict[tuple[tuple[int, ...], bytes], int] = {}
    out = np.empty(len(pages), dtype=np.int64)
    for i, page in enumerate(pages):
        u8 = np.rint(page * 255).astype(np.uint8)
        key = (page.shape, hashlib.blake2b(u8.tobytes(), digest_size=16).digest())
        out[i] = labels.setdefault(key, len(labels))
    return out


def split_pages(
    clean: Sequence[np.ndarray],
    *,
    val_fraction: float = 1 / 6,
    test_fraction: float = 1 / 6,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Split page indices into train, validation and test sets, keeping each text in one set.

    Pages are grouped by :func:`text_groups`; the groups are shuffled with ``numpy.random.default_rng(seed)``
    and dealt out: ``round(test_fraction * k)`` groups to test, ``round(val_fraction * k)`` to validation (each at
    least 1 when its fraction is positive) and the rest to training, for ``k`` groups. Splitting pages instead
    of texts would put the same text, on another background, in training and in the test set.

    Parameters
    ----------
    clean : sequence of numpy.ndarray
        Clean pages, float in [0, 1] (only their equality matters).
    val_fraction, test_fraction : float, default 1/6
        Fractions of the *texts* held out; each in [0, 1), their sum below 1. A fraction of 0 gives an empty set.
    seed : int, default 0
        Same seed, same split.

    Returns
    -------
    dict with keys "train", "val", "test"
        Sorted int64 arrays of page indices; together they cover every page once.

    Raises
    ------
    ValueError
        For fractions out of range, or too few distinct texts to give every set at least one.

    Examples
    --------
    >>> pages = [np.full((4, 4), v, np.float32) for v in (0.0, 0.5, 1.0)] * 2
    >>> parts = split_pages(pages, seed=0)
    >>> sorted(len(parts[k]) for k in ("train", "val", "test"))
    [2, 2, 2]
    """
    groups = text_groups(clean)
    val_fraction = _check_number(val_fraction, "val_fraction", 0.0, 1.0)
    test_fraction = _check_number(test_fraction, "test_fraction", 0.0, 1.0)
    seed = _check_seed(seed)
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction + test_fraction must be below 1 (something must be left to train on), got "
            f"{val_fraction:g} + {test_fraction:g} = {val_fraction + test_fraction:g}"
        )
    k = int(groups.max()) + 1
    n_test = max(1, round(test_fraction * k)) if test_fraction > 0 else 0
    n_val = max(1, round(val_fraction * k)) if val_fraction > 0 else 0
    if k - n_test - n_val < 1:
        raise ValueError(
            f"the pages hold only {k} distinct text(s), too few to give train, val and test at least one each "
            f"(needs {n_test + n_val + 1}); pass more pages, or set val_fraction=0 or test_fraction=0"
        )
    order = np.random.default_rng(seed).permutation(k)
    chosen = {"test": order[:n_test], "val": order[n_test : n_test + n_val], "train": order[n_test + n_val :]}
    return {
        name: np.flatnonzero(np.isin(groups, chosen[name])).astype(np.int64)
        for name in ("train", "val", "test")
    }


def background_groups(
    noisy: Sequence[np.ndarray], clean: Sequence[np.ndarray], *, tol: float = 0.01, stride: int = 4
) -> np.ndarray:
    """Label each page by its scanned background: pages whose paper looks the same share a label.

    Two pages of the same shape share a background when, over the pixels that are white paper in *both* clean
    targets (above 0.99), their noisy pages differ by at most ``tol`` on average (mean absolute difference); labels
    are the connected components of that relation. On the real data two pages on one background differ by a few
    thousandths there, pages on different backgrounds by several hundredths.

    Parameters
    ----------
    noisy, clean : sequence of numpy.ndarray
        Pages in [0, 1], the same number of each, pairwise of the same shape (H, W).
    tol : float in (0, 1), default 0.01
        Largest mean absolute difference of two pages on one background.
    stride : int, default 4
        Compare every ``stride``-th pixel along each axis (backgrounds vary slowly; 4 is 16 times faster than 1).

    Returns
    -------
    numpy.ndarray of int64, shape (len(noisy),)
        Labels 0, 1, ..., k - 1, numbered in order of first appearance. Pages that share no paper with any
        other page of their shape get labels of their own.

    Examples
    --------
    >>> paper = np.linspace(0.6, 1.0, 48, dtype=np.float32).reshape(6, 8)
    >>> text = np.ones((6, 8), np.float32); text[2, 3] = 0.0
    >>> other = np.ones((6, 8), np.float32); other[4, 6] = 0.0
    >>> background_groups([paper * text, paper * other, paper[::-1] * text], [text, other, text], stride=1).tolist()
    [0, 0, 1]
    """
    noisy, clean = _check_pairs(noisy, clean, "noisy", "clean")
    tol = _check_number(tol, "tol", 0.0, 1.0)
    stride = _check_int(stride, "stride", 1, 64)
    small = [p[::stride, ::stride].astype(np.float32) for p in noisy]
    paper = [c[::stride, ::stride] > 0.99 for c in clean]
    n = len(noisy)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if small[i].shape != small[j].shape:
                continue
            both = paper[i] & paper[j]
            if both.sum() < 16:  # too little shared paper to compare
                continue
            if float(np.mean(np.abs(small[i][both] - small[j][both]))) <= tol:
                parent[root(j)] = root(i)
    labels: dict[int, int] = {}
    return np.array([labels.setdefault(root(i), len(labels)) for i in range(n)], dtype=np.int64)


# ---------------------------------------------------------------------------------------------------- patches
def random_patches(
    noisy: Sequence[np.ndarray], clean: Sequence[np.ndarray], n: int, size: int = 48, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``n`` aligned random square patches from pairs of noisy and clean pages.

    Each patch picks a page uniformly at random, then a position uniformly at random inside it; the noisy and
    the clean patch come from the same place of the same page.

    Parameters
    ----------
    noisy, clean : sequence of numpy.ndarray
        Pages in [0, 1], the same number of each, pairwise of the same shape (H, W).
    n : int
        Number of patches (at least 1).
    size : int, default 48
        Side of the square patches in pixels; at most the smallest page side.
    seed : int, default 0
        Same seed, same patches.

    Returns
    -------
    x, y : numpy.ndarray of float32, shape (n, size, size, 1)
        Noisy and clean patches, ready for a Keras model.

    Examples
    --------
    >>> page = np.random.default_rng(0).random((30, 40)).astype(np.float32)
    >>> x, y = random_patches([page], [page / 2], 5, size=8)
    >>> x.shape, bool(np.array_equal(x / 2, y))
    ((5, 8, 8, 1), True)
    """
    noisy, clean = _check_pairs(noisy, clean, "noisy", "clean")
    n = _check_int(n, "n", 1)
    size = _check_int(size, "size", 1)
    seed = _check_seed(seed)
    heights = np.array([p.shape[0] for p in noisy])
    widths = np.array([p.shape[1] for p in noisy])
    small = np.flatnonzero((heights < size) | (widths < size))
    if small.size:
        i = int(small[0])
        raise ValueError(
            f"size must fit in every page, got size={size} but page {i} is {heights[i]}x{widths[i]}; "
            f"use size <= {int(min(heights.min(), widths.min()))}"
        )
    rng = np.random.default_rng(seed)
    pages = rng.integers(0, len(noisy), size=n)
    tops = rng.integers(0, heights[pages] - size + 1)
    lefts = rng.integers(0, widths[pages] - size + 1)
    x = np.empty((n, size, size, 1), dtype=np.float32)
    y = np.empty((n, size, size, 1), dtype=np.float32)
    for j, (p, t, left) in enumerate(zip(pages, tops, lefts, strict=True)):
        x[j, ..., 0] = noisy[p][t : t + size, left : left + size]
        y[j, ..., 0] = clean[p][t : t + size, left : left + size]
    return x, y


# ---------------------------------------------------------------------------------------- whole-page cleaning
def pad_to_multiple(page: np.ndarray, multiple: int) -> np.ndarray:
    """Pad a page at the bottom and right, repeating its edge pixels, so both sides are multiples of ``multiple``.

    A network with ``p`` pooling layers of stride 2 (and as many upsamplings) needs sides that are multiples of
    ``2**p`` to give back an output of the input's shape. Crop the result with ``out[:H, :W]``.

    Parameters
    ----------
    page : numpy.ndarray
        A float page in [0, 1], shape (H, W).
    multiple : int
        At least 1 (1 returns the page unchanged).

    Returns
    -------
    numpy.ndarray of float32, shape (ceil(H / multiple) * multiple, ceil(W / multiple) * multiple)

    Examples
    --------
    >>> pad_to_multiple(np.zeros((258, 540), np.float32), 8).shape
    (264, 544)
    """
    page = _check_page(page, "page")
    multiple = _check_int(multiple, "multiple", 1, 1024)
    h, w = page.shape
    pad = ((0, -h % multiple), (0, -w % multiple))
    return np.pad(page, pad, mode="edge").astype(np.float32, copy=False)


def clean_pages(
    model: _Predictor, pages: Sequence[np.ndarray], *, multiple: int = 4, batch_size: int = 4
) -> list[np.ndarray]:
    """Clean whole pages with a fully convolutional model, whatever their sizes.

    Each page is padded with :func:`pad_to_multiple`; pages of the same padded shape are stacked into batches of
    at most ``batch_size`` and passed to ``model.predict(x, verbose=0)`` as ``(B, H, W, 1)``; each output is
    cropped back to its page's shape and clipped to [0, 1].

    Parameters
    ----------
    model : object with ``predict(x, verbose=0)``
        A Keras model (or anything alike) mapping ``(B, H, W, 1)`` to ``(B, H, W, 1)``.
    pages : sequence of numpy.ndarray
        Noisy pages in [0, 1], shape (H, W); sizes may differ.
    multiple : int, default 4
        Pad sides to multiples of this: ``2**p`` for a model with ``p`` poolings of stride 2.
    batch_size : int, default 4

    Returns
    -------
    list of numpy.ndarray of float32
        The cleaned pages, in the order of ``pages``, each of its page's shape.

    Raises
    ------
    ValueError
        If the model has no ``predict`` method, or returns another shape than its input, or NaN/inf.

    Examples
    --------
    >>> class Invert:
    ...     def predict(self, x, verbose=0):
    ...         return 1 - x
    >>> out = clean_pages(Invert(), [np.zeros((5, 7), np.float32), np.ones((9, 3), np.float32)])
    >>> [o.shape for o in out], float(out[0].min()), float(out[1].max())
    ([(5, 7), (9, 3)], 1.0, 0.0)
    """
    if not callable(getattr(model, "predict", None)):
        raise ValueError(
            f"model must have a predict(x, verbose=0) method (e.g. a keras.Model), got {type(model).__name__}"
        )
    pages = _check_pages(pages, "pages")
    multiple = _check_int(multiple, "multiple", 1, 1024)
    batch_size = _check_int(batch_size, "batch_size", 1)
    padded = [pad_to_multiple(p, multiple) for p in pages]
    by_shape: dict[tuple[int, ...], list[int]] = {}
    for i, p in enumerate(padded):
        by_shape.setdefault(p.shape, []).append(i)
    out: list[np.ndarray | None] = [None] * len(pages)
    for indices in by_shape.values():
        for start in range(0, len(indices), batch_size):
            batch = indices[start : start + batch_size]
            x = np.stack([padded[i] for i in batch])[..., None]
            y = np.asarray(model.predict(x, verbose=0))
            if y.shape != x.shape:
                raise ValueError(
                    f"model returned shape {y.shape} for input of shape {x.shape}; clean_pages needs a fully "
                    "convolutional model whose output has its input's shape ('same' padding, as many "
                    f"upsamplings as poolings, and multiple=2**poolings; multiple is {multiple})"
                )
            if not np.all(np.isfinite(y)):
                raise ValueError(
                    "model returned NaN or inf; check the model's training (loss, learning rate)"
                )
            for j, i in enumerate(batch):
                h, w = pages[i].shape
                out[i] = np.clip(y[j, :h, :w, 0], 0.0, 1.0).astype(np.float32)
    return out  # type: ignore[return-value]


def receptive_field(model: _Predictor, *, size: int = 96, seed: int = 0) -> int:
    """Measure a model's receptive field: the side, in pixels, of the input window one output pixel depends on.

    One input pixel near the centre of a random page is changed, and the outputs that move are found; the
    side of the smallest square holding them is the extent of that pixel's influence, which for a
    convolutional network equals the extent of the window an output pixel sees. The largest side over the four
    positions of a 2 x 2 block is returned (after a pooling, the window's alignment depends on the position).

    Parameters
    ----------
    model : object with ``predict(x, verbose=0)``
        A fully convolutional model mapping ``(B, size, size, 1)`` to the same shape.
    size : int, default 96
        Side of the test page; it must exceed the receptive field (and be a multiple of ``2**poolings``).
    seed : int, default 0
        Seed of the random test page.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If the influence reaches the border of the test page (pass a larger ``size``).

    Examples
    --------
    >>> from scipy import ndimage
    >>> class Blur:
    ...     def predict(self, x, verbose=0):
    ...         return ndimage.uniform_filter(x, size=(1, 5, 5, 1), mode="constant")
    >>> receptive_field(Blur(), size=32)
    5
    """
    if not callable(getattr(model, "predict", None)):
        raise ValueError(
            f"model must have a predict(x, verbose=0) method (e.g. a keras.Model), got {type(model).__name__}"
        )
    size = _check_int(size, "size", 8, 2048)
    seed = _check_seed(seed)
    base = np.random.default_rng(seed).uniform(0.2, 0.8, size=(size, size)).astype(np.float32)
    c = size // 2
    batch = [base]
    for dy in (0, 1):
        for dx in (0, 1):
            page = base.copy()
            page[c + dy, c + dx] = 1.0 if base[c + dy, c + dx] < 0.5 else 0.0
            batch.append(page)
    out = np.asarray(model.predict(np.stack(batch)[..., None], verbose=0), dtype=np.float64)
    if out.shape != (5, size, size, 1):
        raise ValueError(
            f"model returned shape {out.shape} for input of shape {(5, size, size, 1)}; it must be fully "
            "convolutional with an output of its input's shape"
        )
    sides = []
    for k in range(1, 5):
        rows, cols = np.nonzero(np.abs(out[k, ..., 0] - out[0, ..., 0]) > 1e-6)
        if rows.size == 0:
            continue
        if rows.min() == 0 or cols.min() == 0 or rows.max() == size - 1 or cols.max() == size - 1:
            raise ValueError(
                f"the influence of one pixel reaches the border of a {size}-pixel page; pass a larger size"
            )
        sides.append(max(rows.max() - rows.min(), cols.max() - cols.min()) + 1)
    if not sides:
        raise ValueError("changing an input pixel changed no output: is the model constant (dead units)?")
    return int(max(sides))


# ------------------------------------------------------------------------------------------- scores, baseline
def page_rmse(clean: Sequence[np.ndarray], pred: Sequence[np.ndarray]) -> np.ndarray:
    """Root mean squared error over each page's pixels, one per page (lower is better).

    The Kaggle competition scored one RMSE over all pixels of all pages instead: :func:`pooled_rmse`.

    .. math:: \\mathrm{RMSE} = \\sqrt{\\tfrac{1}{HW} \\sum_{i, j} (y_{ij} - \\hat y_{ij})^2}

    Parameters
    ----------
    clean, pred : sequence of numpy.ndarray
        Targets and predictions in [0, 1], pairwise of the same shape (H, W).

    Returns
    -------
    numpy.ndarray of float64, shape (len(clean),)
        One RMSE per page; ``.mean()`` is the mean per-page RMSE.

    Examples
    --------
    >>> page_rmse([np.ones((2, 2))], [np.full((2, 2), 0.75)]).tolist()
    [0.25]
    """
    clean, pred = _check_pairs(clean, pred, "clean", "pred")
    return np.array(
        [
            np.sqrt(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
            for a, b in zip(clean, pred, strict=True)
        ]
    )


def threshold_pages(pages: Sequence[np.ndarray], threshold: float = 0.6) -> list[np.ndarray]:
    """The global-threshold baseline: white (1.0) where a pixel is brighter than ``threshold``, else black (0.0).

    On the real pages a threshold of 0.6 scores worse than the noisy input itself (notebook 04 measures it): dark
    stains turn black and the grey edges of letters are lost.

    Parameters
    ----------
    pages : sequence of numpy.ndarray
        Pages in [0, 1], shape (H, W).
    threshold : float in [0, 1], default 0.6

    Returns
    -------
    list of numpy.ndarray of float32 (values 0.0 and 1.0)

    Examples
    --------
    >>> threshold_pages([np.array([[0.2, 0.7]])])[0].tolist()
    [[0.0, 1.0]]
    """
    pages = _check_pages(pages, "pages")
    threshold = _check_number(threshold, "threshold", 0.0, 1.0)
    return [(p > threshold).astype(np.float32) for p in pages]


def pooled_rmse(clean: Sequence[np.ndarray], pred: Sequence[np.ndarray]) -> float:
    """One root mean squared error over all the pixels of all the pages: the score of the Kaggle competition.

    .. math:: \\mathrm{RMSE} = \\sqrt{\\tfrac{1}{\\sum_p H_p W_p} \\sum_p \\sum_{i, j} (y_{pij} - \\hat y_{pij})^2}

    Unlike the mean of :func:`page_rmse`, every pixel weighs the same, so a tall page counts more than a short
    one, and the root is taken once, after pooling (by Jensen's inequality the pooled RMSE is never below the mean
    of the per-page RMSEs of pages of one size).

    Parameters
    ----------
    clean, pred : sequence of numpy.ndarray
        Targets and predictions in [0, 1], pairwise of the same shape (H, W).

    Returns
    -------
    float

    Examples
    --------
    >>> pooled_rmse([np.ones((1, 2)), np.ones((1, 2))], [np.ones((1, 2)), np.zeros((1, 2))])
    0.7071067811865476
    """
    clean, pred = _check_pairs(clean, pred, "clean", "pred")
    total = sum(
        float(np.sum((a.astype(np.float64) - b.astype(np.float64)) ** 2))
        for a, b in zip(clean, pred, strict=True)
    )
    return float(np.sqrt(total / sum(a.size for a in clean)))


def divide_background(pages: Sequence[np.ndarray], size: int = 15) -> list[np.ndarray]:
    """The background-estimation baseline: divide each page by a large median filter of itself.

    A median over a ``size`` x ``size`` window is mostly paper when the letters' strokes are thinner than half the
    window, so it estimates the page *without* its text: the paper's shade, stains and folds. Dividing the page
    by it sets the paper to white (1.0) and leaves the text, darker than its surroundings, dark; results are clipped
    to [0, 1]. Dirt thinner than the window, or sharper than its edges, survives.

    Parameters
    ----------
    pages : sequence of numpy.ndarray
        Pages in [0, 1], shape (H, W).
    size : int, default 15
        Side of the median filter's square window in pixels, odd, in [3, 101].

    Returns
    -------
    list of numpy.ndarray of float32

    Examples
    --------
    >>> page = np.full((20, 20), 0.5, np.float32); page[10, 5:15] = 0.1  # a grey page with a dark stroke
    >>> out = divide_background([page], size=7)[0]
    >>> float(out[0, 0]), round(float(out[10, 10]), 2)
    (1.0, 0.2)
    """
    from skimage.filters import rank

    pages = _check_pages(pages, "pages")
    size = _check_int(size, "size", 3, 101)
    if size % 2 == 0:
        raise ValueError(f"size must be odd (a window centred on its pixel), got {size}")
    window = np.ones((size, size), dtype=bool)
    out = []
    for page in pages:
        u8 = np.rint(page * 255).astype(np.uint8)
        background = rank.median(u8, window).astype(np.float32)  # on the 8 bits of the scans: fast and exact
        out.append(np.clip(u8 / np.maximum(background, 1.0), 0.0, 1.0).astype(np.float32))
    return out


# ----------------------------------------------------------------------------------------------- synthetic pages
_VOCABULARY = """
the of and to in is that for it as was with be by on not he this are or his from at which but have an they
one you were her all she there would their we him been has when who will more no if out so said what up its
about into than them can only other new some could time these two may then do first any my now such like our
over man me even most made after also did many before must through back years where much your way well down
should because each just those people how too little state good very make world still own see men work long
get here between both life being under never day same another know while last might us great old year off
come since against go came right used take three states himself few house use during without again place
around however home small found thought went say part once general high upon school every does left number
course war until always away something fact though water less public put think almost hand enough far took
head yet government system better set told nothing night end why called find going look asked later
point knew city next program business give group toward young days let room president side social given
present several order national possible rather second face per among form important often things early
become large need big four within felt along children saw best church ever least power development light
method page paper text noise filter image letter print scan clean dark line word field value pixel figure
table section result data model error sample shape size level edge simple small first rule ruler guide
sheet form quality process test train layer network mean median closing opening
"""
_WORDS: tuple[str, ...] = tuple(dict.fromkeys(_VOCABULARY.split()))


def _font_file(italic: bool) -> str:
    """Path of DejaVu Serif (normal or italic) as shipped inside matplotlib: no system font is used."""
    import matplotlib

    name = "DejaVuSerif-Italic.ttf" if italic else "DejaVuSerif.ttf"
    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name)


def _sentence(rng: np.random.Generator) -> list[str]:
    words = [_WORDS[i] for i in rng.integers(0, len(_WORDS), size=int(rng.integers(5, 17)))]
    words[0] = words[0].capitalize()
    for j in range(len(words) - 1):
        if rng.random() < 0.08:
            words[j] += ","
    words[-1] += "." if rng.random() < 0.9 else ":"
    return words


def _render_text(rng: np.random.Generator, height: int, width: int, font_size: float | None) -> np.ndarray:
    """Ink coverage (1 = ink) of typed paragraphs on a height x width page, rendered with matplotlib's Agg."""
    import matplotlib

    # a notebook's style (other hinting, kerning) must not change the pages: pin what measuring and drawing read
    pinned = ("text.antialiased", "text.hinting", "text.hinting_factor", "text.kerning_factor")
    defaults = matplotlib.rcParamsDefault
    with matplotlib.rc_context({key: defaults[key] for key in pinned if key in defaults}):
        return _typeset(rng, height, width, font_size)


def _typeset(rng: np.random.Generator, height: int, width: int, font_size: float | None) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    italic = bool(rng.random() < 0.5)
    spacing = rng.uniform(1.22, 1.38)  # baseline-to-baseline pitch in ems
    if font_size is None:  # as on the real scans: 11-12 lines on 258 pixels, larger type on taller pages
        size = rng.uniform(20.5, 23.5) * max(1.0, height / 258) ** 0.75 / spacing
    else:
        size = float(font_size)  # em in pixels
    pitch = size * spacing
    left = rng.uniform(3.0, 14.0)
    if rng.random() < 0.6:  # a crop of a wider page: lines run off the right edge
        right = width + rng.uniform(1.0, 4.0) * size
    else:
        right = width - rng.uniform(4.0, 24.0)
    indent = size * rng.uniform(1.5, 3.0)
    baseline = size * rng.uniform(0.95, 1.45)
    descent = 0.3 * size

    dpi = 72  # 1 point = 1 pixel
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    prop = FontProperties(fname=_font_file(italic), size=size)
    renderer = canvas.get_renderer()
    widths: dict[str, float] = {}

    def measure(s: str) -> float:
        if s not in widths:
            widths[s] = renderer.get_text_width_height_descent(s, prop, ismath=False)[0]
        return widths[s]

    space = measure("x x") - measure("xx")
    words: list[str] = []
    para_left = 0 if rng.random() < 0.5 else int(rng.integers(1, 6))  # lines left in the first paragraph
    while baseline + descent <= height:
        if para_left == 0:  # a new paragraph: indented first line, a new sentence
            para_left = int(rng.integers(3, 10))
            x0 = left + indent
            words = []
        else:
            x0 = left
        para_left -= 1
        last = para_left == 0
        limit = left + rng.uniform(0.25, 0.9) * (right - left) if last else right
        line: list[str] = []
        x = x0
        while True:
            if not words:
                words = _sentence(rng)
            w = measure(words[0])
            if line and x + w > limit:
                break
            line.append(words.pop(0))
            x += w + space
        if last and not line[-1].endswith((".", ":")):
            line[-1] = line[-1].rstrip(",") + "."
        fig.text(
            x0 / width,
            1 - baseline / height,
            " ".join(line),
            fontproperties=prop,
            va="baseline",
            color="black",
        )
        baseline += pitch
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    ink = 1.0 - rgba[:height, :width, 0].astype(np.float32) / 255.0
    if ink.shape != (height, width):  # the canvas rounds its size; never by more than a pixel
        ink = np.pad(ink, ((0, height - ink.shape[0]), (0, width - ink.shape[1])))
    return ink


def _interpolation_matrix(n: int, step: float) -> tuple[sparse.csr_matrix, int]:
    """Sparse (n, m) matrix spreading m coarse grid values (spacing ``step``) over n pixels with a Gaussian kernel."""
    m = int(np.ceil(n / step)) + 6
    pos = np.arange(n) / step + 3.0
    cols = np.floor(pos).astype(np.int64)[:, None] + np.arange(-3, 4)[None, :]
    vals = np.exp(-0.5 * ((pos[:, None] - cols) / 0.9) ** 2)
    rows = np.repeat(np.arange(n), 7)
    return sparse.csr_matrix((vals.ravel(), (rows, cols.ravel())), shape=(n, m)), m


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], scale: float) -> np.ndarray:
    """Zero-mean, unit-variance random field varying over about ``scale`` pixels.

    White noise on a coarse grid (spacing ``scale / 2``), interpolated with a Gaussian kernel along each axis:
    two sparse matrix products, much faster than filtering or zooming a full-size field.
    """
    step = max(float(scale) / 2.0, 1.0)
    (ly, my), (lx, mx) = _interpolation_matrix(shape[0], step), _interpolation_matrix(shape[1], step)
    grid = rng.standard_normal((my, mx))
    field = np.asarray((lx @ (ly @ grid).T).T)
    field -= field.mean()
    return field / (field.std() + 1e-12)


def _coordinates(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    return yy.astype(np.float64), xx.astype(np.float64)


def _illumination(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Paper brightness: a base grey, a linear gradient and a slow shading (as from a scanner lamp)."""
    h, w = shape
    yy, xx = _coordinates(shape)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = ((xx - w / 2) * np.cos(angle) + (yy - h / 2) * np.sin(angle)) / max(h, w)
    base = rng.uniform(0.8, 0.95)
    return base + rng.uniform(0.0, 0.14) * ramp + rng.uniform(0.0, 0.04) * _smooth_noise(rng, shape, 160)


def _texture(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Paper texture: fine grain, a mottled pattern and, on some pages, the facets of crumpled paper."""
    grain = ndimage.gaussian_filter(rng.standard_normal(shape), rng.uniform(0.6, 1.4))
    grain /= grain.std() + 1e-12
    mottle = _smooth_noise(rng, shape, rng.uniform(6, 20))
    out = rng.uniform(0.005, 0.03) * grain + rng.uniform(0.0, 0.02) * mottle
    if rng.random() < 0.5:
        out += rng.uniform(0.01, 0.04) * _crumpled(rng, shape)
    return out


def _crumpled(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Shading of crumpled paper: flat facets (Voronoi cells) lit at different angles, sharp creases between them.

    Unit standard deviation, zero mean.
    """
    h, w = shape
    k = int(rng.integers(30, 120))
    seeds = np.zeros(shape, dtype=bool)
    ys, xs = rng.integers(0, h, size=k), rng.integers(0, w, size=k)
    seeds[ys, xs] = True
    _, (iy, ix) = ndimage.distance_transform_edt(~seeds, return_indices=True)
    cell = np.zeros(shape, dtype=np.int64)
    cell[ys, xs] = np.arange(k)
    cell = cell[iy, ix]  # index of each pixel's facet
    level, gy, gx = rng.standard_normal((3, k))
    yy, xx = _coordinates(shape)
    shade = level[cell] + 0.02 * (gy[cell] * (yy - ys[cell]) + gx[cell] * (xx - xs[cell]))
    # bend the straight cell edges into irregular creases
    amount = rng.uniform(4.0, 12.0)
    warp = [yy + amount * _smooth_noise(rng, shape, 60), xx + amount * _smooth_noise(rng, shape, 60)]
    shade = ndimage.map_coordinates(shade, warp, order=1, mode="reflect")
    shade = ndimage.gaussian_filter(shade, 0.7)
    shade -= shade.mean()
    return shade / (shade.std() + 1e-12)


def _creases(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Folds across the page: a soft shading step with a thin dark line (and a highlight) along a wavy line."""
    h, w = shape
    yy, xx = _coordinates(shape)
    out = np.zeros(shape)
    for _ in range(int(rng.integers(1, 4))):
        angle = rng.uniform(0, np.pi)
        y0, x0 = rng.uniform(0, h), rng.uniform(0, w)
        d = (xx - x0) * np.cos(angle) + (yy - y0) * np.sin(angle)
        d += rng.uniform(0.5, 3.0) * _smooth_noise(rng, shape, rng.uniform(40, 120))
        strength = np.clip(1 + 0.4 * _smooth_noise(rng, shape, 80), 0.2, None)
        width_ = rng.uniform(0.5, 1.3)
        step = rng.uniform(-0.05, 0.05) * (expit(d / rng.uniform(1.0, 6.0)) - 0.5)
        line = rng.uniform(0.02, 0.15) * np.exp(-((d / width_) ** 2))
        glint = rng.uniform(0.0, 0.06) * np.exp(-(((d - 2.5 * width_) / width_) ** 2))
        out += strength * (step - line + glint)
    return out


def _stains(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Darkening factor in [0, 1) of coffee rings, blotches and drops, with soft edges (0: no stain)."""
    h, w = shape
    yy, xx = _coordinates(shape)
    dark = np.zeros(shape)
    for _ in range(int(rng.integers(1, 5))):
        cy, cx = rng.uniform(-0.2, 1.2) * h, rng.uniform(-0.1, 1.1) * w
        r = np.hypot(yy - cy, xx - cx)
        kind = rng.random()
        if kind < 0.45:  # coffee ring: an arc of a wobbly band, crisp outside, fading inwards
            radius = rng.uniform(35, 140)
            r = r + rng.uniform(0.02, 0.06) * radius * _smooth_noise(rng, shape, rng.uniform(30, 80))
            band = expit((radius - r) / rng.uniform(0.6, 1.5)) * expit(
                (r - radius + rng.uniform(4, 14)) / 2.5
            )
            arc = np.cos(np.arctan2(yy - cy, xx - cx) - rng.uniform(0, 2 * np.pi))
            arc = np.clip((arc - rng.uniform(-1.0, 0.3)) * rng.uniform(1.0, 2.5), 0, 1)
            fill = rng.uniform(0.0, 0.06) * expit((radius - r) / 2.0)
            dark += rng.uniform(0.15, 0.5) * arc * band + fill
        elif kind < 0.8:  # blotch: an irregular patch with a fairly sharp edge and an uneven fill
            radius = rng.uniform(12, 60)
            level = 1 - r / radius + 0.3 * _smooth_noise(rng, shape, rng.uniform(15, 45))
            mask = expit(level / rng.uniform(0.02, 0.08))
            fill = 1 + 0.1 * _smooth_noise(rng, shape, rng.uniform(8, 20))
            dark += rng.uniform(0.08, 0.55) * mask * fill
        else:  # a few drops around a point
            for _ in range(int(rng.integers(2, 8))):
                dy, dx = rng.normal(0, 30, size=2)
                rd = np.hypot(yy - cy - dy, xx - cx - dx)
                dark += rng.uniform(0.15, 0.45) * expit((rng.uniform(1.5, 6.0) - rd) / 0.7)
    return np.clip(dark, 0.0, 0.8)


def synthetic_page(
    seed: int, *, height: int = 258, width: int = 540, font_size: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """One synthetic dirty document: typed paragraphs on stained, creased paper, and its clean target.

    The clean page is white paper (1.0) with lines of dark text (ink 0.0, anti-aliased edges) in DejaVu Serif,
    normal or italic (the font ships with matplotlib, so no system font is needed), words drawn from a built-in
    vocabulary, set as paragraphs with an indented first line; on most pages the lines run off the right edge,
    as on the real scans (which are crops of wider pages). The noisy page puts the same text on dirty paper:

    * a grey base level with a linear gradient and slow shading;
    * paper grain and mottling, and on about half of the pages the facets and creases of crumpled paper;
    * 1-4 stains: coffee rings (arcs), blotches with soft, darker edges, or small drops;
    * 1-3 folds: a thin dark line with a small shading step and highlight along a slightly wavy line;
    * ink that is a little lighter and blurred, then pixel noise; everything clipped to [0, 1].

    All randomness comes from ``numpy.random.default_rng(seed)``: the same seed gives byte-identical pages. The
    noisy-vs-clean RMSE is about 0.15 on average and 0.07-0.23 from page to page (real pages: mean 0.155, range
    0.12-0.21). A 258 x 540 page takes about 0.15 s.

    Parameters
    ----------
    seed : int
        Non-negative.
    height, width : int, default 258 and 540
        Page size in pixels, each in [64, 2048] (the real pages are 258 or 420 by 540).
    font_size : float, optional
        Font size (em) in pixels, in [8, 48] and at most height / 3. Default: random, such that lines are
        20.5-23.5 pixels apart (an em of 15-19 pixels, x-height 8-10) on pages up to 258 pixels high, as on the
        real scans (11-12 lines), and larger on taller pages (like the real 420-pixel pages).

    Returns
    -------
    noisy, clean : numpy.ndarray of float32, shape (height, width)

    Examples
    --------
    >>> noisy, clean = synthetic_page(0)
    >>> noisy.shape, clean.dtype, float(clean.max())
    ((258, 540), dtype('float32'), 1.0)
    >>> bool(np.array_equal(synthetic_page(0)[0], noisy))
    True
    """
    seed = _check_seed(seed)
    height = _check_int(height, "height", 64, 2048)
    width = _check_int(width, "width", 64, 2048)
    if font_size is not None:
        font_size = _check_number(font_size, "font_size", 8.0, 48.0)
        if font_size > height / 3:
            raise ValueError(
                f"font_size must be at most height / 3 = {height / 3:.4g} for text to fit, got {font_size:g}; "
                "use a smaller font_size or a larger height"
            )
    rng = np.random.default_rng(seed)
    shape = (height, width)
    ink = _render_text(rng, height, width, font_size)
    clean = np.clip(1.0 - ink, 0.0, 1.0).astype(np.float32)

    paper = _illumination(rng, shape) + _texture(rng, shape) + _creases(rng, shape)
    paper = paper * (1.0 - _stains(rng, shape))
    blurred = ndimage.gaussian_filter(ink, rng.uniform(0.2, 0.6))
    ink_level = rng.uniform(0.02, 0.15)
    alpha = np.clip(blurred * rng.uniform(0.93, 1.0), 0.0, 1.0)
    noisy = paper * (1.0 - alpha) + ink_level * alpha
    noisy = noisy + rng.uniform(0.005, 0.03) * rng.standard_normal(shape)
    return np.clip(noisy, 0.0, 1.0).astype(np.float32), clean


def synthetic_pages(
    n: int, *, seed: int = 0, heights: Sequence[int] = (258, 420), width: int = 540
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``n`` synthetic dirty documents (see :func:`synthetic_page`), alternating page heights.

    Page ``i`` has height ``heights[i % len(heights)]`` and its own seed, derived from ``(seed, i)`` with
    :class:`numpy.random.SeedSequence`, so page ``i`` is the same whatever ``n`` is.

    Parameters
    ----------
    n : int
        Number of pages (at least 1).
    seed : int, default 0
    heights : sequence of int, default (258, 420)
        Page heights in pixels, each in [64, 2048], used in turn.
    width : int, default 540

    Returns
    -------
    noisy, clean : list of numpy.ndarray of float32

    Examples
    --------
    >>> noisy, clean = synthetic_pages(2, seed=1)
    >>> [p.shape for p in noisy]
    [(258, 540), (420, 540)]
    """
    n = _check_int(n, "n", 1)
    seed = _check_seed(seed)
    if isinstance(heights, np.ndarray):
        heights = heights.tolist()
    if isinstance(heights, (str, bytes)) or not isinstance(heights, Sequence) or len(heights) == 0:
        raise ValueError(f"heights must be a non-empty sequence of ints, got {heights!r}")
    heights = [_check_int(h, f"heights[{i}]", 64, 2048) for i, h in enumerate(heights)]
    width = _check_int(width, "width", 64, 2048)
    noisy, clean = [], []
    for i in range(n):
        page_seed = int(np.random.SeedSequence([seed, i]).generate_state(1)[0])
        x, y = synthetic_page(page_seed, height=heights[i % len(heights)], width=width)
        noisy.append(x)
        clean.append(y)
    return noisy, clean
