"""Counting bits: JPEG's real sizes, a uniform quantizer, and code lengths of integer symbols (notebook 10).

A compressor is judged by its *rate* (bits per image) against its *distortion* (here PSNR). This module counts
the bits; the models that make the symbols stay in the notebook.

* :func:`jpeg_roundtrip` — encode 8-bit grey images with Pillow's JPEG writer: bits per image of the complete
  file or of the abbreviated stream (no quantization and Huffman tables, which a whole dataset would share), and
  the decoded images;
* :func:`quantize`, :func:`dequantize` — a uniform scalar quantizer (integer symbols and their reconstruction);
* :func:`categorical_model`, :func:`code_lengths_bits`, :func:`entropy_bits`, :func:`cross_entropy_bits` — ideal
  code lengths of integer symbols under a categorical model, one per position or shared by all positions
  (fitted on training symbols and evaluated on test symbols, the rate an arithmetic coder achieves to within a
  couple of bits per message);
* :func:`code_usage`, :func:`perplexity` — how many codes of a codebook are used, and how evenly;
* :func:`general_purpose_bits` — the length of a symbol stream after ``zlib`` or ``lzma`` (a real coder).
"""

from __future__ import annotations

import io
import lzma
import zlib

import numpy as np

__all__ = [
    "categorical_model",
    "code_lengths_bits",
    "code_usage",
    "cross_entropy_bits",
    "dequantize",
    "entropy_bits",
    "general_purpose_bits",
    "jpeg_roundtrip",
    "perplexity",
    "quantize",
]


def _symbols(a, name: str, n_symbols: int | None = None) -> np.ndarray:
    """``a`` as a 2-D int64 array (rows = images, columns = positions), validated."""
    a = np.asarray(a)
    if not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"{name} must be integer symbols, got dtype {a.dtype}; quantize real values first")
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim > 2:
        a = a.reshape(len(a), -1)
    if a.ndim != 2 or a.shape[0] == 0:
        raise ValueError(f"{name} must have shape (N,) or (N, positions...) with N >= 1, got {a.shape}")
    if n_symbols is not None and a.size and (a.min() < 0 or a.max() >= n_symbols):
        raise ValueError(
            f"{name} must lie in [0, {n_symbols - 1}] (n_symbols = {n_symbols}), got values in "
            f"[{a.min()}, {a.max()}]; shift or clip the symbols first"
        )
    return a.astype(np.int64, copy=False)


def _n_symbols(n_symbols) -> int:
    if isinstance(n_symbols, bool) or not isinstance(n_symbols, (int, np.integer)) or n_symbols < 1:
        raise ValueError(f"n_symbols must be a positive integer, got {n_symbols!r}")
    return int(n_symbols)


