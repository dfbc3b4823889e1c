"""Checks for the exercises of notebook 11 (codes as features).

How the answers are checked (not what they are): 11.1 by retrieving again with a search of the check's own (a
brute-force distance matrix, not scikit-learn) and by properties every precision@k curve has; 11.2 by running the
learner's function on point sets whose answer is known by construction (a map that keeps every distance, a
similarity transform, a reversed line, random points), then comparing the learner's stored values with that
function on the notebook's maps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from course_utils.checks import (
    answered,
    answered_function,
    as_array,
    as_number,
    attempt,
    exercise,
    require,
)


def _brute_neighbours(db: np.ndarray, queries: np.ndarray, k: int, chunk: int = 1024) -> np.ndarray:
    """The k nearest database rows of each query (squared Euclidean distances from a matrix product)."""
    db = np.asarray(db, dtype=np.float64)
    sq = (db**2).sum(1)
    out = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), chunk):
        q = np.asarray(queries[start : start + chunk], dtype=np.float64)
        d = sq[None, :] - 2.0 * q @ db.T
        part = np.argpartition(d, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(d, part, 1).argsort(1)
        out[start : start + chunk] = np.take_along_axis(part, order, 1)
    return out


@exercise("11.1")
def exercise_1(p_at_k, *, database, database_labels, queries, query_labels, ks: Sequence[int]) -> str:
    """``p_at_k``: precision@k of the queries against the database (Euclidean), one value per k in ``ks``."""
    answered(p_at_k, "p_at_k", f"an array of {len(ks)} precisions, one per k in {tuple(ks)}")
    ours = as_array(p_at_k, "p_at_k", shape=(len(ks),))
    require(
        np.all((ours >= 0) & (ours <= 1)),
        "a precision is a share of neighbours: every value must lie in [0, 1]",
    )
    require(
        not np.allclose(ours, ours[0]),
        "the same value for every k: did you pass k to precision_at_k, or search with one k only?",
    )
    db_labels, q_labels = np.asarray(database_labels), np.asarray(query_labels)
    nb = _brute_neighbours(database, queries, int(max(ks)))
    hits = db_labels[nb] == q_labels[:, None]
    truth = np.array([hits[:, :k].mean() for k in ks])
    require(
        not np.allclose(ours, hits.mean(0)[np.asarray(ks) - 1], atol=2e-3)
        or np.allclose(ours, truth, atol=2e-3),
        "these are the shares of queries whose k-th neighbour alone has their class: precision@k counts all of "
        "the first k neighbours",
    )
    require(
        np.allclose(ours, truth, atol=2e-3),
        "not the precision@k of these queries against this database: use the training set as the database, the "
        "same queries as section 2 (test[queries]) and the Euclidean distance",
    )
    return "precision@k " + ", ".join(f"{k}: {v:.3f}" for k, v in zip(ks, ours, strict=True))


def _call_kept(fn: Callable, high: np.ndarray, low: np.ndarray, k: int, what: str) -> float:
    out = attempt(fn, high, low, k, call=f"`knn_kept(...)` on {what}")
    return as_number(out, f"knn_kept on {what}")


@exercise("11.2")
def exercise_2(
    knn_kept, kept, *, codes: Mapping[str, np.ndarray], maps: Mapping[str, np.ndarray], k: int
) -> str:
    """``knn_kept(high, low, k)``: the mean share of each point's k nearest neighbours in ``high`` that are also
    among its k nearest in ``low`` (the point itself excluded); ``kept``: its value for each map in ``maps``."""
    rng = np.random.default_rng(11)
    line = np.arange(12, dtype=np.float64)[:, None]
    answered_function(knn_kept, "knn_kept", probe=(line, line, 2))
    answered(kept, "kept", "a dict: map name -> the share of neighbours that map keeps")

    cloud = rng.normal(size=(60, 5))
    same = _call_kept(knn_kept, cloud, cloud.copy(), 5, "a map identical to the original")
    require(
        abs(same - 1) < 1e-9,
        f"a map identical to the original keeps every neighbour, yet gives {same:.3f}: is each point left out of "
        "its own neighbours in both spaces?",
    )
    rotation, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    moved = _call_kept(knn_kept, cloud, 3.0 * cloud @ rotation + 7.0, 5, "a rotated, scaled, shifted copy")
    require(
        abs(moved - 1) < 1e-9,
        "rotating, scaling and shifting a map keeps every neighbour: the share must be 1",
    )
    # a line and its reverse keep every neighbourhood; a line folded in the middle does not (only near the fold)
    flipped = _call_kept(knn_kept, line, -line, 2, "a reversed line")
    require(
        abs(flipped - 1) < 1e-9, "a line and its mirror image have the same neighbours: the share must be 1"
    )
    wide = rng.normal(size=(400, 3))
    rand = _call_kept(knn_kept, wide, rng.normal(size=(400, 2)), 10, "random, unrelated points")
    require(
        rand < 0.1,
        f"two unrelated point sets share about k / (N - 1) of their neighbours, yet yours gives {rand:.3f}: compare "
        "the neighbour SETS of each point, not their distances",
    )
    small = _call_kept(
        knn_kept, cloud, cloud + rng.normal(scale=0.3, size=cloud.shape), 5, "a slightly jittered copy"
    )
    require(
        0 < small < 1,
        "a jittered copy keeps some neighbours but not all: your share should lie strictly inside (0, 1)",
    )
    k_big = _call_kept(knn_kept, wide, wide[:, :2], 20, "a projection, with k = 20")
    k_small = _call_kept(knn_kept, wide, wide[:, :2], 5, "a projection, with k = 5")
    require(
        k_big != k_small,
        "the share does not depend on k: use the argument k for both neighbour searches",
    )

    require(
        isinstance(kept, Mapping), f"`kept` must be a dict (map name -> share), got {type(kept).__name__}"
    )
    missing = [name for name in maps if name not in kept]
    require(not missing, f"`kept` has no value for {', '.join(map(repr, missing))}")
    for name, low in maps.items():
        value = as_number(kept[name], f"kept[{name!r}]")
        again = _call_kept(knn_kept, np.asarray(codes[name]), np.asarray(low), int(k), f"the map {name!r}")
        require(
            abs(value - again) < 1e-9,
            f"kept[{name!r}] is not knn_kept(codes, map, k) for that map: recompute it with the map's own codes "
            f"and k = {k}",
        )
    return ", ".join(f"{name} {float(kept[name]):.3f}" for name in maps)
