"""Corruptions for denoising: salt-and-pepper, Gaussian noise, coarse dropout, blur, and text watermarks.

:func:`salt_and_pepper_tf` draws the same salt-and-pepper noise with TensorFlow ops, for ``tf.data`` pipelines
that corrupt every batch afresh.

This is the only module of the course that imports ``imgaug``. The original imgaug 0.4.0 does not import under
NumPy 2 (it uses ``np.sctypes``, removed in NumPy 2.0); the maintained fork ``imaug`` (``pip install imaug``)
keeps the same package name and API, so ``import imgaug.augmenters as iaa`` works unchanged.

Every function takes float images in [0, 1] of shape ``(N, H, W)`` or ``(N, H, W, 1)``, returns float32 of the
same shape, and is deterministic given ``seed``. imgaug works on 8-bit images, so values are rounded to the
nearest multiple of 1/255 on the way (exact for MNIST-style data, which comes as 8-bit). :func:`add_watermark`
does not use imgaug: it renders text with a font that matplotlib ships (DejaVu Sans) and blends it in float.
"""

from __future__ import annotations

import imgaug.augmenters as iaa
import numpy as np

from course_utils._validate import check_unit_range, float_array


def _check_images(x, name: str = "x") -> tuple[np.ndarray, tuple[int, ...]]:
    """Validate float images in [0, 1] of shape (N, H, W) or (N, H, W, 1); return them as (N, H, W) and the shape."""
    x = float_array(x, name)
    shape = x.shape
    if x.ndim == 4 and shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(f"{name} must have shape (N, H, W) or (N, H, W, 1), got {shape}")
    check_unit_range(x, name)
    return x, shape


def _to_uint8(x, name: str = "x") -> tuple[np.ndarray, tuple[int, ...]]:
    x, shape = _check_images(x, name)
    return np.rint(x * 255).astype(np.uint8), shape


