"""course_utils.retrieval: nearest neighbours, precision@k and balanced few-label draws."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import retrieval


def _clusters(n_per=30, classes=4, d=5, seed=0):
    """Well-separated clusters, one per class: a perfect embedding."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(classes), n_per)
    x = rng.normal(scale=0.1, size=(len(y), d)) + 100.0 * np.eye(classes, d)[y]
    return x, y


def test_neighbours_match_brute_force_nearest_first():
    rng = np.random.default_rng(1)
    db, q = rng.normal(size=(50, 3)), rng.normal(size=(7, 3))
    idx, dist = retrieval.nearest_neighbours(db, q, k=5)
    brute = np.sqrt(((q[:, None] - db[None]) ** 2).sum(-1))
    np.testing.assert_array_equal(idx, np.argsort(brute, axis=1)[:, :5])
    np.testing.assert_allclose(dist, np.sort(brute, axis=1)[:, :5])
    assert idx.dtype == np.int64 and dist.dtype == np.float64 and idx.shape == (7, 5)


def test_self_query_leaves_each_row_out():
    x, _ = _clusters()
    idx, _ = retrieval.nearest_neighbours(x, k=4)
    assert not np.any(idx == np.arange(len(x))[:, None])
    assert idx.shape == (len(x), 4)


def test_self_query_keeps_an_exact_duplicate_but_not_the_row_itself():
    db = np.array([[0.0], [0.0], [0.0], [9.0]])
    idx, dist = retrieval.nearest_neighbours(db, k=2)
    for i in range(3):
        assert i not in idx[i] and set(idx[i]) == {0, 1, 2} - {i}
        np.testing.assert_allclose(dist[i], 0.0)


def test_cosine_ignores_length():
    db = np.array([[1.0, 0.0], [0.0, 1.0]])
    idx, _ = retrieval.nearest_neighbours(db, np.array([[100.0, 1.0]]), k=1, metric="cosine")
    assert idx.tolist() == [[0]]


@pytest.mark.parametrize(
    ("database", "queries", "k", "match"),
    [
        (np.zeros((5, 2)), None, 5, "at most 4"),
        (np.zeros((5, 2)), np.zeros((1, 2)), 6, "at most 5"),
        (np.zeros((5, 2)), np.zeros((1, 3)), 1, "as many columns"),
        (np.zeros((5, 2), np.uint8), None, 1, "float array"),
        (np.zeros(5), None, 1, "2-D"),
        (np.full((5, 2), np.nan), None, 1, "NaN"),
        (np.zeros((5, 2)), None, 0, "positive integer"),
        (np.zeros((5, 2)), None, 2.0, "positive integer"),
    ],
    ids=["k-too-large-self", "k-too-large", "columns", "dtype", "shape", "nan", "k-zero", "k-float"],
)
def test_neighbours_reject_bad_input(database, queries, k, match):
    with pytest.raises(ValueError, match=match):
        retrieval.nearest_neighbours(database, queries, k=k)


def test_neighbours_reject_unknown_metric():
    with pytest.raises(ValueError, match="metric"):
        retrieval.nearest_neighbours(np.zeros((5, 2)), k=1, metric="manhattan")


def test_precision_of_a_perfect_embedding_is_one():
    x, y = _clusters()
    idx, _ = retrieval.nearest_neighbours(x, k=10)
    p = retrieval.precision_at_k(idx, y, y)
    assert p.overall == 1.0 and np.all(p.per_class == 1.0) and p.classes.tolist() == [0, 1, 2, 3]


def test_precision_of_random_labels_is_about_one_over_the_classes():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3000, 4))
    y = rng.integers(0, 10, 3000)
    idx, _ = retrieval.nearest_neighbours(x, k=10)
    p = retrieval.precision_at_k(idx, y, y)
    assert abs(p.overall - 0.1) < 0.01
    assert p.per_class.shape == (10,) and np.all(np.abs(p.per_class - 0.1) < 0.03)


def test_precision_per_class_and_first_k_columns():
    nb = np.array([[0, 2, 2], [1, 1, 2], [2, 0, 0]])
    db_labels = np.array([0, 0, 1])
    p = retrieval.precision_at_k(nb, db_labels, np.array([0, 0, 1]), k=2)
    np.testing.assert_allclose(p.per_query, [0.5, 1.0, 0.5])
    np.testing.assert_allclose(p.per_class, [0.75, 0.5])
    assert p.k == 2 and p.overall == pytest.approx(2 / 3) and p.class_mean == pytest.approx(0.625)


@pytest.mark.parametrize(
    ("nb", "db", "q", "k", "match"),
    [
        (np.zeros((2, 3), int), np.zeros(4, int), np.zeros(2, int), 4, "at most the 3"),
        (np.zeros((2, 3), int), np.zeros(4, int), np.zeros(3, int), None, "2 labels"),
        (np.full((2, 3), 4), np.zeros(4, int), np.zeros(2, int), None, "index the database"),
        (np.zeros((2, 3)), np.zeros(4, int), np.zeros(2, int), None, "integer indices"),
        (np.zeros(3, int), np.zeros(4, int), np.zeros(3, int), None, "2-D"),
        (np.zeros((2, 3), int), np.zeros(4), np.zeros(2, int), None, "integer labels"),
    ],
    ids=["k", "query-labels", "out-of-range", "float-indices", "shape", "float-labels"],
)
def test_precision_rejects_bad_input(nb, db, q, k, match):
    with pytest.raises(ValueError, match=match):
        retrieval.precision_at_k(nb, db, q, k=k)


def test_draw_per_class_is_balanced_seeded_and_without_repeats():
    y = np.random.default_rng(0).integers(0, 10, 5000)
    a = retrieval.draw_per_class(y, 7, seed=1)
    assert np.bincount(y[a]).tolist() == [7] * 10 and len(np.unique(a)) == 70 and a.dtype == np.int64
    np.testing.assert_array_equal(a, retrieval.draw_per_class(y, 7, seed=1))
    assert not np.array_equal(a, retrieval.draw_per_class(y, 7, seed=2))


def test_draw_per_class_raises_when_a_class_is_too_small():
    y = np.array([0] * 10 + [1] * 3)
    with pytest.raises(ValueError, match="class 1 has only 3 examples, 4 requested"):
        retrieval.draw_per_class(y, 4, seed=0)


@pytest.mark.parametrize(("n", "seed"), [(0, 0), (1.5, 0), (1, None), (True, 0)])
def test_draw_per_class_rejects_bad_arguments(n, seed):
    with pytest.raises(ValueError, match="must be"):
        retrieval.draw_per_class(np.zeros(5, int), n, seed=seed)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 5), classes=st.integers(1, 6), extra=st.integers(0, 4), seed=st.integers(0, 10**6))
def test_draw_per_class_property_every_class_exactly_n(n, classes, extra, seed):
    y = np.repeat(np.arange(classes), n + extra)
    idx = retrieval.draw_per_class(y, n, seed=seed)
    assert np.bincount(y[idx], minlength=classes).tolist() == [n] * classes
    assert np.all(np.diff(idx) > 0)
