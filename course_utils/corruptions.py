"""Corruptions for denoising: salt-and-pepper, Gaussian noise, coarse dropout, blur.

This is the only module of the course that imports ``imgaug``. The original imgaug 0.4.0 does not import under
NumPy 2 (it uses ``np.sctypes``, removed in NumPy 2.0); the maintained fork ``imaug`` (``pip install imaug``)
keeps the same package name and API, so ``import imgaug.augmenters as iaa`` works unchanged.

Every function takes float images in [0, 1] of shape ``(N, H, W)`` or ``(N, H, W, 1)``, returns float32 of the
same shape, and is deterministic given ``seed``. imgaug works on 8-bit images, so values are rounded to the
nearest multiple of 1/255 on the way (exact for MNIST-style data, which comes as 8-bit).
"""

from __future__ import annotations

import imgaug.augmenters as iaa
import numpy as np


def _to_uint8(x, name: str = "x") -> tuple[np.ndarray, tuple[int, ...]]:
    x = np.asarray(x)
    if x.dtype == np.uint8:
        raise ValueError(f"{name} must be float images in [0, 1], got uint8; divide by 255 first")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{name} must be a float array in [0, 1], got dtype {x.dtype}")
    shape = x.shape
    if x.ndim == 4 and shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(f"{name} must have shape (N, H, W) or (N, H, W, 1), got {shape}")
    if x.size and (not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1):
        raise ValueError(
            f"{name} must lie in [0, 1] (finite), got values in [{np.nanmin(x):.4g}, {np.nanmax(x):.4g}]"
        )
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
    >>> x = np.full((1, 28, 28), 128 / 255)
    >>> 0.05 < np.mean(salt_and_pepper(x, 0.1, seed=0) != x) < 0.15
    True
    """
    amount = _check_fraction(amount, "amount")
    return apply(iaa.SaltAndPepper(amount, seed=_check_seed(seed)), x)


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