def _from_uint8(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return (np.asarray(x, dtype=np.float32) / 255.0).reshape(shape)


def _check_fraction(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return float(value)


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return int(seed)


def apply(augmenter: iaa.Augmenter, x) -> np.ndarray:
    """Apply any imgaug augmenter to float images in [0, 1] (shape kept, float32 returned).

    Examples
    --------
    >>> import imgaug.augmenters as iaa
    >>> apply(iaa.Fliplr(1.0), np.zeros((2, 4, 4))).shape
    (2, 4, 4)
    """
    if not isinstance(augmenter, iaa.Augmenter):
        raise ValueError(f"augmenter must be an imgaug Augmenter, got {type(augmenter).__name__}")
    u8, shape = _to_uint8(x)
    return _from_uint8(augmenter(images=u8), shape)


def salt_and_pepper(x, amount: float = 0.1, *, seed: int = 0) -> np.ndarray:
    """Replace a fraction ``amount`` of pixels by "salt or pepper" (``iaa.SaltAndPepper``).

    Each chosen pixel gets a value drawn from Beta(0.5, 0.5) on [0, 1]: a U-shaped law, so most replacements are
    nearly black or nearly white, but not exactly 0 or 1 (that is imgaug's definition).

    Parameters
    ----------
    x : array-like of float in [0, 1], shape (N, H, W) or (N, H, W, 1)
    amount : float in [0, 1], default 0.1
        Probability that a pixel is replaced.
    seed : int, default 0

    Examples
    --------
    >>> x = np.full((1, 28, 28), 128 / 255, dtype=np.float32)
    >>> bool(0.05 < np.mean(salt_and_pepper(x, 0.1, seed=0) != x) < 0.15)
    True
    """
    amount = _check_fraction(amount, "amount")
    return apply(iaa.SaltAndPepper(amount, seed=_check_seed(seed)), x)


def salt_and_pepper_tf(x, amount: float, seed):
    """Salt-and-pepper noise in TensorFlow ops, with the same law as :func:`salt_and_pepper`, for ``tf.data``.

    Inside a ``tf.data`` pipeline, every batch can get fresh noise at almost no cost (the work runs in TensorFlow's
    threads, overlapped with training), where imgaug would need a pass over the whole training set in Python.
    Each pixel is replaced with probability ``amount`` by ``sin(pi u / 2)^2`` with ``u`` uniform on [0, 1], which is
    exactly Beta(0.5, 0.5), the law imgaug's ``SaltAndPepper`` draws from, rounded to 8-bit levels as imgaug's
    output is.

    Parameters
    ----------
    x : tf.Tensor or array-like of float, values in [0, 1]
        Any shape (a batch ``(N, H, W, 1)`` typically). Values are not range-checked here (this runs inside a
        graph): check your data once with :func:`salt_and_pepper` or :func:`course_utils.data.to_float`.
    amount : float in [0, 1]
        Probability that a pixel is replaced.
    seed : tf.Tensor or sequence of two ints
        A stateless seed of shape ``(2,)``: the same seed gives the same noise. In a pipeline, zip the batches with
        ``tf.data.Dataset.random(seed=s, rerandomize_each_iteration=True).batch(2)`` to get a new seed per batch
        and per epoch.

    Returns
    -------
    tf.Tensor, same shape and dtype as ``x``

    Examples
    --------
    >>> y = salt_and_pepper_tf(np.full((2, 28, 28, 1), 0.5, np.float32), 0.1, seed=(1, 2))
    >>> tuple(y.shape), 0.05 < float(np.mean(y.numpy() != 0.5)) < 0.15
    ((2, 28, 28, 1), True)
    """
    import tensorflow as tf

    amount = _check_fraction(amount, "amount")
    x = tf.convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise ValueError(f"x must be float images in [0, 1], got dtype {x.dtype.name}; divide by 255 first")
    seed = tf.convert_to_tensor(seed)
    if seed.dtype not in (tf.int32, tf.int64) or seed.shape.rank != 1 or seed.shape[0] not in (None, 2):
        raise ValueError(
            f"seed must be two ints (shape (2,), int32 or int64), got {seed.dtype.name} {seed.shape}"
        )
    mask_seed, value_seed = tf.unstack(tf.random.experimental.stateless_split(seed, num=2))
    shape = tf.shape(x)
    replace = tf.random.stateless_uniform(shape, seed=mask_seed) < amount
    u = tf.random.stateless_uniform(shape, seed=value_seed)
    salt_or_pepper = (
        tf.round(tf.square(tf.sin(0.5 * np.pi * u)) * 255.0) / 255.0
    )  # Beta(1/2, 1/2), 8-bit levels
    return tf.where(replace, tf.cast(salt_or_pepper, x.dtype), x)


def gaussian_noise(x, sigma: float = 0.1, *, seed: int = 0) -> np.ndarray:
    """Add Gaussian noise of standard deviation ``sigma`` (in units of the [0, 1] range), then clip.

    Examples
    --------
    >>> y = gaussian_noise(np.full((4, 28, 28), 0.5), 0.1, seed=0)
    >>> 0.08 < float(np.std(y)) < 0.12
    True
    """
    sigma = _check_fraction(sigma, "sigma")
    return apply(iaa.AdditiveGaussianNoise(scale=sigma * 255, seed=_check_seed(seed)), x)


def coarse_dropout(x, p: float = 0.1, *, size_percent: float = 0.25, seed: int = 0) -> np.ndarray:
    """Black out rectangular blocks covering about a fraction ``p`` of the image (``iaa.CoarseDropout``).

    ``size_percent`` is the size of the coarse mask relative to the image (0.25 → 7×7 blocks of 4×4 pixels on 28×28).
    """
    p = _check_fraction(p, "p")
    size_percent = _check_fraction(size_percent, "size_percent")
    if size_percent == 0:
        raise ValueError("size_percent must be in (0, 1], got 0")
    return apply(iaa.CoarseDropout(p, size_percent=size_percent, seed=_check_seed(seed)), x)


def gaussian_blur(x, sigma: float = 1.0, *, seed: int = 0) -> np.ndarray:
    """Blur with a Gaussian kernel of standard deviation ``sigma`` pixels (``iaa.GaussianBlur``)."""
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.floating)) or not 0 <= sigma <= 10:
        raise ValueError(f"sigma must be a number of pixels in [0, 10], got {sigma!r}")
    return apply(iaa.GaussianBlur(sigma=float(sigma), seed=_check_seed(seed)), x)


