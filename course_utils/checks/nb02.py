"""Checks for the exercises of notebook 02 (deep autoencoders)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from course_utils.checks import NotYet, answered, as_array, as_number, exercise, require


@exercise("02.1")
def exercise_1(
    storage_ratio,
    *,
    latent_dim: int,
    image_shape: Sequence[int],
    pixel_dtype: Any,
    code_dtype: Any = "float32",
) -> str:
    """``storage_ratio``: bytes of the raw uint8 test images over bytes of their float32 codes of size n."""
    answered(storage_ratio, "storage_ratio", "a float, raw bytes / code bytes")
    value = as_number(storage_ratio, "storage_ratio")
    require(
        value > 0, f"`storage_ratio` is a ratio of two sizes in bytes, so it is positive: got {value:.3g}"
    )
    pixels = int(np.prod(image_shape))
    pixel_type, code_type = np.dtype(pixel_dtype), np.dtype(code_dtype)
    reference = (pixels * pixel_type.itemsize) / (latent_dim * code_type.itemsize)
    if np.isclose(value, reference, rtol=1e-6):
        return f"the codes take {value:.2f}x less space than the pixels (the decoder is stored once on top)"
    require(
        not np.isclose(value, 1 / reference, rtol=1e-6),
        "that is code bytes / raw bytes: the ratio asked is the other way round",
    )
    require(
        not np.isclose(value, pixels / latent_dim, rtol=1e-6),
        f"that compares how many numbers are stored, not bytes: a {pixel_type.name} pixel and a {code_type.name} "
        "code value do not take the same number of bytes",
    )
    require(
        not np.isclose(value, reference * code_type.itemsize / 8, rtol=1e-6),
        f"the codes are {code_type.name}, not float64: count the bytes of a {code_type.name} value",
    )
    raise NotYet(
        f"that is not raw bytes / code bytes: count the bytes of one test image's {pixels} {pixel_type.name} "
        f"pixels and of one code of {latent_dim} {code_type.name} numbers (the number of images cancels out)"
    )


@exercise("02.2")
def exercise_2(z_fit, far_fit, *, z_test, gap_factor: float, spacing: float) -> str:
    """``z_fit``: 1,000 samples of a normal fitted to the test codes; ``far_fit``: the fraction far from any code."""
    from course_utils.latent import nearest_distance

    answered(z_fit, "z_fit", "an array of 1,000 samples, shape (1000, 2)")
    answered(far_fit, "far_fit", "a float in [0, 1], the fraction of z_fit far from every code")
    samples = as_array(z_fit, "z_fit", shape=(1000, 2))
    fraction = as_number(far_fit, "far_fit")
    require(
        not (1 < fraction <= 100),
        "`far_fit` looks like a percentage: store a fraction in [0, 1]",
    )
    require(0 <= fraction <= 1, f"`far_fit` is a fraction of the samples, in [0, 1]: got {fraction:.3g}")

    codes = np.asarray(z_test, dtype=np.float64)
    mean, cov = codes.mean(axis=0), np.cov(codes, rowvar=False)
    whiten = np.linalg.inv(np.linalg.cholesky(cov))  # maps the codes' normal to N(0, I)
    white = (samples - mean) @ whiten.T
    standard = np.all(np.abs(samples.mean(axis=0)) < 0.15) and np.allclose(
        np.cov(samples, rowvar=False), np.eye(2), atol=0.25
    )
    require(
        not standard or np.allclose(cov, np.eye(2), atol=0.25),
        "z_fit looks like samples of N(0, I): use the mean and the covariance of the test codes z_test",
    )
    require(
        np.all(np.abs(white.mean(axis=0)) < 0.15),
        "the mean of z_fit is not that of the test codes: check the mean you gave the normal (one number per "
        "latent dimension, averaged over the codes)",
    )
    sample_cov = np.cov(samples, rowvar=False)
    correlation = cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])
    sample_correlation = sample_cov[0, 1] / np.sqrt(sample_cov[0, 0] * sample_cov[1, 1])
    require(
        not (abs(correlation) > 0.2 and abs(sample_correlation) < 0.07),
        "the two coordinates of z_fit are uncorrelated, but the test codes' are not: sample with their full "
        "covariance matrix, not one standard deviation per axis",
    )
    require(
        np.allclose(np.cov(white, rowvar=False), np.eye(2), atol=0.25),
        "the spread of z_fit does not match the test codes': the normal's covariance is the covariance of "
        "z_test (a 2×2 matrix of variances and covariance, not standard deviations)",
    )

    distance = nearest_distance(samples, codes)
    reference = float(np.mean(distance > gap_factor * spacing))
    tol = 1.5 / len(samples)  # one sample either way (> or >=)
    if abs(fraction - reference) > tol:
        require(
            abs(fraction - (1 - reference)) > tol,
            "that is the fraction of samples *near* a code: far_fit counts those farther than the threshold",
        )
        require(
            abs(fraction - float(np.mean(distance > spacing))) > tol,
            "measure the distance against GAP_FACTOR * nn_spacing, as for `far`",
        )
        raise NotYet(
            "`far_fit` is not the fraction of your z_fit samples farther than GAP_FACTOR * nn_spacing from every "
            "test code: measure it on z_fit itself (cu.latent.nearest_distance)"
        )
    return f"{fraction:.0%} of the fitted normal's samples land far from every code"


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
    n_check: int = 500,
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
    images = np.asarray(x_test)
    part = images[:n_check]
    predicted = np.asarray(model.predict(part, verbose=0), dtype=np.float64).reshape(len(part), -1)
    measured = float(np.mean((predicted - part.reshape(len(part), -1).astype(np.float64)) ** 2))
    exact = len(part) == len(images)
    require(
        np.isclose(value, measured, rtol=1e-3 if exact else 0.25),
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
