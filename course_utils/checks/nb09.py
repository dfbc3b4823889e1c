"""Checks for the exercises of notebook 09 (beyond the VAE).

How the answers are checked (not what they are): 09.1 by counting the referee's calls on the notebook's CVAE
samples; 09.2 by sampling the learner's CVAE again, with more draws, and comparing within Monte Carlo error; 09.3 by
decompressing the learner's codes (each must give back its image), reading the level from the zlib header and
counting the pairs of the AUROC.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from course_utils.checks import NotYet, answered, as_number, exercise, require


def _to_numpy(t: Any) -> np.ndarray:
    """A model output (backend tensor or array) as a float64 NumPy array."""
    if not hasattr(t, "__array__"):
        import keras

        t = keras.ops.convert_to_numpy(t)
    return np.asarray(t, dtype=np.float64)


@exercise("09.1")
def exercise_1(confused_as, confused_share, *, asked, seen, classes: Sequence[str]) -> str:
    """``confused_as``: the class the referee most often names for the samples of the hardest class (the one it
    recognises least often); ``confused_share``: the share of that class's samples it gives to ``confused_as``.

    ``asked`` and ``seen`` are the requested and the referee's classes of the notebook's CVAE samples.
    """
    answered(confused_as, "confused_as", "a class name from FASHION (e.g. 'Bag')")
    answered(confused_share, "confused_share", "a share of the hardest class's samples, a float in [0, 1]")
    require(
        not isinstance(confused_as, (int, np.integer)),
        "`confused_as` is a class index: store the class name, FASHION[index]",
    )
    classes = list(classes)
    require(
        confused_as in classes,
        f"`confused_as` must be one of the class names of FASHION, got {confused_as!r}",
    )
    share = as_number(confused_share, "confused_share")
    require(
        share >= 0 and share <= 1,
        f"`confused_share` must be a fraction in [0, 1], got {share:g} (not a count, not a percentage)",
    )
    asked, seen = np.asarray(asked).astype(int), np.asarray(seen).astype(int)
    per_class = np.array([np.mean(seen[asked == c] == c) for c in range(len(classes))])
    hardest = [int(c) for c in np.flatnonzero(np.isclose(per_class, per_class.min(), atol=1e-12))]
    chosen = classes.index(confused_as)
    require(
        chosen not in hardest,
        f"{confused_as} is the hardest class itself: look for the class the referee names INSTEAD",
    )
    fits = []
    for h in hardest:
        calls = np.bincount(seen[asked == h], minlength=len(classes))
        calls[h] = 0  # only the wrong calls
        if calls[chosen] == calls.max():
            fits.append((h, calls))
    name = classes[hardest[0]]
    require(
        fits,
        f"the referee names another class more often than {confused_as} for the samples asked as {name}: count "
        "its classes for those samples only",
    )
    h, calls = fits[0]
    name, asked_h = classes[h], int(np.sum(asked == h))
    if not math.isclose(share, calls[chosen] / asked_h, abs_tol=1e-9):
        require(
            not math.isclose(share, calls[chosen] / max(calls.sum(), 1), abs_tol=1e-9),
            f"that is a share of the wrong calls only: divide by ALL the samples asked as {name}",
        )
        require(
            not math.isclose(share, calls.sum() / asked_h, abs_tol=1e-9),
            f"that counts every wrong call: count only those the referee calls {confused_as}",
        )
        raise NotYet(
            f"`confused_share` is not the share of the {name} samples that the referee calls {confused_as}"
        )
    return f"{name} samples become {confused_as} {share:.0%} of the time"


def _same_class_fraction(
    cvae: Any, referee: Any, items: np.ndarray, labels: np.ndarray, spread: float, repeats: int, seed: int
) -> float:
    """Fraction of CVAE variations z = mu + spread * sigma * eps that the referee puts in the item's class."""
    onehot = np.eye(10, dtype=np.float32)[labels]
    mu, log_var = (_to_numpy(t) for t in cvae.encoder([items, onehot], training=False))
    eps = np.random.default_rng(seed).standard_normal((repeats, *mu.shape))
    z = (mu + spread * np.exp(0.5 * log_var) * eps).reshape(-1, mu.shape[-1]).astype(np.float32)
    logits = _to_numpy(cvae.decoder([z, np.tile(onehot, (repeats, 1))], training=False))
    images = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
    seen = _to_numpy(referee(images, training=False)).argmax(axis=1)
    return float(np.mean(seen == np.tile(labels, repeats)))


