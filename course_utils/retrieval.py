"""Codes as features: nearest neighbours, precision@k, and balanced few-label subsets (notebook 11).

Three small pieces that any "what is a code good for?" experiment needs:

- :func:`nearest_neighbours`: the ``k`` nearest database items of each query (scikit-learn's
  ``NearestNeighbors``), leaving out the query itself when the queries *are* the database;
- :func:`precision_at_k`: the share of each query's ``k`` neighbours that have its label, overall and per class;
- :func:`draw_per_class`: ``n`` labelled examples of every class, seeded and balanced, for few-label experiments.

Examples
--------
>>> db = np.array([[0.0], [0.1], [5.0], [5.1]])
>>> idx, dist = nearest_neighbours(db, k=1)
>>> idx.ravel().tolist()
[1, 0, 3, 2]
>>> precision_at_k(idx, np.array([0, 0, 1, 1]), np.array([0, 0, 1, 1])).overall
1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Precision", "draw_per_class", "nearest_neighbours", "precision_at_k"]

_METRICS = ("euclidean", "cosine")


def _features(a, name: str) -> np.ndarray:
    """``a`` as a finite 2-D float array (N, d), or a ``ValueError`` that says what came instead."""
    arr = np.asarray(a)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (N, d) of features, got shape {arr.shape}; flatten images first "
            "(x.reshape(len(x), -1))"
        )
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(
            f"{name} must be a float array, got dtype {arr.dtype}; convert with .astype('float32')"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one row and one column, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf; features must be finite")
    return arr


def _labels(a, name: str, n: int | None = None) -> np.ndarray:
    """``a`` as a 1-D integer label array (of length ``n`` if given)."""
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of integer labels, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must hold integer labels, got dtype {arr.dtype}")
    if n is not None and len(arr) != n:
        raise ValueError(f"{name} must have {n} labels (one per row), got {len(arr)}")
    return arr.astype(np.int64)


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def nearest_neighbours(
    database, queries=None, *, k: int, metric: str = "euclidean"
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest database rows of every query, nearest first.

    Parameters
    ----------
    database : array-like of float, shape (N, d)
        The items searched (e.g. the codes of the training images).
    queries : array-like of float, shape (M, d), optional
        The items searched for. If omitted, the database is queried against itself and each row's own
        index is left out of its neighbours (a row is never its own neighbour; an exact duplicate of it is).
    k : int
        How many neighbours, ``1 <= k <= N`` (``k <= N - 1`` without ``queries``).
    metric : {"euclidean", "cosine"}, default "euclidean"
        Distance between rows; "cosine" is ``1 - cos(angle)`` (it ignores the rows' lengths).

    Returns
    -------
    indices : numpy.ndarray of int64, shape (M, k)
        Row numbers into ``database``, nearest first.
    distances : numpy.ndarray of float64, shape (M, k)

    Raises
    ------
    ValueError
        If the arrays are not 2-D finite floats with the same number of columns, ``k`` is not a positive
        integer no larger than the database allows, or ``metric`` is unknown.

    Examples
    --------
    >>> db = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0]])
    >>> idx, dist = nearest_neighbours(db, np.array([[0.9, 0.0]]), k=2)
    >>> idx.tolist(), dist.round(2).tolist()
    ([[1, 0]], [[0.1, 0.9]])
    >>> nearest_neighbours(db, k=3)
    Traceback (most recent call last):
    ...
    ValueError: k must be at most 2 (the database has 3 rows and each query leaves itself out), got 3
    """
    from sklearn.neighbors import NearestNeighbors

    db = _features(database, "database")
    k = _positive_int(k, "k")
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {_METRICS}, got {metric!r}")
    self_query = queries is None
    if self_query:
        if k > len(db) - 1:
            raise ValueError(
                f"k must be at most {len(db) - 1} (the database has {len(db)} rows and each query leaves "
                f"itself out), got {k}"
            )
        q = db
    else:
        q = _features(queries, "queries")
        if q.shape[1] != db.shape[1]:
            raise ValueError(
                f"queries must have as many columns as the database ({db.shape[1]}), got {q.shape[1]}"
            )
        if k > len(db):
            raise ValueError(f"k must be at most {len(db)} (the number of database rows), got {k}")
    search = NearestNeighbors(n_neighbors=k + self_query, metric=metric, algorithm="brute")
    search.fit(db)
    dist, idx = search.kneighbors(q)
    if self_query:
        own = idx == np.arange(len(q))[:, None]
        # drop the row's own index; if ties pushed it out of the k + 1, drop the farthest instead
        drop = np.where(own.any(axis=1), own.argmax(axis=1), k)
        keep = np.ones_like(idx, dtype=bool)
        keep[np.arange(len(q)), drop] = False
        idx, dist = idx[keep].reshape(len(q), k), dist[keep].reshape(len(q), k)
    return idx.astype(np.int64), dist.astype(np.float64)


