"""Checks for the exercises of notebook 08 (variational autoencoders)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from course_utils.checks import NotYet, answered, answered_function, as_array, as_number, exercise, require


def _to_numpy(t: Any) -> np.ndarray:
    """A model output (backend tensor or array) as a float64 NumPy array."""
    if not hasattr(t, "__array__"):
        import keras

        t = keras.ops.convert_to_numpy(t)
    return np.asarray(t, dtype=np.float64)


def _tutorial_beta_by_measurement(latent_dim: int, n_pixels: int) -> float:
    """The beta that makes the tutorial's loss equal (recon + beta KL) / n_pixels, solved for on random tensors."""
    rng = np.random.default_rng(latent_dim * 1000 + n_pixels)
    x, x_hat = rng.random((6, n_pixels)), rng.uniform(0.05, 0.95, (6, n_pixels))
    z_mu, z_log_var = rng.normal(size=(6, latent_dim)), rng.normal(size=(6, latent_dim))
    bce_mean = -np.mean(x * np.log(x_hat) + (1 - x) * np.log(1 - x_hat), axis=1)  # keras binary_crossentropy
    tutorial_loss = bce_mean - 5e-4 * np.mean(1 + z_log_var - z_mu**2 - np.exp(z_log_var), axis=1)
    recon = bce_mean * n_pixels  # nats per image, summed over pixels
    kl = 0.5 * np.sum(z_mu**2 + np.exp(z_log_var) - 1 - z_log_var, axis=1)  # nats, summed over dimensions
    return float(np.mean((tutorial_loss * n_pixels - recon) / kl))


@exercise("08.1")
def exercise_1(tutorial_beta) -> str:
    """``tutorial_beta(latent_dim, n_pixels=784)``: the beta of the popular tutorial's loss, in nats per image."""
    answered_function(tutorial_beta, "tutorial_beta", probe=(2,))

    def beta(latent_dim: int, n_pixels: int | None = None) -> float:
        args = (latent_dim,) if n_pixels is None else (latent_dim, n_pixels)
        try:
            out = tutorial_beta(*args)
        except Exception as err:  # noqa: BLE001 - any error in the learner's code is a hint, not a crash here
            raise NotYet(f"`tutorial_beta{args}` failed with {type(err).__name__}: {err}") from None
        return as_number(out, f"tutorial_beta{args}")

    ours, reference = beta(2), _tutorial_beta_by_measurement(2, 784)
    require(
        ours > 0,
        "beta weighs the KL in the loss and must be positive: mind the sign of the tutorial's KL term",
    )
    ratio = ours / reference
    require(
        not math.isclose(ratio, 0.5, rel_tol=1e-6) and not math.isclose(ratio, 2.0, rel_tol=1e-6),
        "off by a factor of 2: the tutorial's bracket (1 + log var - mu^2 - var) summed over the dimensions is "
        "-2 KL, not -KL",
    )
    require(
        not math.isclose(ratio, 1 / 784, rel_tol=1e-3) and not math.isclose(ratio, 784, rel_tol=1e-3),
        "the tutorial's reconstruction is a MEAN over the pixels: multiply its whole loss by n_pixels to get the "
        "reconstruction summed over pixels, and see what the KL weight becomes",
    )
    require(
        math.isclose(ratio, 1.0, rel_tol=1e-6),
        "not the tutorial's beta for latent_dim = 2: write the tutorial's loss times n_pixels as recon + beta * KL",
    )
    dims = (1, 3, 16, 32, 64)
    ours_dims = np.array([beta(n) for n in dims])
    require(
        not np.allclose(ours_dims, ours),
        "tutorial_beta gives the same value for every latent size, but the tutorial AVERAGES its KL term over the latent "
        "dimensions while the KL sums over them",
    )
    require(
        np.allclose(ours_dims, [_tutorial_beta_by_measurement(n, 784) for n in dims], rtol=1e-6),
        "right for latent_dim = 2 but not for other sizes: how does a mean over n dimensions relate to a sum?",
    )
    ours_pixels = np.array([beta(16, p) for p in (100, 3072)])
    require(
        np.allclose(ours_pixels, [_tutorial_beta_by_measurement(16, p) for p in (100, 3072)], rtol=1e-6),
        "use the n_pixels argument instead of the number 784 (a 32 x 32 x 3 image has 3072 pixel values)",
    )
    return (
        f"beta_tutorial = {ours:.4f} for n = 2, {beta(32):.4f} for n = 32: the prior matters less as n grows"
    )


def _neg_bounds(lw: np.ndarray, ks: Sequence[int]) -> np.ndarray:
    """-L_k (mean over images) from log-weights (k_max, N) for each k, with a stable log-mean-exp."""
    out = []
    for k in ks:
        a = lw[:k]
        top = a.max(axis=0)
        out.append(-np.mean(top + np.log(np.mean(np.exp(a - top), axis=0))))
    return np.array(out)


