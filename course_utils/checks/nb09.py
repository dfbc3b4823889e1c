"""Checks for the exercises of notebook 09 (beyond the VAE)."""

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
def exercise_1(hardest, hardest_acc, *, asked, seen, classes: Sequence[str]) -> str:
    """``hardest``: the class name whose CVAE samples the referee recognises least often; ``hardest_acc``: that rate."""
    answered(hardest, "hardest", "a class name from FASHION, e.g. 'Bag'")
    answered(hardest_acc, "hardest_acc", "the referee's accuracy on that class's samples, a float in [0, 1]")
    require(
        not isinstance(hardest, (int, np.integer)),
        "`hardest` is a class index: store the class name, FASHION[index]",
    )
    accuracy = as_number(hardest_acc, "hardest_acc")
    require(
        0 <= accuracy <= 1, f"`hardest_acc` must be a fraction in [0, 1], got {accuracy:g} (not a percentage)"
    )
    classes = list(classes)
    require(hardest in classes, f"`hardest` must be one of the class names of FASHION, got {hardest!r}")
    asked, seen = np.asarray(asked), np.asarray(seen)
    per_class = np.array([np.mean(seen[asked == c] == c) for c in range(len(classes))])
    chosen = classes.index(hardest)
    require(
        chosen != int(np.argmax(per_class)) or np.ptp(per_class) == 0,
        f"the referee recognises {hardest} MOST often: look for the class with the lowest accuracy",
    )
    require(
        math.isclose(per_class[chosen], per_class.min(), abs_tol=1e-12),
        f"another class is recognised less often than {hardest}: compare all ten entries of per_class_acc",
    )
    require(
        not math.isclose(accuracy, float(np.mean(seen == asked)), abs_tol=1e-9)
        or math.isclose(accuracy, per_class[chosen], abs_tol=1e-9),
        "that is the accuracy over all classes: store the accuracy on the samples asked for this one class",
    )
    require(
        math.isclose(accuracy, per_class[chosen], abs_tol=1e-6),
        f"`hardest_acc` is not the fraction of {hardest} samples the referee calls {hardest}: read it from "
        "per_class_acc at the class's index",
    )
    return f"{hardest}: the referee recognises {accuracy:.0%} of its samples"


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
            "higher than the CVAE gives at spread 4: sample z = mu + 4 * sigma * eps with sigma = "
            "exp(0.5 * z_log_var) and fresh eps for every variation",
        )
        raise NotYet(
            "lower than the CVAE gives at spread 4: encode AND decode with each item's own one-hot label, and "
            "compare the referee's class with the item's label y_test"
        )
    return (
        f"the CVAE keeps the class for {value:.0%} of its variations at s = 4, the plain VAE for {plain:.0%}"
    )


def _compressed_nats(images: np.ndarray) -> np.ndarray:
    """Length of each image under zlib at level 9, in nats.

    Binary images (all pixels 0 or 1) are stored as one byte (0 or 1) per pixel, the exercise's recipe; grey images
    in [0, 1] as their 8-bit levels round(x * 255).
    """
    images = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    binary = bool(np.all((images == 0) | (images == 1)))
    pixels = (images if binary else np.round(images * 255)).astype(np.uint8)
    return np.array([8 * math.log(2) * len(zlib.compress(row.tobytes(), 9)) for row in pixels])


def _auroc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: the probability that a random positive scores above a random negative."""
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    positive = labels == 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@exercise("09.3")
def exercise_3(auc_complexity, *, labels, neg_elbo, images, grey_neg_elbo=None, grey_images=None) -> str:
    """``auc_complexity``: the AUROC of S(x) = -ELBO(x) - L(x) (L: zlib length in nats) on binarized images.

    ``neg_elbo`` and ``images`` are the binarized model's scores and the binary images they score; ``grey_neg_elbo``
    and ``grey_images`` (optional) the grey-level model's, to recognise an answer computed from those.
    """
    answered(
        auc_complexity, "auc_complexity", "the AUROC of the complexity-corrected score (a float in [0, 1])"
    )
    value = as_number(auc_complexity, "auc_complexity")
    require(0 <= value <= 1, f"an AUROC is a probability in [0, 1], got {value:g}")
    labels = np.asarray(labels).astype(int)
    neg_elbo = np.asarray(neg_elbo, dtype=np.float64)
    images = np.asarray(images, dtype=np.float64)
    require(
        bool(np.all((images == 0) | (images == 1))),
        "`images` must be the binarized test images (pixels 0 or 1), np.r_[x_test_bin, m_test_bin]",
    )
    length = _compressed_nats(images)
    reference = _auroc(labels, neg_elbo - length)
    if abs(value - reference) > 0.01:
        nats_per_byte, nats_per_bit = 8 * math.log(2), math.log(2)
        mistakes = [
            (neg_elbo, "that is the AUROC of -ELBO alone: subtract the compressed length L(x) from it"),
            (-length, "that is the AUROC of the compressor alone (-L): subtract L from the model's -ELBO"),
            (
                length - neg_elbo,
                "your score points the wrong way: S = -ELBO - L, with higher S = more anomalous",
            ),
            (neg_elbo + length, "L must be SUBTRACTED from -ELBO, not added"),
            (
                neg_elbo - length / nats_per_byte,
                "L is in bytes: convert to nats (8 bits per byte, log 2 nats per bit)",
            ),
            (neg_elbo - length / nats_per_bit, "L is in bits: convert to nats (log 2 nats per bit)"),
        ]
        if grey_neg_elbo is not None and grey_images is not None:
            grey_neg_elbo = np.asarray(grey_neg_elbo, dtype=np.float64)
            grey_length = _compressed_nats(grey_images)
            mistakes += [
                (
                    grey_neg_elbo - grey_length,
                    "that uses the grey-level model and 8-bit images: its Bernoulli -ELBO is no code length of the "
                    "8-bit image, so the two terms are not in the same units. Use the binarized model's scores "
                    "(fashion_vs_mnist_bin) and the binary images",
                ),
                (
                    grey_neg_elbo - length,
                    "the -ELBO comes from the grey-level model: use the binarized model's scores, fashion_vs_mnist_bin",
                ),
            ]
        for score, hint in mistakes:
            require(abs(value - _auroc(labels, score)) > 1e-3, hint)
        raise NotYet(
            "not the AUROC of S = -ELBO - L for the binarized Fashion model with binarized digits as anomalies: "
            "compress each binary image as one byte per pixel (b.astype(np.uint8)) at level 9 and use the scores "
            "of fashion_vs_mnist_bin['-ELBO']"
        )
    before = _auroc(labels, neg_elbo)
    return f"AUROC {value:.3f} with the complexity correction, {before:.3f} with -ELBO alone"