@exercise("09.2")
def exercise_2(cvae_same_class, *, cvae, referee, items, labels, n_variations: int, plain: float) -> str:
    """``cvae_same_class``: the fraction of the CVAE's spread-4 variations that the referee puts in the item's class."""
    answered(cvae_same_class, "cvae_same_class", "a fraction in [0, 1]")
    value = as_number(cvae_same_class, "cvae_same_class")
    require(
        0 <= value <= 1, f"`cvae_same_class` must be a fraction in [0, 1], got {value:g} (not a percentage)"
    )
    items = np.asarray(items, dtype=np.float32)
    labels = np.asarray(labels).astype(int)
    repeats = 3 * n_variations  # the reference averages over 3x more draws than the answer, to be less noisy
    reference = _same_class_fraction(cvae, referee, items, labels, 4.0, repeats, seed=1)
    n, n_ref = len(items) * n_variations, len(items) * repeats
    p = min(max(reference, 0.05), 0.95)
    tolerance = (
        4.5 * math.sqrt(p * (1 - p) * (1 / n + 1 / n_ref)) + 0.01
    )  # two independent Monte Carlo estimates
    if abs(value - reference) > tolerance:
        at_one = _same_class_fraction(cvae, referee, items, labels, 1.0, repeats, seed=2)
        require(
            abs(value - at_one) > abs(value - reference),
            "this looks like the posterior's own spread (s = 1): the exercise asks for z = mu + 4 sigma eps",
        )
        require(
            value < reference,
            "higher than the CVAE gives at spread 4: check that the noise is 4 sigma (z_log_var is the log-VARIANCE) "
            "and freshly drawn for every variation",
        )
        raise NotYet(
            "lower than the CVAE gives at spread 4: encode AND decode with each item's own one-hot label, and "
            "compare the referee's class with the item's label y_test"
        )
    return (
        f"the CVAE keeps the class for {value:.0%} of its variations at s = 4, the plain VAE for {plain:.0%}"
    )


def _pair_auroc(labels: np.ndarray, scores: np.ndarray) -> float:
    """P(a random anomaly scores above a random normal image), ties counted half: counted over all pairs."""
    normal = np.sort(scores[labels == 0])
    anomalies = scores[labels == 1]
    below = np.searchsorted(normal, anomalies, side="left")
    tied = np.searchsorted(normal, anomalies, side="right") - below
    return float((below.sum() + 0.5 * tied.sum()) / (len(normal) * len(anomalies)))


def _decodes_to(code: Any, image: np.ndarray) -> bool:
    """Whether a zlib code decompresses to the binary image, one byte per pixel or eight pixels per byte."""
    try:
        raw = zlib.decompress(bytes(code))
    except (zlib.error, TypeError, ValueError):
        return False
    pixels = image.astype(np.uint8)
    return raw in (pixels.tobytes(), np.packbits(pixels).tobytes())