@dataclass(frozen=True)
class Precision:
    """Precision@k of a retrieval: overall, per query and per class (see :func:`precision_at_k`).

    Attributes
    ----------
    k : int
        Neighbours per query.
    overall : float
        The mean over all queries.
    per_query : numpy.ndarray of float64, shape (M,)
        Each query's share of neighbours with its own label.
    classes : numpy.ndarray of int64
        The classes present among the queries, sorted.
    per_class : numpy.ndarray of float64
        The mean of ``per_query`` over the queries of each class in ``classes``.
    """

    k: int
    overall: float
    per_query: np.ndarray
    classes: np.ndarray
    per_class: np.ndarray

    @property
    def class_mean(self) -> float:
        """The mean of the per-class precisions (equal to ``overall`` when the classes are balanced)."""
        return float(self.per_class.mean())


def precision_at_k(neighbours, database_labels, query_labels, *, k: int | None = None) -> Precision:
    """The share of each query's first ``k`` neighbours that have the query's label.

    Parameters
    ----------
    neighbours : array-like of int, shape (M, K)
        Database row numbers, nearest first (the ``indices`` of :func:`nearest_neighbours`).
    database_labels : array-like of int, shape (N,)
        The label of every database row.
    query_labels : array-like of int, shape (M,)
        The label of every query.
    k : int, optional
        Use the first ``k <= K`` columns; default all ``K``.

    Returns
    -------
    Precision
        ``overall`` (mean over queries), ``per_query``, ``classes`` and ``per_class``.

    Raises
    ------
    ValueError
        If the shapes disagree, the indices are not integers inside the database, or ``k`` is larger than the
        number of neighbours given.

    Examples
    --------
    >>> p = precision_at_k(np.array([[0, 1], [0, 2]]), np.array([0, 0, 1]), np.array([0, 1]))
    >>> p.overall, p.per_class.tolist()
    (0.75, [1.0, 0.5])
    """
    nb = np.asarray(neighbours)
    if nb.ndim != 2 or nb.shape[1] == 0:
        raise ValueError(f"neighbours must be a 2-D array (M, K) of database indices, got shape {nb.shape}")
    if not np.issubdtype(nb.dtype, np.integer):
        raise ValueError(f"neighbours must hold integer indices, got dtype {nb.dtype}")
    db_labels = _labels(database_labels, "database_labels")
    q_labels = _labels(query_labels, "query_labels", len(nb))
    if nb.size and (nb.min() < 0 or nb.max() >= len(db_labels)):
        raise ValueError(
            f"neighbours must index the database's {len(db_labels)} rows, got indices in "
            f"[{nb.min()}, {nb.max()}]"
        )
    k = nb.shape[1] if k is None else _positive_int(k, "k")
    if k > nb.shape[1]:
        raise ValueError(f"k must be at most the {nb.shape[1]} neighbours given, got {k}")
    if len(nb) == 0:
        raise ValueError("neighbours holds no queries")
    hits = db_labels[nb[:, :k]] == q_labels[:, None]
    per_query = hits.mean(axis=1)
    classes = np.unique(q_labels)
    per_class = np.array([per_query[q_labels == c].mean() for c in classes])
    return Precision(
        k=k, overall=float(per_query.mean()), per_query=per_query, classes=classes, per_class=per_class
    )


def draw_per_class(labels, n: int, *, seed: int) -> np.ndarray:
    """``n`` random indices of every class, without replacement: a balanced labelled subset.

    Parameters
    ----------
    labels : array-like of int, shape (N,)
        The labels of the pool to draw from.
    n : int
        Examples per class.
    seed : int
        Seed of the draw (``numpy.random.default_rng(seed)``): the same seed gives the same subset.

    Returns
    -------
    numpy.ndarray of int64, shape (n * number of classes,)
        Indices into ``labels``, sorted.

    Raises
    ------
    ValueError
        If ``labels`` is not 1-D integer, ``n`` is not a positive integer, or a class has fewer than ``n``
        examples.

    Examples
    --------
    >>> idx = draw_per_class(np.array([0, 1, 0, 1, 0, 1]), 2, seed=0)
    >>> np.bincount(np.array([0, 1, 0, 1, 0, 1])[idx]).tolist()
    [2, 2]
    >>> draw_per_class(np.array([0, 0, 1]), 2, seed=0)
    Traceback (most recent call last):
    ...
    ValueError: class 1 has only 1 examples, 2 requested per class
    """
    y = _labels(labels, "labels")
    n = _positive_int(n, "n")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if len(y) == 0:
        raise ValueError("labels is empty")
    rng = np.random.default_rng(int(seed))
    chosen = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        if len(idx) < n:
            raise ValueError(f"class {c} has only {len(idx)} examples, {n} requested per class")
        chosen.append(rng.choice(idx, size=n, replace=False))
    return np.sort(np.concatenate(chosen)).astype(np.int64)