def jpeg_roundtrip(images, quality: int, *, abbreviated: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Encode grey 8-bit images as JPEG with Pillow; return bits per image and the decoded images in [0, 1].

    Parameters
    ----------
    images : numpy.ndarray of uint8, shape (N, H, W) or (N, H, W, 1)
        The images as stored (grey levels 0-255), not scaled floats.
    quality : int in [1, 95]
        Pillow's JPEG quality (the scale of the standard quantization tables).
    abbreviated : bool, default False
        False: the size of the complete JPEG file (headers, quantization and Huffman tables, image data).
        True: the abbreviated stream without the tables (Pillow's ``streamtype=2``), what each image costs when a
        dataset shares one set of tables. The decoded image is the same either way.

    Returns
    -------
    bits : numpy.ndarray of float, shape (N,)
        Eight times the number of bytes of each image's stream.
    decoded : numpy.ndarray of float32, shape like ``images``
        The decoded images, divided by 255.

    Examples
    --------
    >>> x = np.tile(np.arange(0, 224, 8, dtype=np.uint8), (1, 28, 1))
    >>> bits, x_hat = jpeg_roundtrip(x, 50)
    >>> bool(bits[0] > jpeg_roundtrip(x, 50, abbreviated=True)[0][0]), x_hat.shape
    (True, (1, 28, 28))
    """
    from PIL import Image

    a = np.asarray(images)
    if a.dtype != np.uint8:
        raise ValueError(
            f"images must be uint8 grey levels 0-255, got dtype {a.dtype}; use the stored images"
        )
    shape = a.shape
    if a.ndim == 4 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim != 3 or a.shape[0] == 0:
        raise ValueError(f"images must have shape (N, H, W) or (N, H, W, 1) with N >= 1, got {shape}")
    if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)) or not 1 <= quality <= 95:
        raise ValueError(f"quality must be an integer in [1, 95], got {quality!r}")
    bits = np.empty(len(a))
    decoded = np.empty(a.shape, np.float32)
    for i, img in enumerate(a):
        im = Image.fromarray(img)
        full = io.BytesIO()
        im.save(full, "JPEG", quality=int(quality))
        if abbreviated:
            short = io.BytesIO()
            im.save(short, "JPEG", quality=int(quality), streamtype=2)
            bits[i] = 8 * len(short.getvalue())
        else:
            bits[i] = 8 * len(full.getvalue())
        full.seek(0)
        decoded[i] = np.asarray(Image.open(full).convert("L"), dtype=np.float32) / 255.0
    return bits, decoded.reshape(shape)


def quantize(values, step: float) -> np.ndarray:
    """Uniform scalar quantizer: the integer symbols ``round(values / step)``.

    Examples
    --------
    >>> quantize(np.array([-0.26, 0.0, 0.74]), 0.5)
    array([-1,  0,  1])
    """
    v = np.asarray(values, dtype=np.float64)
    if not np.isfinite(step) or step <= 0:
        raise ValueError(f"step must be a finite positive number, got {step!r}")
    if not np.all(np.isfinite(v)):
        raise ValueError("values contain NaN or inf")
    return np.rint(v / step).astype(np.int64)


def dequantize(symbols, step: float) -> np.ndarray:
    """The reconstruction ``symbols * step`` of :func:`quantize` (an error of at most ``step / 2`` per value).

    Examples
    --------
    >>> dequantize(np.array([-1, 0, 1]), 0.5)
    array([-0.5,  0. ,  0.5])
    """
    s = np.asarray(symbols)
    if not np.issubdtype(s.dtype, np.integer):
        raise ValueError(f"symbols must be integers, got dtype {s.dtype}")
    if not np.isfinite(step) or step <= 0:
        raise ValueError(f"step must be a finite positive number, got {step!r}")
    return s.astype(np.float64) * step


def categorical_model(train, n_symbols: int, *, alpha: float = 0.5, per_position: bool = True) -> np.ndarray:
    """Probabilities of ``n_symbols`` symbols fitted by counting (plus ``alpha`` per symbol: additive smoothing).

    Parameters
    ----------
    train : array of int, shape (N,) or (N, positions...)
        Symbols in ``[0, n_symbols)``; one row per image.
    n_symbols : int
        The size of the alphabet (e.g. the codebook size K).
    alpha : float, default 0.5
        Pseudo-count added to every symbol, so that a symbol unseen in training still gets a finite code length.
    per_position : bool, default True
        One categorical per position (column), or one shared by all positions.

    Returns
    -------
    numpy.ndarray, shape (positions, n_symbols) or (1, n_symbols)
        Each row sums to 1.

    Examples
    --------
    >>> categorical_model(np.array([[0], [0], [1]]), 2, alpha=0.0)
    array([[0.66666667, 0.33333333]])
    """
    n_symbols = _n_symbols(n_symbols)
    t = _symbols(train, "train", n_symbols)
    if not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha must be a finite number >= 0, got {alpha!r}")
    cols = t if per_position else t.reshape(-1, 1)
    counts = np.zeros((cols.shape[1], n_symbols))
    for j in range(cols.shape[1]):
        counts[j] = np.bincount(cols[:, j], minlength=n_symbols)
    counts += alpha
    return counts / counts.sum(axis=1, keepdims=True)


def code_lengths_bits(probs, symbols) -> np.ndarray:
    """Ideal code length in bits of each row of ``symbols`` under ``probs`` (from :func:`categorical_model`).

    Returns
    -------
    numpy.ndarray, shape (N,)
        ``-sum_j log2 probs[j, symbols[i, j]]`` (a shared model, one row of ``probs``, serves every position);
        ``inf`` where a symbol has probability 0.

    Examples
    --------
    >>> code_lengths_bits(np.full((1, 4), 0.25), np.array([[0, 3, 2]]))
    array([6.])
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or not np.all(np.isfinite(p)) or p.min() < 0 or not np.allclose(p.sum(1), 1.0):
        raise ValueError(
            f"probs must be a (positions, n_symbols) array of rows summing to 1, got shape {p.shape}"
        )
    s = _symbols(symbols, "symbols", p.shape[1])
    if p.shape[0] not in (1, s.shape[1]):
        raise ValueError(f"probs has {p.shape[0]} rows (positions) but symbols have {s.shape[1]} positions")
    rows = np.zeros(s.shape[1], np.int64) if p.shape[0] == 1 else np.arange(s.shape[1])
    with np.errstate(divide="ignore"):
        return -np.log2(p[rows[None, :], s]).sum(axis=1)


def entropy_bits(symbols, n_symbols: int, *, per_position: bool = True) -> float:
    """Empirical (in-sample) entropy in bits per row: the code length of ``symbols`` under their own frequencies.

    It flatters: the model has seen the very symbols it codes. For an honest rate use :func:`cross_entropy_bits`.

    Examples
    --------
    >>> entropy_bits(np.arange(8)[:, None], 8)  # a uniform over 8 symbols: 3 bits
    3.0
    """
    probs = categorical_model(symbols, n_symbols, alpha=0.0, per_position=per_position)
    return float(code_lengths_bits(probs, symbols).mean())


def cross_entropy_bits(
    train, test, n_symbols: int, *, alpha: float = 0.5, per_position: bool = True, per_image: bool = False
):
    """Bits per row of ``test`` under a categorical model fitted on ``train`` (the honest rate of a code).

    Parameters
    ----------
    train, test : arrays of int, shape (N, positions...)
        Symbols in ``[0, n_symbols)``; the same positions in both.
    n_symbols : int
    alpha : float, default 0.5
        Additive smoothing of the training counts (see :func:`categorical_model`).
    per_position : bool, default True
    per_image : bool, default False
        Return each test row's code length instead of their mean.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 4, (2000, 3)), rng.integers(0, 4, (2000, 3))
    >>> round(cross_entropy_bits(a, b, 4), 1)  # three positions, 2 bits each
    6.0
    """
    te = _symbols(test, "test", _n_symbols(n_symbols))
    tr = _symbols(train, "train", n_symbols)
    if tr.shape[1] != te.shape[1]:
        raise ValueError(f"train and test must have the same positions, got {tr.shape[1]} and {te.shape[1]}")
    lengths = code_lengths_bits(categorical_model(tr, n_symbols, alpha=alpha, per_position=per_position), te)
    return lengths if per_image else float(lengths.mean())


def code_usage(indices, n_codes: int) -> np.ndarray:
    """How often each of ``n_codes`` codes occurs in ``indices`` (counts, length ``n_codes``).

    Examples
    --------
    >>> code_usage(np.array([[0, 0], [2, 0]]), 4)
    array([3, 0, 1, 0])
    """
    n_codes = _n_symbols(n_codes)
    return np.bincount(_symbols(indices, "indices", n_codes).ravel(), minlength=n_codes)


def perplexity(indices, n_codes: int) -> float:
    """``2 ** H`` of the codes' overall frequencies: the number of equally used codes with the same entropy.

    Examples
    --------
    >>> perplexity(np.array([0, 1, 2, 3]), 8)  # four codes used equally, four never
    4.0
    """
    counts = code_usage(indices, n_codes)
    p = counts[counts > 0] / counts.sum()
    return float(2.0 ** (-(p * np.log2(p)).sum()))


def general_purpose_bits(symbols, *, method: str = "lzma") -> float:
    """Bits of the whole symbol stream (row by row) compressed by ``zlib`` (level 9) or ``lzma`` (preset 9).

    Symbols in [0, 255] are written as one byte each, larger ones as two (little-endian uint16).

    Examples
    --------
    >>> general_purpose_bits(np.zeros((1000, 49), np.int64), method="zlib") < 1000 * 49 * 8 / 100
    True
    """
    s = _symbols(symbols, "symbols")
    if s.min() < 0 or s.max() > 65535:
        raise ValueError(f"symbols must lie in [0, 65535], got [{s.min()}, {s.max()}]; shift them first")
    data = s.astype(np.uint8 if s.max() < 256 else "<u2").tobytes()
    if method == "zlib":
        return 8.0 * len(zlib.compress(data, 9))
    if method == "lzma":
        return 8.0 * len(lzma.compress(data, preset=9))
    raise ValueError(f"method must be 'zlib' or 'lzma', got {method!r}")