@exercise("09.3")
def exercise_3(
    auc_complexity,
    code_nats,
    codes,
    *,
    labels,
    neg_elbo,
    images,
    grey_neg_elbo=None,
    grey_images=None,
) -> str:
    """``auc_complexity``: the AUROC of S(x) = -ELBO(x) - L(x) on binarized images, L(x) the length ``code_nats`` (in
    nats) of a zlib code ``codes[i]`` of each binary image (one byte per pixel, or ``np.packbits``), level 9.

    The check does not compress anything: it verifies that every code decodes back to its image, reads the
    compression level from the zlib header, converts the codes' lengths itself and counts the pairs of the AUROC.
    ``grey_neg_elbo`` and ``grey_images`` (optional): the grey-level model's scores and images, to recognise an
    answer computed from those.
    """
    answered(
        auc_complexity, "auc_complexity", "the AUROC of the complexity-corrected score, a float in [0, 1],"
    )
    answered(code_nats, "code_nats", "the length in nats of each image's zlib code, an array")
    answered(codes, "codes", "the zlib codes (bytes) of the binary images, a list")
    value = as_number(auc_complexity, "auc_complexity")
    require(0 <= value <= 1, f"an AUROC is a probability in [0, 1], got {value:g}")
    labels = np.asarray(labels).astype(int)
    neg_elbo = np.asarray(neg_elbo, dtype=np.float64)
    images = np.asarray(images, dtype=np.float64).reshape(len(labels), -1)
    require(
        bool(np.all((images == 0) | (images == 1))),
        "`images` must be the binarized test images (pixels 0 or 1), np.r_[x_test_bin, m_test_bin]",
    )
    n = len(images)
    require(
        isinstance(codes, (list, tuple)) and len(codes) == n,
        f"`codes` must be a list of {n} zlib codes (bytes), one per image of np.r_[x_test_bin, m_test_bin]",
    )
    bad = [i for i, (c, x) in enumerate(zip(codes, images, strict=True)) if not _decodes_to(c, x)]
    if bad:
        if grey_images is not None:
            grey = np.round(np.asarray(grey_images, dtype=np.float64).reshape(n, -1) * 255).astype(np.uint8)
            i = bad[0]
            try:
                require(
                    zlib.decompress(bytes(codes[i])) != grey[i].tobytes(),
                    "these are codes of the grey 8-bit images: the -ELBO of the binarized model is a code length "
                    "of the BINARY image, so code the binary images",
                )
            except (zlib.error, TypeError, ValueError):
                pass
        raise NotYet(
            f"{len(bad)} of the {n} codes do not decompress to their binary image (the first: codes[{bad[0]}]): "
            "store each image of np.r_[x_test_bin, m_test_bin] in that order as uint8 bytes (one per pixel, or "
            "np.packbits) and keep zlib.compress's output"
        )
    levels = {bytes(c)[1] >> 6 for c in codes}  # zlib header: 3 = the maximum compression (levels 7 to 9)
    require(
        levels == {3}, "the codes were not compressed at level 9 (their zlib headers say so): ask for level 9"
    )
    lengths = np.array([len(bytes(c)) for c in codes], dtype=np.float64)
    nats = np.asarray(code_nats, dtype=np.float64) if np.ndim(code_nats) else np.zeros(0)
    require(
        nats.shape == (n,),
        f"`code_nats` must hold one length per image ({n}), got shape {np.shape(code_nats)}",
    )
    nats_per_byte = 8 * math.log(2)
    if not np.allclose(nats, lengths * nats_per_byte, rtol=1e-9):
        require(not np.allclose(nats, lengths), "`code_nats` holds lengths in bytes; -ELBO is in nats")
        require(not np.allclose(nats, 8 * lengths), "`code_nats` holds lengths in bits; -ELBO is in nats")
        require(
            not np.allclose(nats, 8 * lengths / math.log(2)),
            "bits to nats the wrong way round: one nat is log2(e), about 1.44, bits",
        )
        raise NotYet("`code_nats` is not the length of `codes` in nats, image by image")
    reference = _pair_auroc(labels, neg_elbo - nats)
    if abs(value - reference) > 1e-6:
        mistakes = [
            (neg_elbo, "that is the AUROC of -ELBO alone: subtract the code length L(x) from it"),
            (-nats, "that is the AUROC of the compressor alone (-L): subtract L from the model's -ELBO"),
            (
                nats - neg_elbo,
                "your score points the wrong way: S = -ELBO - L, with higher S = more anomalous",
            ),
            (neg_elbo + nats, "L must be SUBTRACTED from -ELBO, not added"),
        ]
        if grey_neg_elbo is not None:
            mistakes.append(
                (
                    np.asarray(grey_neg_elbo, dtype=np.float64) - nats,
                    "the -ELBO comes from the grey-level model: use the binarized model's scores, fashion_vs_mnist_bin",
                )
            )
        for score, hint in mistakes:
            require(abs(value - _pair_auroc(labels, score)) > 1e-6, hint)
        raise NotYet(
            "not the AUROC of S = -ELBO - L for the binarized Fashion model with binarized digits as anomalies: "
            "use the scores of fashion_vs_mnist_bin['-ELBO'] and your code_nats, image by image in the same order"
        )
    before = _pair_auroc(labels, neg_elbo)
    return f"AUROC {value:.3f} with the complexity correction, {before:.3f} with -ELBO alone"
