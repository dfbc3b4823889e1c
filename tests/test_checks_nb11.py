"""course_utils.checks.nb11: the checks of notebook 11 pass right answers and give hints for typical mistakes.

The right answers are built here (tests are not installed); the check module itself holds none of them.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import retrieval
from course_utils.checks import NotYet, nb11


class _Boom:
    """Stands for notebook context that a blank answer must never reach."""

    def __array__(self, *args, **kwargs):
        raise AssertionError("the check used its context before rejecting a blank answer")


# ------------------------------------------------------------------------------------------------ exercise 1
KS = (1, 5, 10, 20)


@pytest.fixture(scope="module")
def search():
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=2.0, size=(5, 6))
    y_db, y_q = rng.integers(0, 5, 800), rng.integers(0, 5, 120)
    db = centres[y_db] + rng.normal(size=(800, 6))
    q = centres[y_q] + rng.normal(size=(120, 6))
    return {"database": db, "database_labels": y_db, "queries": q, "query_labels": y_q, "ks": KS}


def right_p_at_k(s):
    idx, _ = retrieval.nearest_neighbours(s["database"], s["queries"], k=max(KS))
    return np.array(
        [retrieval.precision_at_k(idx, s["database_labels"], s["query_labels"], k=k).overall for k in KS]
    )


def test_precision_curve_right_answer_passes(search, capsys):
    assert nb11.exercise_1(right_p_at_k(search), **search) is True
    assert "✓ 11.1 right: precision@k" in capsys.readouterr().out


def test_precision_curve_blank_answer_gets_a_hint():
    with pytest.raises(NotYet, match=r"^11\.1 not yet: `p_at_k` is still None"):
        nb11.exercise_1(
            None, database=_Boom(), database_labels=_Boom(), queries=_Boom(), query_labels=_Boom(), ks=KS
        )


def test_precision_curve_of_the_kth_neighbour_alone_gets_its_hint(search):
    idx, _ = retrieval.nearest_neighbours(search["database"], search["queries"], k=max(KS))
    hits = search["database_labels"][idx] == search["query_labels"][:, None]
    with pytest.raises(NotYet, match="k-th neighbour alone"):
        nb11.exercise_1(hits.mean(0)[np.array(KS) - 1], **search)


def test_precision_curve_with_the_queries_in_the_database_gets_a_hint(search):
    # a self-search of the queries (the test set searched against itself) instead of the training database
    idx, _ = retrieval.nearest_neighbours(search["queries"], k=max(KS))
    wrong = [
        retrieval.precision_at_k(idx, search["query_labels"], search["query_labels"], k=k).overall for k in KS
    ]
    with pytest.raises(NotYet, match="training set as the database"):
        nb11.exercise_1(np.array(wrong), **search)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [([0.5] * 4, "same value for every k"), ([0.9, 0.8, 1.2, 0.5], r"\[0, 1\]"), ([0.9, 0.8], "shape")],
    ids=["constant", "out-of-range", "shape"],
)
def test_precision_curve_malformed_answers_get_their_hint(search, answer, hint):
    with pytest.raises(NotYet, match=hint):
        nb11.exercise_1(answer, **search)


# ------------------------------------------------------------------------------------------------ exercise 2
def knn_kept_right(high, low, k):
    a, _ = retrieval.nearest_neighbours(np.asarray(high, dtype=np.float64), k=k)
    b, _ = retrieval.nearest_neighbours(np.asarray(low, dtype=np.float64), k=k)
    return float(np.mean([len(np.intersect1d(r, s)) / k for r, s in zip(a, b, strict=True)]))


def knn_kept_by_ranks(high, low, k):
    """The same share from full distance matrices and ranks: an independent route to the right answer."""

    def sets(z):
        z = np.asarray(z, dtype=np.float64)
        d = ((z[:, None] - z[None]) ** 2).sum(-1)
        np.fill_diagonal(d, np.inf)
        return np.argsort(d, axis=1, kind="stable")[:, :k]

    a, b = sets(high), sets(low)
    return float(np.mean([np.isin(a[i], b[i]).sum() / k for i in range(len(a))]))


@pytest.fixture(scope="module")
def maps():
    rng = np.random.default_rng(5)
    codes = {"A": rng.normal(size=(150, 8)), "B": rng.normal(size=(150, 8))}
    lows = {"A": codes["A"][:, :2] * 2.0, "B": rng.normal(size=(150, 2))}
    return codes, lows


@pytest.mark.parametrize("fn", [knn_kept_right, knn_kept_by_ranks], ids=["sklearn", "ranks"])
def test_kept_right_answers_pass(maps, fn, capsys):
    codes, lows = maps
    kept = {name: fn(codes[name], lows[name], 10) for name in lows}
    assert nb11.exercise_2(fn, kept, codes=codes, maps=lows, k=10) is True
    assert "✓ 11.2 right" in capsys.readouterr().out


def test_kept_blank_answers_get_a_hint(maps):
    with pytest.raises(NotYet, match=r"^11\.2 not yet: `knn_kept` must be a function"):
        nb11.exercise_2(None, None, codes=_Boom(), maps=_Boom(), k=10)
    with pytest.raises(NotYet, match="`kept` is still None"):
        nb11.exercise_2(knn_kept_right, None, codes=_Boom(), maps=_Boom(), k=10)


def _with_self(high, low, k):
    """A typical mistake: each point counted as its own neighbour."""

    def sets(z):
        d = ((np.asarray(z)[:, None] - np.asarray(z)[None]) ** 2).sum(-1)
        return np.argsort(d, axis=1, kind="stable")[:, :k]

    a, b = sets(high), sets(low)
    return float(np.mean([np.isin(a[i], b[i]).sum() / k for i in range(len(a))]))


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (
            lambda high, low, k: float(np.corrcoef(np.ravel(high)[:50], np.ravel(low)[:50])[0, 1] ** 2),
            "keeps every neighbour",
        ),
        (lambda high, low, k: knn_kept_right(high, low, 5), "does not depend on k"),
        (lambda high, low, k: 1.0, "unrelated point sets"),
    ],
    ids=["correlation", "fixed-k", "always-one"],
)
def test_kept_wrong_functions_get_their_hint(maps, fn, hint):
    codes, lows = maps
    with pytest.raises(NotYet, match=hint):
        nb11.exercise_2(fn, {n: 0.5 for n in lows}, codes=codes, maps=lows, k=10)


def test_kept_counting_the_point_itself_passes_only_if_it_changes_nothing(maps):
    codes, lows = maps
    kept = {name: _with_self(codes[name], lows[name], 10) for name in lows}
    # counting each point among its own neighbours inflates the share of unrelated point sets
    with pytest.raises(NotYet):
        nb11.exercise_2(_with_self, kept, codes=codes, maps=lows, k=10)


def test_kept_values_that_do_not_match_the_function_get_a_hint(maps):
    codes, lows = maps
    kept = {name: knn_kept_right(codes[name], lows[name], 10) for name in lows}
    kept["B"] += 0.05
    with pytest.raises(NotYet, match=r"kept\['B'\] is not knn_kept"):
        nb11.exercise_2(knn_kept_right, kept, codes=codes, maps=lows, k=10)
    with pytest.raises(NotYet, match="no value for 'A'"):
        nb11.exercise_2(knn_kept_right, {"B": kept["B"]}, codes=codes, maps=lows, k=10)
