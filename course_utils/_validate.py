"""Input checks shared by the helper modules: float pixel values in [0, 1], with errors that say how to fix them."""

from __future__ import annotations

import numpy as np


def float_array(a, name: str, what: str = "images") -> np.ndarray:
    """``a`` as a floating-point array; uint8 pixels are refused with a hint to divide by 255.

    Parameters
    ----------
    a : array-like
    name : str
        How the argument is called in the error message, e.g. ``"x"`` or ``"clean[3]"``.
    what : str, default "images"
        What the argument holds, for the message ("images", "page", ...).

    Raises
    ------
    ValueError
        If the values are not floating point.

    Examples
    --------
    >>> float_array(np.zeros((2, 2), np.uint8), "x")
    Traceback (most recent call last):
    ...
    ValueError: x must be float images in [0, 1], got uint8; divide by 255 first
    """
    a = np.asarray(a)
    if a.dtype == np.uint8:
        raise ValueError(f"{name} must be float {what} in [0, 1], got uint8; divide by 255 first")
    if not np.issubdtype(a.dtype, np.floating):
        raise ValueError(f"{name} must be float {what} in [0, 1], got dtype {a.dtype}")
    return a


def check_unit_range(a: np.ndarray, name: str, *, tol: float = 0.0) -> None:
    """Raise a ``ValueError`` unless every value of ``a`` is finite and in ``[0, 1]`` (give or take ``tol``).

    Examples
    --------
    >>> check_unit_range(np.array([0.0, 1.5]), "x")
    Traceback (most recent call last):
    ...
    ValueError: x must lie in [0, 1], got values in [0, 1.5]; rescale it (e.g. np.clip or / 255)
    """
    if a.size == 0:
        return
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf; values must be finite and in [0, 1]")
    lo, hi = float(a.min()), float(a.max())
    if lo < -tol or hi > 1 + tol:
        raise ValueError(
            f"{name} must lie in [0, 1], got values in [{lo:.4g}, {hi:.4g}]; rescale it (e.g. np.clip or / 255)"
        )
