"""Checks for the exercises of notebook 02 (deep autoencoders).

How they check, without holding the answers: 02.1 measures the bytes, of the images as stored and of the codes the
encoder returns for a few of them; 02.2 finds the fitted normal's 99% region by simulation (a large sample of that
normal, and the density level that 99% of the sample lies above) and counts the test codes above that level; 02.3
measures the error of your model on the test images itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from course_utils.checks import NotYet, answered, as_number, exercise, require


@exercise("02.1")
def exercise_1(storage_ratio, *, images, encoder, n_encode: int = 8) -> str:
    """``storage_ratio``: bytes of the raw test images (as loaded) over bytes of their codes from ``encoder``."""
    from course_utils.data import to_float

    answered(storage_ratio, "storage_ratio", "a float, raw bytes / code bytes")
    value = as_number(storage_ratio, "storage_ratio")
    require(
        value > 0, f"`storage_ratio` is a ratio of two sizes in bytes, so it is positive: got {value:.3g}"
    )
    images = np.asarray(images)
    raw_bytes = images.nbytes  # the images as they are stored
    codes = np.asarray(encoder.predict(to_float(images[:n_encode]), verbose=0))
    per_code = codes.nbytes / len(codes)  # what one image's code takes, as the encoder returns it
    reference = raw_bytes / (per_code * len(images))
    if np.isclose(value, reference, rtol=1e-6):
        return f"the codes take {value:.2f}x less space than the pixels (the decoder is stored once on top)"
    code_numbers = codes[0].size
    require(
        not np.isclose(value, 1 / reference, rtol=1e-6),
        "that is code bytes / raw bytes: the ratio asked is the other way round",
    )
    require(
        not np.isclose(value, images[0].size / code_numbers, rtol=1e-6),
        f"that compares how many numbers are stored, not bytes: a {images.dtype.name} pixel (as loaded) and a "
        f"{codes.dtype.name} code value do not take the same number of bytes",
    )
    require(
        not np.isclose(value, raw_bytes / (8 * code_numbers * len(images)), rtol=1e-6),
        f"the codes are {codes.dtype.name}, not float64: count the bytes of a {codes.dtype.name} value",
    )
    raise NotYet(
        f"that is not raw bytes / code bytes: count the bytes of one test image's {images[0].size} "
        f"{images.dtype.name} pixels and of one code of {code_numbers} {codes.dtype.name} numbers "
        "(the number of images cancels out)"
    )


_SIMULATED = 400_000  # samples of the fitted normal that locate its 99% region


def _share_inside(codes: np.ndarray, mean: np.ndarray, cov: np.ndarray, level: float) -> float:
    """The share of ``codes`` in the region where the density of N(mean, cov) is highest, holding ``level`` of its
    mass, found by simulation: the density level that ``level`` of a large sample of that normal lies above."""
    from scipy.stats import multivariate_normal

    normal = multivariate_normal(mean, cov)
    sample = np.random.default_rng(0).multivariate_normal(mean, cov, size=_SIMULATED)
    threshold = np.quantile(normal.logpdf(sample), 1 - level)
    return float(np.mean(normal.logpdf(codes) > threshold))


@exercise("02.2")
def exercise_2(inside_fit, *, z_test, level: float = 0.99) -> str:
    """``inside_fit``: the share of the test codes inside the 99% ellipse of the normal fitted to them."""
    answered(inside_fit, "inside_fit", "a float in [0, 1], the share of the test codes inside the ellipse")
    share = as_number(inside_fit, "inside_fit")
    require(not (1 < share <= 100), "`inside_fit` looks like a percentage: store a fraction in [0, 1]")
    require(0 <= share <= 1, f"`inside_fit` is a share of the test codes, in [0, 1]: got {share:.3g}")
    codes = np.asarray(z_test, dtype=np.float64)
    mean, cov = codes.mean(axis=0), np.cov(codes, rowvar=False)
    reference = _share_inside(codes, mean, cov, level)
    tol = max(0.002, 3.0 / len(codes))  # the simulation's error, and codes on the boundary (< or <=)
    if abs(share - reference) <= tol:
        return f"{share:.1%} of the test codes lie inside the fitted normal's {level:.0%} ellipse"
    require(
        abs(share - (1 - reference)) > tol,
        "that is the share *outside* the ellipse: count the codes inside it",
    )
    require(
        abs(share - _share_inside(codes, mean, np.diag(np.diag(cov)), level)) > tol,
        "that ellipse has its axes along z_1 and z_2: the fitted normal's covariance has off-diagonal terms, and "
        "its ellipse is tilted with them (use the whole covariance matrix)",
    )
    require(
        abs(share - float(np.mean(np.linalg.norm(codes - mean, axis=1) < np.sqrt(-2 * np.log(1 - level)))))
        > tol,
        "that is a disc around the codes' mean: the fitted normal's ellipse has the codes' scale and shape, not "
        "the disc's",
    )
    raise NotYet(
        f"that is not the share of the test codes inside the fitted normal's {level:.0%} ellipse yet: the ellipse "
        "is where the map z = m + L u sends section 5's disc (L L^T = the codes' covariance); which codes are in it?"
    )


def _layers(model: Any) -> Iterator[Any]:
    """Every layer of ``model``, descending into nested models."""
    for layer in getattr(model, "layers", ()) or ():
        yield layer
        yield from _layers(layer)


@exercise("02.3")
def exercise_3(
    mse_no_dropout,
    model,
    *,
    x_test,
    with_dropout: float,
    max_mse: float,
    reference=None,
) -> str:
    """``mse_no_dropout``: the test MSE of ``model``, the convolutional autoencoder trained without dropout."""
    answered(mse_no_dropout, "mse_no_dropout", "the test MSE (a float) of the model trained without dropout")
    value = as_number(mse_no_dropout, "mse_no_dropout")
    require(0 < value < 1, f"an MSE of images in [0, 1] lies between 0 and 1: got {value:.3g}")
    answered(model, "ae_nd", "the autoencoder you trained without dropout")
    require(callable(getattr(model, "predict", None)), "`ae_nd` must be the Keras model you trained")
    for layer in _layers(model):
        rate = float(getattr(layer, "rate", 0.0) or 0.0)
        require(
            not ("Dropout" in type(layer).__name__ and rate > 0),
            f"layer {getattr(layer, 'name', '?')!r} of `ae_nd` still drops {rate:.0%} of its inputs: build both "
            "the encoder and the decoder with dropout=0.0",
        )
    if reference is not None:
        require(
            model.count_params() == reference.count_params(),
            "`ae_nd` is not the tutorial's architecture of section 1 (8-dimensional code, Leaky ReLU): only dropout should "
            "change",
        )
    require(
        not np.isclose(value, with_dropout, rtol=1e-9),
        "that is the test MSE of the model *with* dropout (tutorial_mse): store the new model's",
    )
    images = np.asarray(x_test)  # the error is measured here, on all the test images, from the model itself
    predicted = np.asarray(model.predict(images, verbose=0, batch_size=500), dtype=np.float64)
    measured = float(np.mean((predicted.reshape(len(images), -1) - images.reshape(len(images), -1)) ** 2))
    require(
        np.isclose(value, measured, rtol=1e-3),
        "`mse_no_dropout` is not the error of `ae_nd` on the test images: measure the new model on xt "
        "(test_mse)",
    )
    require(
        value < max(max_mse, 1.25 * with_dropout),  # the bar section 1's model clears, or about its error
        "the model without dropout reconstructs worse than section 1's model had to: train it with the same "
        "budget (x_conv, CONV_EPOCHS epochs, seed SEEDS[0])",
    )
    change = "lower" if value < with_dropout else "higher"
    return f"without dropout the test MSE is {value:.4f}, {change} than {with_dropout:.4f} with dropout"