def _k_grid(k_max: int) -> list[int]:
    """k = 1, 2, 4, ... doubling up to ``k_max``, ending with ``k_max`` itself when it is not a power of 2."""
    ks = [2**i for i in range(int(math.log2(k_max)) + 1)]
    return ks if ks[-1] == k_max else [*ks, k_max]


@exercise("08.2")
def exercise_2(bound_curve, *, lw, k_max: int) -> str:
    """``bound_curve``: -L_k in nats (mean over images) for k = 1, 2, 4, ... up to ``k_max``, from log-weights."""
    answered(bound_curve, "bound_curve", "an array of -L_k, one value per k = 1, 2, 4, ..., k_max")
    ks = _k_grid(int(k_max))
    n_k = len(ks)
    values = np.asarray(bound_curve, dtype=np.float64) if np.ndim(bound_curve) else np.zeros(0)
    listed = ", ".join(str(k) for k in ks) if n_k <= 6 else f"1, 2, 4, ..., {ks[-2]}, {ks[-1]}"
    require(
        values.shape == (n_k,),
        f"`bound_curve` must hold one value per k = {listed}: {n_k} values, got shape {np.shape(bound_curve)}",
    )
    require(
        np.all(np.isfinite(values)),
        "`bound_curve` contains inf or NaN: exp of log-weights around -100 nats underflows to 0; use a stable "
        "log-mean-exp (cu.distributions.log_mean_exp)",
    )
    require(
        np.all(values > 0),
        "store -L_k, the negative bound, in positive nats per image (like the table above), not L_k",
    )
    lw = np.asarray(lw, dtype=np.float64)
    reference = _neg_bounds(lw, ks)
    require(
        abs(values[0] - reference[0]) < 1e-3,
        "the first value (k = 1) must be the single-sample bound -L_1 of the table above, the negative ELBO",
    )
    require(
        not np.allclose(values[1:], [-lw[:k].mean() for k in ks[1:]], atol=1e-3),
        "averaging the log-weights gives the ELBO for every k: average the weights themselves inside the log "
        "(log-mean-exp over the k samples of each image)",
    )
    require(
        not np.allclose(values, reference - np.log(ks), atol=1e-3),
        "each value is off by log k: average the k weights inside the log, do not sum them",
    )
    require(
        np.allclose(values, reference, atol=1e-3),
        "not -L_k for every k: for each k take the first k samples lw[:k] of every image, log-mean-exp over those "
        "samples, then average over the images and negate",
    )
    return f"the ELBO (k = 1) is {values[0] - values[-1]:.2f} nats looser than -L_{ks[-1]}"


@exercise("08.3")
def exercise_3(
    images,
    *,
    clf,
    target_class: int,
    classes: Sequence[str],
    min_fraction: float,
    x_real=None,
    name: str = "trousers",
) -> str:
    """``images`` (the learner's variable ``name``): 12 generated images (12, 28, 28, 1) of class ``target_class``.

    The classifier ``clf`` (images -> logits) should call at least ``min_fraction`` of them ``classes[target_class]``;
    ``min_fraction=0`` checks only the form of the answer (for a classifier too little trained to judge).
    """
    answered(images, name, "12 generated images of shape (12, 28, 28, 1)")
    target = classes[target_class]
    x = as_array(images, name)
    require(
        x.shape == (12, 28, 28, 1),
        f"`{name}` must be 12 images of shape (12, 28, 28, 1), got {x.shape}: ask generate_class for n=12 "
        "(and reshape flat images)",
    )
    require(
        x.min() >= 0 and x.max() <= 1,
        "pixel values must be in [0, 1]: decode to probabilities (the sigmoid of the decoder's logits)",
    )
    flat = x.reshape(12, -1)
    require(
        np.ptp(flat, axis=0).max() > 1e-3,
        "the 12 images are identical: each needs its own noise draw around the class centroid",
    )
    if x_real is not None:
        real = np.asarray(x_real, dtype=np.float32).reshape(len(x_real), -1)
        small = flat.astype(np.float32)
        nearest = ((small**2).sum(1)[:, None] - 2 * small @ real.T + (real**2).sum(1)[None]).argmin(axis=1)
        rmse = np.sqrt(np.mean((flat - real[nearest].astype(np.float64)) ** 2, axis=1))
        require(
            rmse.min() > 1e-3,
            "some of these are real images from the dataset: generate new ones by decoding codes (generate_class)",
        )
    predicted = _to_numpy(clf(x.astype(np.float32))).argmax(axis=1)
    fraction = float(np.mean(predicted == target_class))
    most = int(np.bincount(predicted, minlength=len(classes)).argmax())
    require(
        min_fraction == 0 or fraction > 0 or most == target_class,
        f"the classifier sees mostly {classes[most]}, no {target}: ask generate_class for the class index of "
        f"'{target}' (classes.index('{target}'))",
    )
    require(
        fraction >= min_fraction,
        f"only {fraction:.0%} look like {target} to the classifier (mostly {classes[most]}): generate around the "
        f"{target} codes' centroid with the class's own spread (scale=1)",
    )
    return f"{fraction:.0%} of the 12 recognised as {target}"
