"""Checks for the exercises of notebook 04 (document cleaning)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from course_utils.checks import NotYet, answered, as_number, exercise, require


def _near(value: float, reference: float, tol: float = 1e-6) -> bool:
    return bool(abs(value - reference) <= tol * max(1.0, abs(reference)))


def _mean_rmse(value, name: str) -> float:
    """The learner's mean RMSE as a float in (0, 1), with hints for a per-page array and out-of-range numbers."""
    answered(value, name, "the mean RMSE over the test pages (a float)")
    require(
        np.ndim(value) == 0,
        f"`{name}` has shape {np.shape(value)}: store the mean over the test pages, one float "
        "(cu.documents.page_rmse gives one RMSE per page)",
    )
    number = as_number(value, name)
    require(
        0 < number < 1,
        f"`{name}` = {number:g} cannot be the RMSE of pages whose grey levels are in [0, 1]: it lies between 0 "
        "and 1 (is it a sum over pages, a percentage, or in 8-bit grey levels?)",
    )
    return number


def _pages(pages: Sequence[np.ndarray]) -> list[np.ndarray]:
    return [np.asarray(p, dtype=np.float32) for p in pages]


@exercise("04.1")
def exercise_1(leaked, *, clean: Sequence[np.ndarray], n_test: int = 24, seed: int = 0) -> str:
    """``leaked``: the fraction of the test pages of a random page split whose text is also in its training pages."""
    from course_utils.documents import text_groups

    answered(leaked, "leaked", "a float in [0, 1]: the fraction of the test pages whose text is in training")
    value = as_number(leaked, "leaked")
    groups = text_groups(clean)
    order = np.random.default_rng(seed).permutation(len(groups))
    test, train = order[:n_test], order[n_test:]
    reference = float(np.mean(np.isin(groups[test], groups[train])))
    if _near(value, reference, 1e-9):
        return (
            f"{value:.0%} of the {n_test} test pages of a random split have their text in training; "
            "the split by text has none"
        )
    if not 0 <= value <= 1:
        if _near(value, reference * n_test):
            raise NotYet("that is a number of pages: divide by the number of test pages to get a fraction")
        if _near(value, 100 * reference):
            raise NotYet("a fraction, not a percentage: divide by 100")
        raise NotYet("a fraction lies between 0 and 1: the leaking test pages over all the test pages")
    require(
        value != 0,
        "no test page shares a text with a training page? Compare the pages' texts (their labels in `groups`), "
        "not the page indices, and split at random (np.random.default_rng(0).permutation), not by text",
    )
    swapped = float(np.mean(np.isin(groups[train], groups[test])))
    require(
        not _near(value, swapped, 1e-9),
        "that is the fraction of the *training* pages whose text is in the test set: count over the test pages",
    )
    other_end = float(np.mean(np.isin(groups[order[-n_test:]], groups[order[:-n_test]])))
    require(
        not _near(value, other_end, 1e-9),
        f"the test pages are the first {n_test} indices of the permutation (order[:{n_test}]), the rest are "
        "training",
    )
    raise NotYet(
        f"take the first {n_test} indices of np.random.default_rng({seed}).permutation(len(noisy)) as test pages "
        "and the rest as training; a test page leaks when its text label (`groups`) is among the training pages' "
        "labels; `leaked` is the fraction of test pages that leak"
    )


