"""Checks of notebook 00: right answers pass, blank and typical wrong answers get their hint."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from course_utils.checks import NotYet, nb00
from course_utils.data import FASHION_MNIST_CLASSES as CLASSES

BRIGHTNESS = np.array([0.32, 0.22, 0.37, 0.26, 0.39, 0.13, 0.33, 0.17, 0.35, 0.30])  # Coat (4) brightest


class _Boom:
    """A notebook object that a check must not touch before rejecting a blank answer."""

    def __getattr__(self, name):
        raise AssertionError(f"the check touched {name!r} before rejecting the blank answer")


def test_the_checks_hold_no_reference_helper():
    source = inspect.getsource(nb00)
    assert "_class_means" not in source and "argmax" not in source and "np.add.at" not in source


@pytest.fixture
def images_and_labels():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 6)
    rng.shuffle(labels)
    images = np.clip(BRIGHTNESS[labels, None, None] + rng.normal(0, 0.01, (60, 5, 5)), 0, 1)
    return images.astype(np.float32), labels


def _means(images, labels) -> np.ndarray:
    """The reference, built here (tests are not installed): each class's mean pixel value."""
    return np.array([images[labels == c].astype(np.float64).mean() for c in range(10)])


# ------------------------------------------------------------------------------------------------ 00.1
def test_brightest_class_passes(images_and_labels, capsys):
    images, labels = images_and_labels
    means = _means(images, labels)
    assert nb00.exercise_1(means, "Coat", images=images, labels=labels, classes=CLASSES) is True
    assert capsys.readouterr().out.startswith("✓ 00.1 right: Coat")


def test_brightness_in_float32_passes(images_and_labels):
    images, labels = images_and_labels
    means = np.stack([images[labels == c].mean(axis=0) for c in range(10)]).mean(axis=(1, 2))  # float32
    nb00.exercise_1(means, "Coat", images=images, labels=labels, classes=CLASSES)


@pytest.mark.parametrize("blank", [(None, None), (BRIGHTNESS, None)], ids=["both", "brightest"])
def test_brightest_blank_is_caught_before_the_data_is_touched(blank):
    with pytest.raises(NotYet, match=r"^00\.1 not yet: `(brightness|brightest)` is still None"):
        nb00.exercise_1(*blank, images=_Boom(), labels=_Boom(), classes=CLASSES)


def test_brightest_as_an_index_asks_for_the_name():
    with pytest.raises(NotYet, match="not its index"):
        nb00.exercise_1(BRIGHTNESS, np.int64(4), images=_Boom(), labels=_Boom(), classes=CLASSES)


def test_brightest_misspelled_lists_where_names_are():
    with pytest.raises(NotYet, match="not a Fashion-MNIST class name"):
        nb00.exercise_1(BRIGHTNESS, "coat", images=_Boom(), labels=_Boom(), classes=CLASSES)


def test_brightness_of_the_wrong_length_says_so():
    with pytest.raises(NotYet, match=r"shape \(10,\)"):
        nb00.exercise_1(BRIGHTNESS[:9], "Coat", images=_Boom(), labels=_Boom(), classes=CLASSES)


@pytest.mark.parametrize(
    ("make", "hint"),
    [
        (lambda m: 255 * m, "grey levels"),
        (lambda m: np.sort(m), "wrong for"),
        (lambda m: m + 0.01, "not each class's mean"),
        (lambda m: np.full(10, m.mean()), "not each class's mean"),
    ],
    ids=["0-255", "sorted", "shifted", "overall-mean"],
)
def test_brightness_wrong_values_get_a_hint_without_the_answer(images_and_labels, make, hint):
    images, labels = images_and_labels
    means = _means(images, labels)
    with pytest.raises(NotYet, match=hint) as err:
        nb00.exercise_1(make(means), "Coat", images=images, labels=labels, classes=CLASSES)
    assert not any(f"{m:.3f}" in str(err.value) or f"{m:.2f}" in str(err.value) for m in means)


def test_brightness_of_the_median_pixel_is_not_the_mean(images_and_labels):
    images, labels = images_and_labels
    medians = np.array([np.median(images[labels == c]) for c in range(10)])
    with pytest.raises(NotYet, match="not each class's mean"):
        nb00.exercise_1(medians, "Coat", images=images, labels=labels, classes=CLASSES)


def test_brightness_from_uint8_images_passes():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 10, 200)
    images = rng.integers(0, 256, (200, 4, 4)).astype(np.uint8)
    means = _means(images, labels)
    name = CLASSES[int(np.argmax(means))]
    nb00.exercise_1(means, name, images=images, labels=labels, classes=CLASSES)


@pytest.mark.parametrize(
    ("answer", "hint"), [("Sandal", "darkest"), ("Pullover", "not the class with the largest")]
)
def test_brightest_wrong_class_gets_a_hint_without_the_answer(images_and_labels, answer, hint):
    images, labels = images_and_labels
    with pytest.raises(NotYet, match=hint) as err:
        nb00.exercise_1(_means(images, labels), answer, images=images, labels=labels, classes=CLASSES)
    assert "Coat" not in str(err.value)


