"""Checks of notebook 00: right answers pass, blank and typical wrong answers get their hint."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.checks import NotYet, nb00
from course_utils.data import FASHION_MNIST_CLASSES as CLASSES

BRIGHTNESS = np.array([0.32, 0.22, 0.37, 0.26, 0.39, 0.13, 0.33, 0.17, 0.35, 0.30])  # Coat (4) brightest


class _Boom:
    """A notebook object that a check must not touch before rejecting a blank answer."""

    def __getattr__(self, name):
        raise AssertionError(f"the check touched {name!r} before rejecting the blank answer")


@pytest.fixture
def images_and_labels():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 6)
    images = np.clip(BRIGHTNESS[labels, None, None] + rng.normal(0, 0.01, (60, 5, 5)), 0, 1)
    return images.astype(np.float32), labels


# ------------------------------------------------------------------------------------------------ 00.1
def test_brightest_class_passes(images_and_labels, capsys):
    images, labels = images_and_labels
    nb00.exercise_1("Coat", images=images, labels=labels, classes=CLASSES)
    assert capsys.readouterr().out.startswith("✓ 00.1 right: Coat")


def test_brightest_blank_is_caught_before_the_data_is_touched():
    with pytest.raises(NotYet, match=r"^00\.1 not yet: `brightest` is still None"):
        nb00.exercise_1(None, images=_Boom(), labels=_Boom(), classes=_Boom())


def test_brightest_as_an_index_asks_for_the_name():
    with pytest.raises(NotYet, match="not its index"):
        nb00.exercise_1(np.int64(4), images=_Boom(), labels=_Boom(), classes=_Boom())


def test_brightest_misspelled_lists_where_names_are(images_and_labels):
    images, labels = images_and_labels
    with pytest.raises(NotYet, match="not a Fashion-MNIST class name"):
        nb00.exercise_1("coat", images=images, labels=labels, classes=CLASSES)


@pytest.mark.parametrize(
    ("answer", "hint"), [("Sandal", "darkest"), ("Pullover", "not the brightest class yet")]
)
def test_brightest_wrong_class_gets_a_hint_without_the_answer(images_and_labels, answer, hint):
    images, labels = images_and_labels
    with pytest.raises(NotYet, match=hint) as err:
        nb00.exercise_1(answer, images=images, labels=labels, classes=CLASSES)
    assert "Coat" not in str(err.value)


# ------------------------------------------------------------------------------------------------ 00.2
@pytest.fixture
def predictions():
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 10, 300)
    y_pred = np.where(rng.random(300) < 0.6, y_true, rng.integers(0, 10, 300))
    confusion = np.zeros((10, 10), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        confusion[t, p] += 1
    return y_true, y_pred, confusion


def test_confusion_passes(predictions, capsys):
    y_true, y_pred, confusion = predictions
    nb00.exercise_2(confusion, y_true=y_true, y_pred=y_pred)
    assert "✓ 00.2 right" in capsys.readouterr().out


def test_confusion_blank_is_caught_before_the_data_is_touched():
    with pytest.raises(NotYet, match=r"^00\.2 not yet: `confusion` is still None"):
        nb00.exercise_2(None, y_true=_Boom(), y_pred=_Boom())


def test_confusion_of_the_wrong_shape_says_so():
    with pytest.raises(NotYet, match=r"shape \(10, 10\)"):
        nb00.exercise_2(np.zeros((9, 9)), y_true=_Boom(), y_pred=_Boom())


def test_confusion_transposed_names_rows_and_columns(predictions):
    y_true, y_pred, confusion = predictions
    with pytest.raises(NotYet, match="rows and columns are swapped"):
        nb00.exercise_2(confusion.T, y_true=y_true, y_pred=y_pred)


def test_confusion_of_fractions_asks_for_counts(predictions):
    y_true, y_pred, confusion = predictions
    with pytest.raises(NotYet, match="not fractions"):
        nb00.exercise_2(confusion / confusion.sum(axis=1, keepdims=True), y_true=y_true, y_pred=y_pred)


def test_confusion_counting_images_twice_is_caught(predictions):
    y_true, y_pred, confusion = predictions
    with pytest.raises(NotYet, match="exactly once"):
        nb00.exercise_2(confusion + confusion.T, y_true=y_true, y_pred=y_pred)


def test_confusion_with_wrong_off_diagonal_counts_points_there(predictions):
    y_true, y_pred, confusion = predictions
    wrong = confusion.copy()
    i, j = next((i, j) for i in range(10) for j in range(10) if i != j and confusion[i, j] > 0)
    k = next(k for k in range(10) if k not in (i, j))
    wrong[i, j] -= 1  # one image moved to another wrong column: same total, same diagonal
    wrong[i, k] += 1
    with pytest.raises(NotYet, match="off-diagonal"):
        nb00.exercise_2(wrong, y_true=y_true, y_pred=y_pred)