@exercise("04.2")
def exercise_2(
    sauvola_rmse,
    *,
    noisy: Sequence[np.ndarray],
    clean: Sequence[np.ndarray],
    window_size: int = 15,
    k: float = 0.3,
) -> str:
    """``sauvola_rmse``: the mean per-page RMSE of the test pages binarised with Sauvola's local threshold."""
    from skimage.filters import threshold_sauvola

    from course_utils.documents import page_rmse

    value = _mean_rmse(sauvola_rmse, "sauvola_rmse")
    noisy, clean = _pages(noisy), _pages(clean)
    thresholds = [threshold_sauvola(p, window_size=window_size, k=k) for p in noisy]
    binarised = [(p > t).astype(np.float32) for p, t in zip(noisy, thresholds, strict=True)]
    per_page = page_rmse(clean, binarised)
    reference = float(per_page.mean())
    if _near(value, reference, 1e-4):  # a few pixels exactly at their threshold may go either way
        return f"Sauvola's local threshold: mean test RMSE {value:.4f}"
    inverted = [1.0 - b for b in binarised]
    require(
        not _near(value, float(page_rmse(clean, inverted).mean()), 1e-4),
        "black and white are swapped: paper is 1.0 (white) where the page is brighter than its threshold, and "
        "ink is 0.0",
    )
    require(
        not _near(value, float(page_rmse(clean, thresholds).mean()), 1e-4),
        "that scores the threshold map itself: binarise the page with it (1.0 where the page is brighter, "
        "0.0 elsewhere)",
    )
    require(
        not _near(value, float(page_rmse(noisy, binarised).mean()), 1e-4),
        "score the binarised pages against the clean targets, not against the noisy scans",
    )
    require(
        not _near(value, float(np.sqrt(np.mean(per_page**2))), 1e-4)
        and not _near(
            value,
            float(
                np.sqrt(
                    np.mean(
                        np.concatenate(
                            [((c - b) ** 2).ravel() for c, b in zip(clean, binarised, strict=True)]
                        )
                    )
                )
            ),
            1e-4,
        ),
        "store the mean of the per-page RMSEs (cu.documents.page_rmse(...).mean()), not one RMSE pooled over all "
        "the pixels (the competition's score, cu.documents.pooled_rmse)",
    )
    require(
        not _near(value, float(np.mean(per_page**2)), 1e-4),
        "that is a mean squared error: the score is the root of each page's MSE, then averaged over pages",
    )
    default_k = [(p > threshold_sauvola(p, window_size=window_size)).astype(np.float32) for p in noisy]
    require(
        not _near(value, float(page_rmse(clean, default_k).mean()), 1e-4),
        f"pass k={k} to threshold_sauvola: its default k is different",
    )
    raise NotYet(
        f"for every test page, threshold_sauvola(page, window_size={window_size}, k={k}) gives a threshold per "
        "pixel; the binarised page is 1.0 where the page is brighter than it and 0.0 elsewhere; store the mean "
        "of cu.documents.page_rmse(clean test pages, binarised pages)"
    )


@exercise("04.3")
def exercise_3(
    wide_rmse,
    *,
    noisy: Sequence[np.ndarray],
    clean: Sequence[np.ndarray],
    tutorial_rmse: float,
    steps: int,
    min_gain: float,
) -> str:
    """``wide_rmse``: the pooled validation RMSE of a cleaner with a wider receptive field after ``steps`` steps.

    ``tutorial_rmse`` is the tutorial cleaner's pooled RMSE on the same validation pages after the same number of
    steps (like for like); ``noisy``/``clean`` are those validation pages.
    """
    from course_utils.documents import page_rmse, pooled_rmse, threshold_pages

    value = _mean_rmse(wide_rmse, "wide_rmse")
    noisy, clean = _pages(noisy), _pages(clean)
    scan = pooled_rmse(clean, noisy)
    tutorial = float(np.mean(tutorial_rmse))
    require(
        not _near(value, tutorial, 1e-6),
        "that is the tutorial cleaner's validation RMSE (section 3): score your new, wider model with val_rmse",
    )
    require(
        not _near(value, scan, 1e-6),
        "that is the RMSE of the noisy validation pages themselves: clean them with your wider model, then score "
        "its output against the clean targets (val_rmse(model) does both)",
    )
    require(
        not _near(value, pooled_rmse(clean, threshold_pages(noisy)), 1e-6),
        "that is the global threshold's RMSE: score your wider model's cleaned validation pages",
    )
    require(
        not _near(value, float(page_rmse(clean, noisy).mean()), 1e-6),
        "that is the mean per-page RMSE of the noisy validation pages: score your wider model with val_rmse",
    )
    require(
        value < scan - min_gain,
        f"your wider model does not beat handing in the noisy pages by {min_gain:g} (RMSE {value:.4f}, noisy "
        f"pages {scan:.4f}): did it train for WIDE_EPOCHS on x_patches, y_patches, with a sigmoid output? Score it "
        "with val_rmse(model)",
    )
    verdict = "better than" if value < tutorial else "not better than"
    return (
        f"wider model after {steps} steps: validation RMSE {value:.4f}, {verdict} the tutorial cleaner after the "
        f"same {steps} steps ({tutorial:.4f}; noisy pages {scan:.4f})"
    )