def text_mask(text: str, height: int = 10, *, bold: bool = True) -> np.ndarray:
    """Render ``text`` in DejaVu Sans (shipped with matplotlib) as a coverage mask ``height`` pixels high.

    Parameters
    ----------
    text : str
        One line of text, at least one visible character.
    height : int, default 10
        Height of the mask in pixels (the glyphs' bounding box is scaled to it, anti-aliased).
    bold : bool, default True

    Returns
    -------
    numpy.ndarray of float32, shape (height, width)
        1 where ink covers a pixel fully, 0 where it does not touch it.

    Examples
    --------
    >>> m = text_mask("AE", height=10)
    >>> m.shape[0], m.dtype, float(m.max()) > 0.9
    (10, dtype('float32'), True)
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from skimage.transform import resize

    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text must be a non-empty string, got {text!r}")
    if isinstance(height, bool) or not isinstance(height, (int, np.integer)) or not 4 <= height <= 256:
        raise ValueError(f"height must be an int number of pixels in [4, 256], got {height!r}")
    size = 64  # render big, then scale down: smoother edges than rendering at a few pixels
    fig = Figure(figsize=(size * (len(text) + 2) / 100, 2 * size / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    fig.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        fontsize=size * 0.72,
        family="DejaVu Sans",
        weight="bold" if bold else "normal",
        color="black",
    )
    canvas.draw()
    ink = 1.0 - np.asarray(canvas.buffer_rgba())[..., 0].astype(np.float32) / 255.0
    rows, cols = np.flatnonzero(ink.max(axis=1) > 0.05), np.flatnonzero(ink.max(axis=0) > 0.05)
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    width = max(1, round(ink.shape[1] * height / ink.shape[0]))
    mask = resize(ink, (int(height), width), anti_aliasing=True, order=1)
    return np.clip(mask, 0.0, 1.0).astype(np.float32)


def add_watermark(
    x,
    text: str = "AE",
    *,
    opacity: float = 0.5,
    height: int = 10,
    colour: float = 1.0,
    seed: int = 0,
) -> np.ndarray:
    """Overlay a semi-transparent text watermark at a random position in each image.

    Each image gets the same text, at its own uniformly random position (fully inside the image), blended as

    .. math:: \\tilde x = (1 - \\alpha m) \\, x + \\alpha m \\, c

    where ``m`` is the text's coverage mask (:func:`text_mask`), ``alpha = opacity`` and ``c = colour``.

    Parameters
    ----------
    x : array-like of float in [0, 1], shape (N, H, W) or (N, H, W, 1)
    text : str, default "AE"
        The watermark; it must fit in the image at the given ``height``.
    opacity : float in [0, 1], default 0.5
        0 leaves the image unchanged; 1 paints the text opaque.
    height : int, default 10
        Text height in pixels.
    colour : float in [0, 1], default 1.0
        Grey level of the watermark (1 is white).
    seed : int, default 0
        Positions are drawn from ``numpy.random.default_rng(seed)``: same seed, same result.

    Returns
    -------
    numpy.ndarray of float32, same shape as ``x``

    Raises
    ------
    ValueError
        For images that are not float in [0, 1] of shape (N, H, W[, 1]), an opacity or colour outside [0, 1],
        or a text that does not fit in the image.

    Examples
    --------
    >>> x = np.zeros((3, 28, 28), dtype=np.float32)
    >>> y = add_watermark(x, "AE", opacity=0.5, seed=0)
    >>> y.shape, float(y.max()) <= 0.5 + 1e-6, bool((y > 0).any())
    ((3, 28, 28), True, True)
    """
    opacity = _check_fraction(opacity, "opacity")
    colour = _check_fraction(colour, "colour")
    rng = np.random.default_rng(_check_seed(seed))
    imgs, shape = _check_images(x)
    mask = text_mask(text, height)
    n, h, w = imgs.shape
    mh, mw = mask.shape
    if mh > h or mw > w:
        raise ValueError(
            f"text {text!r} renders {mh}x{mw} pixels at height {height}, larger than the {h}x{w} images; "
            "use a shorter text or a smaller height"
        )
    alpha = np.zeros((n, h, w), dtype=np.float32)
    tops = rng.integers(0, h - mh + 1, size=n)
    lefts = rng.integers(0, w - mw + 1, size=n)
    for i, (t, left) in enumerate(zip(tops, lefts, strict=True)):
        alpha[i, t : t + mh, left : left + mw] = opacity * mask
    out = (1.0 - alpha) * imgs.astype(np.float32) + alpha * np.float32(colour)
    return np.clip(out, 0.0, 1.0).astype(np.float32).reshape(shape)
