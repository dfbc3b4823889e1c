"""Checks for the exercises of notebook 04 (document cleaning).

04.1 compares a SHA-256 digest of the learner's count of leaking test pages with the digests of the right counts
for the two page sets the notebook can load (the Kaggle training pages, or its synthetic stand-in), so that the
counts themselves are not written here. 04.2 takes the learner's binarised pages: it scores them itself and tests
Sauvola's definition at randomly sampled pixels (local mean and deviation computed directly, window by window),
without running a binarisation. 04.3 takes the learner's model and recomputes its validation RMSE, weight updates
and receptive field.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from course_utils.checks import answered, as_number, exercise, require


def _near(value: float, reference: float, tol: float = 1e-6) -> bool:
    return bool(abs(value - reference) <= tol * max(1.0, abs(reference)))


def _mean_rmse(value, name: str, what: str = "the mean RMSE over the test pages") -> float:
    """The learner's RMSE as a float in (0, 1), with hints for a per-page array and out-of-range numbers."""
    answered(value, name, f"{what} (a float)")
    require(
        np.ndim(value) == 0,
        f"`{name}` has shape {np.shape(value)}: store {what}, one float "
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


# ------------------------------------------------------------------------------------------------ 04.1
#: Digests of the right answers, by page set: sha256 of "<fingerprint of the texts>|<n_test>|<seed>|<count>",
#: the count being the number of leaking test pages. The fingerprint is the sha256 of the pages' text labels
#: (cu.documents.text_groups, int64). Keys: the Kaggle training pages, and synthetic_pages(144, seed=1000).
_LEAK_DIGESTS = {
    "Kaggle training pages": "13a754c5884ae3f7c5eccf370142e05999afd570644a795d4c8f4e009413179a",
    "the notebook's synthetic pages": "08d6ccb78aab23145c8d6783de913cbbd9448528780a8b3f74f0160be5c83b24",
}


def _fingerprint(clean: Sequence[np.ndarray]) -> str:
    from course_utils.documents import text_groups

    return hashlib.sha256(np.asarray(text_groups(clean), dtype="<i8").tobytes()).hexdigest()


def _leak_digest(fingerprint: str, n_test: int, seed: int, count: int) -> str:
    return hashlib.sha256(f"{fingerprint}|{n_test}|{seed}|{count}".encode()).hexdigest()


@exercise("04.1")
def exercise_1(leaked, *, clean: Sequence[np.ndarray], n_test: int = 24, seed: int = 0) -> str:
    """``leaked``: the fraction of the test pages of a random page split whose text is also in its training pages.

    The learner's count (``leaked * n_test``) is hashed with a fingerprint of the pages' texts and compared with
    the digests of the right counts; the check knows them for the page sets the notebook loads.
    """
    answered(leaked, "leaked", "a float in [0, 1]: the fraction of the test pages whose text is in training")
    value = as_number(leaked, "leaked")
    fingerprint = _fingerprint(clean)
    known = set(_LEAK_DIGESTS.values())

    def right(fraction: float) -> bool:
        count = fraction * n_test
        return (
            bool(abs(count - round(count)) < 1e-6)
            and _leak_digest(fingerprint, n_test, seed, round(count)) in known
        )

    if 0 <= value <= 1 and right(value):
        return f"{value:.0%} of the {n_test} test pages of a random split have their text in training"
    require(
        any(_leak_digest(fingerprint, n_test, seed, c) in known for c in range(n_test + 1)),
        "the check knows the answer for the Kaggle training pages and for the notebook's synthetic stand-in only, "
        "and `clean` is neither: pass the notebook's `clean` pages (all of them) and n_test=24, seed=0",
    )
    if not 0 <= value <= 1:
        require(not right(value / n_test), "that is a number of pages: divide by the number of test pages")
        require(not right(value / 100), "a fraction, not a percentage: divide by 100")
        require(False, "a fraction lies between 0 and 1: the leaking test pages over all the test pages")
    count = value * n_test
    require(
        abs(count - round(count)) < 1e-6,
        f"a fraction of {n_test} test pages is a whole number of pages over {n_test}, and {value:g} × {n_test} is "
        "not: count over the test pages only (not over the training pages or all the pages)",
    )
    require(
        False,
        f"not the right count: check which pages you compare — the test pages are the first {n_test} of the "
        "permutation, the rest are training — and that you compare their *texts* (`groups`), not their indices or "
        "noisy scans",
    )
    return ""  # not reached: require(False, ...) raises


# ------------------------------------------------------------------------------------------------ 04.2
#: Pixels sampled (over all the pages) at which the learner's binarisation is tested against Sauvola's definition.
_SAMPLED = 20000
#: A sampled pixel this close to its threshold is not tested (float32 rounding may put it on either side).
_MARGIN = 1e-4


def _sauvola_disagreements(
    noisy: list[np.ndarray], binarised: list[np.ndarray], window_size: int, k: float, seed: int = 0
) -> tuple[int, int, int]:
    """At sampled interior pixels, how often ``binarised`` differs from t = m (1 + k (s/R - 1)) (R = 1, floats).

    The local mean m and standard deviation s are computed directly from each sampled pixel's window (no
    integral images, no scikit-image). Returns (tested, white where darker than t, black where brighter than t).
    """
    rng = np.random.default_rng(seed)
    half = window_size // 2
    offsets = np.arange(-half, half + 1)
    tested = white_below = black_above = 0
    per_page = max(1, _SAMPLED // max(1, len(noisy)))
    for page, binary in zip(noisy, binarised, strict=True):
        h, w = page.shape
        if h <= 2 * half or w <= 2 * half:
            continue
        rows = rng.integers(half, h - half, per_page)
        cols = rng.integers(half, w - half, per_page)
        windows = page[(rows[:, None] + offsets)[:, :, None], (cols[:, None] + offsets)[:, None, :]].astype(
            np.float64
        )
        m = windows.mean(axis=(1, 2))
        s = windows.std(axis=(1, 2))
        t = m * (1 + k * (s / 1.0 - 1))
        v = page[rows, cols].astype(np.float64)
        b = binary[rows, cols]
        clear = np.abs(v - t) > _MARGIN
        tested += int(clear.sum())
        white_below += int(np.sum(clear & (v <= t) & (b > 0.5)))
        black_above += int(np.sum(clear & (v > t) & (b <= 0.5)))
    return tested, white_below, black_above


@exercise("04.2")
def exercise_2(
    sauvola_rmse,
    binarised,
    *,
    noisy: Sequence[np.ndarray],
    clean: Sequence[np.ndarray],
    window_size: int = 15,
    k: float = 0.3,
) -> str:
    """``binarised``: the test pages binarised with Sauvola's threshold; ``sauvola_rmse``: their mean per-page RMSE.

    The check scores the learner's pages itself (``cu.documents.page_rmse``) and tests them against Sauvola's
    definition at sampled pixels.
    """
    from course_utils.documents import page_rmse, pooled_rmse

    value = _mean_rmse(sauvola_rmse, "sauvola_rmse")
    answered(binarised, "binarised", "the list of your binarised test pages (one array per page)")
    noisy, clean = _pages(noisy), _pages(clean)
    require(
        isinstance(binarised, (list, tuple)) and len(binarised) == len(noisy),
        f"`binarised` must be a list of {len(noisy)} pages, one per test page, got "
        f"{type(binarised).__name__} of length {len(binarised) if hasattr(binarised, '__len__') else '?'}",
    )
    pages = _pages(binarised)
    require(
        all(b.shape == p.shape for b, p in zip(pages, noisy, strict=True)),
        "every binarised page must have the shape of its test page",
    )
    require(
        all(np.all((b == 0) | (b == 1)) for b in pages),
        "a binarised page holds only 0.0 (ink) and 1.0 (paper): compare the page with its threshold map",
    )
    per_page = page_rmse(clean, pages)
    if not _near(value, float(per_page.mean()), 1e-5):
        require(
            not _near(value, pooled_rmse(clean, pages), 1e-5),
            "store the mean of the per-page RMSEs (cu.documents.page_rmse(...).mean()), not one RMSE pooled over "
            "all the pixels (the competition's score, cu.documents.pooled_rmse)",
        )
        require(
            not _near(value, float(np.mean(per_page**2)), 1e-5),
            "that is a mean squared error: the score is the root of each page's MSE, then averaged over pages",
        )
        require(
            not _near(value, float(page_rmse(noisy, pages).mean()), 1e-5),
            "score the binarised pages against the clean targets, not against the noisy scans",
        )
        require(
            False,
            "`sauvola_rmse` is not the mean per-page RMSE of your `binarised` pages against the clean targets",
        )
    tested, white_below, black_above = _sauvola_disagreements(noisy, pages, window_size, k)
    require(tested > 0, "the pages are smaller than the window: pass the test pages")
    wrong = white_below + black_above
    require(
        wrong < 0.5 * tested,
        "black and white are swapped: paper is 1.0 (white) where the page is brighter than its threshold, and ink "
        "is 0.0",
    )
    require(
        wrong == 0,
        f"at {wrong} of {tested} sampled pixels your pages differ from Sauvola's threshold with "
        f"window_size={window_size}, k={k} ({white_below} white where the page is darker than it, {black_above} "
        "black where it is brighter): check the window and k you passed to threshold_sauvola, and that each page "
        "is compared with its own threshold map",
    )
    return f"Sauvola's local threshold: mean test RMSE {value:.4f} (checked at {tested} sampled pixels)"


# ------------------------------------------------------------------------------------------------ 04.3
@exercise("04.3")
def exercise_3(
    wide_rmse,
    *,
    model,
    noisy: Sequence[np.ndarray],
    clean: Sequence[np.ndarray],
    tutorial_rmse: float,
    tutorial_field: int,
    steps: int,
    min_gain: float,
) -> str:
    """``wide_rmse``: the pooled validation RMSE of ``model``, a cleaner with a wider receptive field, after ``steps``.

    The check recomputes the RMSE from the model on the validation pages ``noisy``/``clean``, counts the model's
    weight updates and measures its receptive field (against the tutorial cleaner's ``tutorial_field``).
    ``tutorial_rmse`` is the tutorial cleaner's pooled RMSE on the same pages after as many steps (like for like).
    """
    from course_utils.documents import clean_pages, page_rmse, pooled_rmse, receptive_field

    value = _mean_rmse(
        wide_rmse, "wide_rmse", "the pooled validation RMSE of your wider model, val_rmse(wide)"
    )
    answered(model, "wide", "your wider model, trained")
    require(
        hasattr(model, "predict") and getattr(model, "optimizer", None) is not None,
        f"`wide` must be your trained, compiled Keras model, got {type(model).__name__}",
    )
    updates = int(np.asarray(model.optimizer.iterations))
    require(
        updates == steps,
        f"`wide` made {updates} weight updates: train it for WIDE_EPOCHS epoch on x_patches, y_patches with "
        f"batch_size=BATCH ({steps} updates), once",
    )
    field = receptive_field(model)
    require(
        field > tutorial_field,
        f"`wide` sees a {field}-pixel window, no wider than the tutorial cleaner's {tutorial_field}: add a pooling "
        "level or dilated convolutions",
    )
    noisy, clean = _pages(noisy), _pages(clean)
    cleaned = clean_pages(model, noisy)
    recomputed = pooled_rmse(clean, cleaned)
    scan = pooled_rmse(clean, noisy)
    if not _near(value, recomputed, 1e-4):
        require(
            not _near(value, float(np.mean(tutorial_rmse)), 1e-6),
            "that is the tutorial cleaner's validation RMSE (section 3): score your new, wider model with val_rmse",
        )
        require(
            not _near(value, scan, 1e-6),
            "that is the RMSE of the noisy validation pages themselves: score your wider model with val_rmse(wide)",
        )
        require(
            not _near(value, float(page_rmse(clean, cleaned).mean()), 1e-4),
            "that is the mean per-page RMSE: the exercise asks for the pooled one, val_rmse(wide)",
        )
        require(
            False,
            f"`wide_rmse` = {value:.4f} is not the validation RMSE of `wide`: store val_rmse(wide) after training "
            "(a typed-in number will not do)",
        )
    require(
        value < scan - min_gain,
        f"your wider model does not beat handing in the noisy pages by {min_gain:g} (RMSE {value:.4f}, noisy "
        f"pages {scan:.4f}): does it end with a sigmoid, and did it train on x_patches, y_patches?",
    )
    verdict = "better than" if value < tutorial_rmse else "not better than"
    return (
        f"wider model (receptive field {field} pixels) after {steps} steps: validation RMSE {value:.4f}, {verdict} "
        f"the tutorial cleaner after the same {steps} steps ({tutorial_rmse:.4f}; noisy pages {scan:.4f})"
    )
