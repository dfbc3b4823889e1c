"""Checks of notebook 04 (document cleaning): right answers pass, blank and typical wrong ones get a hint."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import checks
from course_utils.checks import nb04
from course_utils.documents import page_rmse, pooled_rmse, text_groups, threshold_pages


class _Untouchable:
    """A notebook object that a check must not use before it has rejected a blank answer."""

    def __getattr__(self, name):
        raise AssertionError(f"the check touched {name!r} before rejecting the blank answer")

    def __len__(self):
        raise AssertionError("the check touched the notebook's data before rejecting the blank answer")

    def __iter__(self):
        raise AssertionError("the check touched the notebook's data before rejecting the blank answer")


def _texts(n_texts: int = 10, copies: int = 2) -> list[np.ndarray]:
    """Clean pages: ``copies`` pages of each of ``n_texts`` texts, interleaved."""
    rng = np.random.default_rng(1)
    texts = [(rng.random((4, 6)) > 0.5).astype(np.float32) for _ in range(n_texts)]
    return [texts[i % n_texts] for i in range(n_texts * copies)]


def _leak(clean, n_test=6, seed=0) -> float:
    groups = text_groups(clean)
    order = np.random.default_rng(seed).permutation(len(clean))
    return float(np.mean(np.isin(groups[order[:n_test]], groups[order[n_test:]])))


def _scans(n: int = 3, seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Small synthetic scans: dark letters on white paper, under a smooth stain and some noise."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:40, 0:50]
    noisy, clean = [], []
    for _ in range(n):
        page = np.ones((40, 50), np.float32)
        for _ in range(12):
            r, c = rng.integers(2, 36), rng.integers(2, 46)
            page[r : r + 3, c : c + 2] = 0.05
        stain = 0.35 * np.exp(-((rows - rng.integers(40)) ** 2 + (cols - rng.integers(50)) ** 2) / 200.0)
        scan = page - stain + 0.03 * rng.standard_normal(page.shape)
        for _ in range(6):  # faint smudges: a local threshold keeps them white only if k is large enough
            r, c = rng.integers(2, 36), rng.integers(2, 46)
            scan[r : r + 3, c : c + 3] = 0.77
        clean.append(page)
        noisy.append(np.clip(scan, 0, 1).astype(np.float32))
    return noisy, clean


def _sauvola(noisy, clean, k=0.3) -> float:
    from skimage.filters import threshold_sauvola

    return float(
        page_rmse(
            clean, [(p > threshold_sauvola(p, window_size=15, k=k)).astype(np.float32) for p in noisy]
        ).mean()
    )


# ------------------------------------------------------------------------------------------------ exercise 1
def test_ex1_right_fraction_passes(capsys):
    clean = _texts()
    nb04.exercise_1(_leak(clean), clean=clean, n_test=6)
    assert capsys.readouterr().out.startswith("✓ 04.1 right")


def test_ex1_blank_answer_gets_a_hint_before_the_data_is_touched():
    with pytest.raises(checks.NotYet, match="`leaked` is still None"):
        nb04.exercise_1(None, clean=_Untouchable())


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda ref: 0.0, "not the page indices"),
        (lambda ref: ref * 6, "number of pages: divide"),
        (lambda ref: ref * 100, "not a percentage"),
    ],
)
def test_ex1_typical_mistakes_get_their_hint(wrong, match):
    clean = _texts()
    reference = _leak(clean)
    assert 0 < reference < 1
    with pytest.raises(checks.NotYet, match=match) as err:
        nb04.exercise_1(wrong(reference), clean=clean, n_test=6)
    assert f"{reference:.2f}" not in str(err.value) and f"{reference:.0%}" not in str(err.value)


def test_ex1_counting_the_training_pages_is_caught():
    clean = _texts()
    groups = text_groups(clean)
    order = np.random.default_rng(0).permutation(len(clean))
    swapped = float(np.mean(np.isin(groups[order[6:]], groups[order[:6]])))
    assert swapped != _leak(clean)
    with pytest.raises(checks.NotYet, match="training"):
        nb04.exercise_1(swapped, clean=clean, n_test=6)


# ------------------------------------------------------------------------------------------------ exercise 2
def test_ex2_right_rmse_passes(capsys):
    noisy, clean = _scans()
    nb04.exercise_2(_sauvola(noisy, clean), noisy=noisy, clean=clean)
    assert "✓ 04.2 right" in capsys.readouterr().out


def test_ex2_blank_answer_gets_a_hint_before_the_data_is_touched():
    with pytest.raises(checks.NotYet, match="`sauvola_rmse` is still None"):
        nb04.exercise_2(None, noisy=_Untouchable(), clean=_Untouchable())


def test_ex2_per_page_array_asks_for_the_mean():
    noisy, clean = _scans()
    with pytest.raises(checks.NotYet, match="mean over the test pages"):
        nb04.exercise_2(np.full(3, 0.1), noisy=noisy, clean=clean)


def test_ex2_swapped_black_and_white_is_caught_without_giving_the_value():
    from skimage.filters import threshold_sauvola

    noisy, clean = _scans()
    inverted = [(p <= threshold_sauvola(p, window_size=15, k=0.3)).astype(np.float32) for p in noisy]
    with pytest.raises(checks.NotYet, match="swapped") as err:
        nb04.exercise_2(float(page_rmse(clean, inverted).mean()), noisy=noisy, clean=clean)
    assert f"{_sauvola(noisy, clean):.3f}" not in str(err.value)


def test_ex2_default_k_is_caught():
    noisy, clean = _scans()
    with pytest.raises(checks.NotYet, match="k=0.3"):
        nb04.exercise_2(_sauvola(noisy, clean, k=0.2), noisy=noisy, clean=clean)


def test_ex2_scoring_against_the_scans_is_caught():
    from skimage.filters import threshold_sauvola

    noisy, clean = _scans()
    binarised = [(p > threshold_sauvola(p, window_size=15, k=0.3)).astype(np.float32) for p in noisy]
    with pytest.raises(checks.NotYet, match="clean targets"):
        nb04.exercise_2(float(page_rmse(noisy, binarised).mean()), noisy=noisy, clean=clean)


# ------------------------------------------------------------------------------------------------ exercise 3
def _ex3(value, noisy, clean, tutorial, min_gain=0.0):
    nb04.exercise_3(value, noisy=noisy, clean=clean, tutorial_rmse=tutorial, steps=100, min_gain=min_gain)


def test_ex3_a_better_model_passes_and_is_compared_at_equal_steps(capsys):
    noisy, clean = _scans()
    scan = pooled_rmse(clean, noisy)
    _ex3(scan / 3, noisy, clean, tutorial=scan / 2, min_gain=scan / 4)
    out = capsys.readouterr().out
    assert "✓ 04.3 right" in out and "better than the tutorial cleaner after the same 100 steps" in out


def test_ex3_a_worse_model_than_the_tutorials_passes_and_says_so(capsys):
    noisy, clean = _scans()
    scan = pooled_rmse(clean, noisy)
    _ex3(scan / 2, noisy, clean, tutorial=scan / 3, min_gain=scan / 4)
    assert "not better than the tutorial cleaner" in capsys.readouterr().out


def test_ex3_blank_answer_gets_a_hint_before_the_data_is_touched():
    with pytest.raises(checks.NotYet, match="`wide_rmse` is still None"):
        nb04.exercise_3(
            None,
            noisy=_Untouchable(),
            clean=_Untouchable(),
            tutorial_rmse=_Untouchable(),
            steps=1,
            min_gain=0.0,
        )


@pytest.mark.parametrize(
    ("which", "match"),
    [
        ("tutorial", "tutorial cleaner's validation RMSE"),
        ("scan", "noisy validation pages themselves"),
        ("threshold", "global threshold"),
        ("scan_per_page", "mean per-page RMSE of the noisy"),
    ],
)
def test_ex3_a_baseline_number_is_not_a_new_model(which, match):
    noisy, clean = _scans()
    scan = pooled_rmse(clean, noisy)
    value = {
        "tutorial": scan / 2,
        "scan": scan,
        "threshold": pooled_rmse(clean, threshold_pages(noisy)),
        "scan_per_page": float(page_rmse(clean, noisy).mean()),
    }[which]
    with pytest.raises(checks.NotYet, match=match):
        _ex3(value, noisy, clean, tutorial=scan / 2, min_gain=-1.0)


def test_ex3_a_model_no_better_than_the_noisy_pages_fails_in_full_mode_only():
    noisy, clean = _scans()
    scan = pooled_rmse(clean, noisy)
    with pytest.raises(checks.NotYet, match="does not beat handing in the noisy pages"):
        _ex3(scan * 0.95, noisy, clean, tutorial=scan / 2, min_gain=0.05 * scan)
    _ex3(scan * 1.5, noisy, clean, tutorial=scan / 2, min_gain=-1.0)


@pytest.mark.parametrize("value", [0.0, 1.5, 14.0])
def test_ex3_an_rmse_out_of_range_gets_a_hint(value):
    with pytest.raises(checks.NotYet, match="between 0 and 1"):
        _ex3(value, [], [], tutorial=0.1)
