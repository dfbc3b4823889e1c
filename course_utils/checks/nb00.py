"""Checks for the exercises of notebook 00 (welcome: modes, data and a first baseline).

How they check, without holding the answers: 00.1 tests the ten brightness values you give by a property that only
the class means have (each class's pixels scatter around its value with residuals that sum to zero), then asks that
the class you name has the largest of *your* values. 00.2 tests the confusion matrix without building one: for
random weights ``u`` and ``v``, ``u @ C @ v`` must equal the sum of ``u[true] * v[predicted]`` over the test images,
an identity that only the right matrix satisfies for every ``u`` and ``v`` (Freivalds' test).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from course_utils.checks import answered, as_array, exercise, require

_CHUNK = 8192  # images per block when summing pixels


def _pixel_sums(images) -> np.ndarray:
    """The sum of each image's pixels, in float64 (whatever the images' dtype), block by block."""
    images = np.asarray(images)
    flat = images.reshape(len(images), -1)
    return np.concatenate(
        [flat[i : i + _CHUNK].sum(axis=1, dtype=np.float64) for i in range(0, len(flat), _CHUNK)]
    )


def _class_name(value, name: str, classes: list[str]) -> str:
    require(
        not isinstance(value, bool | int | np.integer),
        f"`{name}` is a number: store the class *name*, FASHION[c], not its index c",
    )
    require(
        isinstance(value, str),
        f"`{name}` must be a class name (a string from FASHION), got {type(value).__name__}",
    )
    require(
        value in classes,
        f"{value!r} is not a Fashion-MNIST class name: pick one of FASHION (spelling and capitals count)",
    )
    return value


@exercise("00.1")
def exercise_1(brightness, brightest, *, images, labels, classes: Sequence[str]) -> str:
    """``brightness``: the mean pixel value of each class (FASHION order); ``brightest``: the brightest's name."""
    answered(brightness, "brightness", "an array of 10 floats (each class's mean pixel value)")
    answered(brightest, "brightest", "a class name from FASHION, e.g. 'Coat'")
    classes = [str(c) for c in classes]
    values = as_array(brightness, "brightness", shape=(len(classes),))
    brightest = _class_name(brightest, "brightest", classes)

    labels = np.asarray(labels).astype(np.int64).ravel()
    sums = _pixel_sums(images)
    pixels = int(np.prod(np.shape(images)[1:]))
    require(
        not (values.max() > 1.5 and sums.max() <= pixels),
        "`brightness` looks like grey levels 0..255: use the images scaled to [0, 1] (`x`)",
    )
    # the residuals of a class's pixels about its value sum to zero only when the value is the class's mean
    residual = np.bincount(labels, weights=sums - pixels * values[labels], minlength=len(classes))
    scale = np.bincount(labels, weights=sums, minlength=len(classes)) + 1.0
    wrong = np.abs(residual) > 1e-5 * scale
    if wrong.any():
        names = ", ".join(classes[c] for c in np.flatnonzero(wrong))
        require(
            False,
            f"`brightness` is not each class's mean pixel value yet (wrong for {names}): brightness[c] belongs "
            "to class FASHION[c], and averages all pixels of all training images of that class, in [0, 1]",
        )
    mine = values[classes.index(brightest)]
    require(
        not (mine <= values.min() < values.max()),
        "that is the *darkest* class: you want the class whose images have the largest mean pixel value",
    )
    require(
        mine >= values.max(),
        "your `brightness` values are right, but `brightest` is not the class with the largest of them",
    )
    return f"{brightest}, mean pixel {mine:.3f}; the darkest class has {values.min():.3f}"


def _freivalds(counts: np.ndarray, rows: np.ndarray, cols: np.ndarray, trials: int = 4) -> bool:
    """True if ``u @ counts @ v == sum(u[rows] * v[cols])`` for ``trials`` random integer vectors u, v."""
    rng = np.random.default_rng(20240613)
    for _ in range(trials):
        u = rng.integers(1, 1 << 20, size=counts.shape[0], dtype=np.int64)
        v = rng.integers(1, 1 << 20, size=counts.shape[1], dtype=np.int64)
        if int(u @ counts @ v) != int(np.sum(u[rows] * v[cols])):
            return False
    return True


@exercise("00.2")
def exercise_2(confusion, pair, *, y_true, y_pred, classes: Sequence[str]) -> str:
    """``confusion``: the 10×10 confusion matrix of the baseline (rows: true class, columns: predicted class);
    ``pair``: the two different classes most often mistaken for each other (in either direction)."""
    answered(confusion, "confusion", "an int array of shape (10, 10)")
    answered(pair, "pair", "two class names from FASHION, e.g. ('Coat', 'Shirt')")
    classes = [str(c) for c in classes]
    k = len(classes)
    counts = as_array(confusion, "confusion", shape=(k, k))
    rows = counts.sum(axis=1)
    require(
        not (np.all(counts >= 0) and np.allclose(rows[rows > 0], 1.0) and np.any(counts % 1 != 0)),
        "the rows add up to 1: store the raw counts of test images, not fractions",
    )
    require(
        np.all(counts >= 0) and np.all(counts == np.round(counts)),
        "a confusion matrix counts images: its entries are whole numbers, 0 or more",
    )
    counts = counts.astype(np.int64)
    y_true = np.asarray(y_true).astype(np.int64).ravel()
    y_pred = np.asarray(y_pred).astype(np.int64).ravel()
    require(
        counts.sum() == len(y_true),
        f"the entries add up to {counts.sum()}, but every test image must be counted exactly once "
        "(use the test labels and the baseline's predictions `pred`)",
    )
    if not _freivalds(counts, y_true, y_pred):
        require(
            not _freivalds(counts, y_pred, y_true),
            "rows and columns are swapped: row i is the true class, column j the predicted class",
        )
        correct = y_true == y_pred
        require(
            _freivalds(np.diag(np.diag(counts)), y_true[correct], y_pred[correct]),
            "the diagonal must count, for each class, the test images that the baseline classified correctly",
        )
        require(
            False,
            "the diagonal is right but some off-diagonal counts are not: entry [i, j] counts the test images of "
            "true class i that were predicted as class j",
        )

    require(
        isinstance(pair, tuple | list) and len(pair) == 2,
        f"`pair` must be two class names, e.g. (FASHION[i], FASHION[j]), got {type(pair).__name__}",
    )
    a, b = (_class_name(p, "pair", classes) for p in pair)
    require(a != b, "`pair` names the same class twice: the pair asked is of two *different* classes")
    i, j = classes.index(a), classes.index(b)
    both = counts + counts.T
    np.fill_diagonal(both, 0)
    if both[i, j] < both.max():
        one_way = counts - np.diag(np.diag(counts))
        require(
            max(counts[i, j], counts[j, i]) < one_way.max(),
            "that pair has the largest count in one direction only: count the mistakes both ways, "
            "confusion[i, j] + confusion[j, i]",
        )
        require(
            False, "another pair of classes is mistaken for each other more often (both directions together)"
        )
    return f"{np.trace(counts)} of {len(y_true)} test images on the diagonal; {a} and {b} mixed up {both[i, j]} times"