# ------------------------------------------------------------------------------------------------ 00.2
@pytest.fixture
def predictions():
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 10, 300)
    y_pred = np.where(rng.random(300) < 0.6, y_true, rng.integers(0, 10, 300))
    y_pred[:40] = np.where(y_true[:40] == 4, 6, y_pred[:40])  # Coat is often taken for a Shirt
    confusion = np.zeros((10, 10), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        confusion[t, p] += 1
    return {"y_true": y_true, "y_pred": y_pred, "confusion": confusion}


def _pair(confusion) -> tuple[str, str]:
    both = confusion + confusion.T
    np.fill_diagonal(both, 0)
    i, j = np.unravel_index(both.argmax(), both.shape)
    return CLASSES[i], CLASSES[j]


def _call(confusion, pair, p):
    return nb00.exercise_2(confusion, pair, y_true=p["y_true"], y_pred=p["y_pred"], classes=CLASSES)


def test_confusion_passes(predictions, capsys):
    c = predictions["confusion"]
    assert _call(c, _pair(c), predictions) is True
    assert "✓ 00.2 right" in capsys.readouterr().out


def test_confusion_as_floats_and_pair_in_either_order_passes(predictions):
    c = predictions["confusion"]
    _call(c.astype(float), list(_pair(c))[::-1], predictions)


@pytest.mark.parametrize("blank", [(None, None), (np.zeros((10, 10)), None)], ids=["both", "pair"])
def test_confusion_blank_is_caught_before_the_data_is_touched(blank):
    with pytest.raises(NotYet, match=r"^00\.2 not yet: `(confusion|pair)` is still None"):
        nb00.exercise_2(*blank, y_true=_Boom(), y_pred=_Boom(), classes=CLASSES)


def test_confusion_of_the_wrong_shape_says_so():
    with pytest.raises(NotYet, match=r"shape \(10, 10\)"):
        nb00.exercise_2(np.zeros((9, 9)), ("Coat", "Shirt"), y_true=_Boom(), y_pred=_Boom(), classes=CLASSES)


def test_confusion_transposed_names_rows_and_columns(predictions):
    c = predictions["confusion"]
    with pytest.raises(NotYet, match="rows and columns are swapped"):
        _call(c.T, _pair(c), predictions)


def test_confusion_of_fractions_asks_for_counts(predictions):
    c = predictions["confusion"]
    with pytest.raises(NotYet, match="not fractions"):
        _call(c / c.sum(axis=1, keepdims=True), _pair(c), predictions)


def test_confusion_counting_images_twice_is_caught(predictions):
    c = predictions["confusion"]
    with pytest.raises(NotYet, match="exactly once"):
        _call(c + c.T, _pair(c), predictions)


def test_confusion_with_a_wrong_diagonal_points_there(predictions):
    c = predictions["confusion"].copy()
    c[0, 0] -= 1  # one correct image of class 0 counted as correct in class 1: same total, same trace
    c[1, 1] += 1
    with pytest.raises(NotYet, match="diagonal must count"):
        _call(c, _pair(predictions["confusion"]), predictions)


def test_confusion_with_wrong_off_diagonal_counts_points_there(predictions):
    c = predictions["confusion"]
    wrong = c.copy()
    i, j = next((i, j) for i in range(10) for j in range(10) if i != j and c[i, j] > 0)
    k = next(k for k in range(10) if k not in (i, j))
    wrong[i, j] -= 1  # one image moved to another wrong column: same total, same diagonal
    wrong[i, k] += 1
    with pytest.raises(NotYet, match="off-diagonal"):
        _call(wrong, _pair(c), predictions)


def test_confusion_with_the_same_margins_but_other_entries_fails(predictions):
    c = predictions["confusion"]
    wrong = c.copy()
    # move one count around a rectangle of off-diagonal entries: every row and column sum stays the same
    a, b = 0, 1
    p, q = next((p, q) for p in range(2, 10) for q in range(2, 10) if p != q and c[a, p] > 0 and c[b, q] > 0)
    step = 1
    wrong[a, p] -= step
    wrong[b, q] -= step
    wrong[a, q] += step
    wrong[b, p] += step
    with pytest.raises(NotYet, match="off-diagonal"):
        _call(wrong, _pair(c), predictions)


@pytest.mark.parametrize(
    ("pair", "hint"),
    [
        (("Coat", "Coat"), "same class twice"),
        ((4, 6), "not its index"),
        (("Coat",), "two class names"),
        (("Trouser", "Bag"), "more often"),
    ],
    ids=["same", "indices", "one", "other-pair"],
)
def test_confusion_pair_mistakes_get_hints(predictions, pair, hint):
    c = predictions["confusion"]
    assert set(_pair(c)) == {"Coat", "Shirt"}
    with pytest.raises(NotYet, match=hint):
        _call(c, pair, predictions)


def test_confusion_pair_counted_one_way_only_is_caught():
    y_true = np.array([0] * 5 + [1] * 4 + [2] * 4 + [3] * 10)
    y_pred = np.array([1] * 5 + [0] * 0 + [1] * 4 + [3] * 4 + [2] * 4 + [3] * 6)
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (y_true, y_pred), 1)
    # 0 -> 1 five times, one way; 2 <-> 3 four times each way, eight together
    p = {"y_true": y_true, "y_pred": y_pred}
    with pytest.raises(NotYet, match="one direction only"):
        _call(confusion, (CLASSES[0], CLASSES[1]), p)
    _call(confusion, (CLASSES[2], CLASSES[3]), p)
