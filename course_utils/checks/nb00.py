"""Checks for the exercises of notebook 00 (welcome: modes, data and a first baseline)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from course_utils.checks import answered, as_array, exercise, require


def _class_means(images, labels, n_classes: int) -> np.ndarray:
    """Mean pixel value of each class's images (float64, whatever the images' dtype)."""
    images = np.asarray(images)
    per_image = images.reshape(len(images), -1).mean(axis=1, dtype=np.float64)
    labels = np.asarray(labels).astype(np.int64)
    return np.bincount(labels, weights=per_image, minlength=n_classes) / np.bincount(
        labels, minlength=n_classes
    )


@exercise("00.1")
def exercise_1(brightest, *, images, labels, classes: Sequence[str]) -> str:
    """``brightest``: the name of the Fashion-MNIST class with the highest mean pixel value."""
    answered(brightest, "brightest", "a class name from FASHION, e.g. 'Coat'")
    require(
        not isinstance(brightest, bool | int | np.integer),
        "`brightest` is a number: store the class *name*, FASHION[c], not its index c",
    )
    require(
        isinstance(brightest, str),
        f"`brightest` must be a class name (a string from FASHION), got {type(brightest).__name__}",
    )
    classes = [str(c) for c in classes]
    require(
        brightest in classes,
        f"{brightest!r} is not a Fashion-MNIST class name: pick one of FASHION (spelling and capitals count)",
    )
    means = _class_means(images, labels, len(classes))
    mine = means[classes.index(brightest)]
    require(
        mine > means.min() * (1 + 1e-6),
        "that is the *darkest* class: you want the class whose images have the largest mean pixel value",
    )
    require(
        mine >= means.max() * (1 - 1e-6),
        "not the brightest class yet: average all pixels of all training images of each class, then compare "
        "the ten averages (a class's mean image has the same mean as its images)",
    )
    darkest = classes[int(np.argmin(means))]
    return f"{brightest}, mean pixel {mine:.3f}; the darkest class, {darkest}, has {means.min():.3f}"


@exercise("00.2")
def exercise_2(confusion, *, y_true, y_pred) -> str:
    """``confusion``: the 10×10 confusion matrix (rows: true class, columns: predicted class) of the baseline."""
    answered(confusion, "confusion", "an int array of shape (10, 10)")
    counts = as_array(confusion, "confusion", shape=(10, 10))
    rows = counts.sum(axis=1)
    require(
        not (np.all(counts >= 0) and np.allclose(rows[rows > 0], 1.0) and np.any(counts % 1 != 0)),
        "the rows add up to 1: store the raw counts of test images, not fractions",
    )
    require(
        np.all(counts >= 0) and np.all(counts == np.round(counts)),
        "a confusion matrix counts images: its entries are whole numbers, 0 or more",
    )
    y_true = np.asarray(y_true).astype(np.int64).ravel()
    y_pred = np.asarray(y_pred).astype(np.int64).ravel()
    reference = np.bincount(10 * y_true + y_pred, minlength=100).reshape(10, 10)
    require(
        counts.sum() == len(y_true),
        f"the entries add up to {counts.sum():.0f}, but every test image must be counted exactly once "
        "(use the test labels and the baseline's predictions `pred`)",
    )
    transposed = np.array_equal(counts, reference.T) and not np.array_equal(reference, reference.T)
    require(
        not transposed,
        "rows and columns are swapped: row i is the true class, column j the predicted class",
    )
    require(
        np.trace(counts) == np.trace(reference),
        "the diagonal must count the test images that the baseline classified correctly",
    )
    require(
        np.array_equal(counts, reference),
        "the diagonal is right but some off-diagonal counts are not: entry [i, j] counts the test images of "
        "true class i that were predicted as class j",
    )
    return f"{np.trace(counts):.0f} of {len(y_true)} test images on the diagonal"
