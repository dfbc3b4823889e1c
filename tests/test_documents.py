"""course_utils.documents: text groups, grouped splits, patches, whole-page cleaning, scores, synthetic pages."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import documents as docs

REAL_DATA = os.environ.get("COURSE_DATA_DIR")
HAS_DOCUMENTS = bool(REAL_DATA) and (Path(REAL_DATA) / "dirty-documents" / "train").is_dir()


def _texts(k: int, copies: int = 4, shape: tuple[int, int] = (6, 8), seed: int = 0) -> list[np.ndarray]:
    """``k`` distinct random pages, each repeated ``copies`` times (interleaved, like the real ids i, i+3, ...)."""
    rng = np.random.default_rng(seed)
    texts = [rng.random(shape).astype(np.float32) for _ in range(k)]
    return [texts[i].copy() for _ in range(copies) for i in range(k)]


class Identity:
    """A stand-in for a Keras model: returns its input; remembers the shapes it saw."""

    def __init__(self):
        self.seen: list[tuple[int, ...]] = []

    def predict(self, x, verbose=0):
        self.seen.append(x.shape)
        return x.copy()


@pytest.fixture(scope="module")
def synthetic():
    """A few synthetic pages, made once (each takes about a tenth of a second)."""
    return [docs.synthetic_page(seed) for seed in (0, 1, 2)]


# --------------------------------------------------------------------------------------------------- text groups
def test_text_groups_label_identical_pages_alike_in_order_of_first_appearance():
    a, b, c = (np.full((4, 5), v, np.float32) for v in (0.1, 0.5, 0.9))
    assert docs.text_groups([b, a, b.copy(), c, a]).tolist() == [0, 1, 0, 2, 1]


def test_text_groups_ignore_differences_below_8_bits():
    page = np.full((4, 5), 0.5, np.float32)
    assert docs.text_groups([page, page + 1e-4]).tolist() == [0, 0]


def test_text_groups_tell_pages_of_different_shapes_apart():
    assert docs.text_groups([np.ones((4, 6)), np.ones((6, 4)), np.ones((3, 8))]).tolist() == [0, 1, 2]


# --------------------------------------------------------------------------------------------------------- split
@settings(max_examples=40, deadline=None)
@given(st.integers(3, 30), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_split_pages_is_a_partition_that_never_splits_a_text(k, copies, seed):
    pages = _texts(k, copies)
    parts = docs.split_pages(pages, seed=seed)
    together = np.concatenate([parts["train"], parts["val"], parts["test"]])
    assert np.array_equal(np.sort(together), np.arange(len(pages)))  # disjoint and covering
    groups = docs.text_groups(pages)
    in_split = [set(groups[parts[name]].tolist()) for name in ("train", "val", "test")]
    assert all(s for s in in_split)  # every split gets a text
    assert not (in_split[0] & in_split[1] or in_split[0] & in_split[2] or in_split[1] & in_split[2])
    for name in ("train", "val", "test"):
        assert parts[name].dtype == np.int64 and np.all(np.diff(parts[name]) > 0)


def test_split_pages_is_deterministic_given_the_seed():
    pages = _texts(36)
    first, again = docs.split_pages(pages, seed=3), docs.split_pages(pages, seed=3)
    other = docs.split_pages(pages, seed=4)
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert not np.array_equal(first["test"], other["test"])


def test_split_pages_of_36_texts_on_4_pages_gives_96_24_24():
    parts = docs.split_pages(_texts(36, copies=4))
    assert [len(parts[k]) for k in ("train", "val", "test")] == [96, 24, 24]


def test_split_pages_gives_a_small_nonzero_fraction_one_text():
    parts = docs.split_pages(_texts(5, copies=2), val_fraction=0.05, test_fraction=0.05)
    assert [len(parts[k]) for k in ("train", "val", "test")] == [6, 2, 2]


def test_split_pages_zero_fraction_gives_an_empty_split():
    parts = docs.split_pages(_texts(4, copies=2), val_fraction=0.0, test_fraction=0.25)
    assert len(parts["val"]) == 0 and len(parts["test"]) == 2 and len(parts["train"]) == 6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"val_fraction": -0.1}, r"val_fraction must be in \[0, 1\], got -0.1"),
        ({"test_fraction": 1.5}, r"test_fraction must be in \[0, 1\], got 1.5"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, r"must be below 1 .*got 0.5 \+ 0.5 = 1"),
        ({"test_fraction": "a third"}, r"test_fraction must be a number"),
        ({"seed": -1}, r"seed must be a non-negative int, got -1"),
    ],
)
def test_split_pages_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        docs.split_pages(_texts(12), **kwargs)


def test_split_pages_with_too_few_texts_says_how_many_are_needed():
    with pytest.raises(ValueError, match=r"only 2 distinct text\(s\).*needs 3"):
        docs.split_pages(_texts(2, copies=4))


@pytest.mark.skipif(not HAS_DOCUMENTS, reason="needs COURSE_DATA_DIR with dirty-documents (the offline copy)")
def test_real_pages_split_by_text_and_score_as_measured():
    from course_utils import data

    noisy, clean, _ = data.load_dirty_documents()
    groups = docs.text_groups(clean)
    assert groups.max() + 1 == 36 and np.all(np.bincount(groups) == 4)
    parts = docs.split_pages(clean)
    assert [len(parts[k]) for k in ("train", "val", "test")] == [96, 24, 24]
    assert docs.page_rmse(clean, noisy).mean() == pytest.approx(0.155, abs=0.005)
    assert docs.page_rmse(clean, docs.threshold_pages(noisy, 0.6)).mean() == pytest.approx(0.178, abs=0.005)


# ------------------------------------------------------------------------------------------------------- patches
def test_random_patches_are_aligned_float32_with_a_channel_axis():
    rng = np.random.default_rng(0)
    noisy = [rng.random((30, 40)).astype(np.float32), rng.random((25, 50)).astype(np.float32)]
    x, y = docs.random_patches(noisy, [1 - p for p in noisy], 50, size=12, seed=1)
    assert x.shape == y.shape == (50, 12, 12, 1) and x.dtype == y.dtype == np.float32
    np.testing.assert_allclose(x, 1 - y, atol=1e-6)


def test_random_patches_are_cut_from_the_pages():
    page = np.arange(20 * 30, dtype=np.float32).reshape(20, 30) / 600
    x, _ = docs.random_patches([page], [page], 10, size=5, seed=0)
    for patch in x[..., 0]:  # rows and columns step like the page's: a contiguous window of it
        top, left = divmod(round(float(patch[0, 0]) * 600), 30)
        np.testing.assert_array_equal(patch, page[top : top + 5, left : left + 5])


def test_random_patches_are_deterministic_given_the_seed():
    pages = _texts(3, copies=1, shape=(20, 20))
    a = docs.random_patches(pages, pages, 8, size=6, seed=5)
    b = docs.random_patches(pages, pages, 8, size=6, seed=5)
    c = docs.random_patches(pages, pages, 8, size=6, seed=6)
    assert np.array_equal(a[0], b[0]) and not np.array_equal(a[0], c[0])


def test_random_patches_choose_pages_uniformly():
    pages = [np.full((10, 10), 0.25, np.float32), np.full((40, 40), 0.75, np.float32)]
    x, _ = docs.random_patches(pages, pages, 2000, size=8, seed=0)
    assert 0.45 < np.mean(x[:, 0, 0, 0] == 0.25) < 0.55  # per page, not per pixel (the big page has 16x more)


def test_random_patches_larger_than_a_page_says_the_largest_size_that_fits():
    pages = [np.zeros((30, 40), np.float32), np.zeros((20, 40), np.float32)]
    with pytest.raises(ValueError, match=r"page 1 is 20x40; use size <= 20"):
        docs.random_patches(pages, pages, 4, size=21)


# ---------------------------------------------------------------------------------------------- padding, cleaning
@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 16))
def test_pad_to_multiple_pads_with_edge_values_and_crops_back(h, w, multiple):
    page = np.random.default_rng(h * w).random((h, w)).astype(np.float32)
    padded = docs.pad_to_multiple(page, multiple)
    assert padded.shape[0] % multiple == 0 and padded.shape[1] % multiple == 0
    assert h <= padded.shape[0] < h + multiple and w <= padded.shape[1] < w + multiple
    np.testing.assert_array_equal(padded[:h, :w], page)
    np.testing.assert_array_equal(padded[h:, :w], np.broadcast_to(page[-1], padded[h:, :w].shape))
    np.testing.assert_array_equal(padded[:, w:], np.broadcast_to(padded[:, w - 1 : w], padded[:, w:].shape))


def test_clean_pages_gives_back_each_page_in_order_for_mixed_sizes():
    pages = [p[: 10 + 3 * (i % 3), : 9 + i] for i, p in enumerate(_texts(7, copies=1, shape=(20, 20)))]
    model = Identity()
    out = docs.clean_pages(model, pages, multiple=4, batch_size=2)
    assert len(out) == len(pages)
    for o, p in zip(out, pages, strict=True):
        assert o.dtype == np.float32
        np.testing.assert_array_equal(o, p)
    assert all(s[0] <= 2 and s[1] % 4 == 0 and s[2] % 4 == 0 and s[3] == 1 for s in model.seen)


def test_clean_pages_batches_pages_of_the_same_padded_shape():
    pages = [np.zeros((10, 12), np.float32), np.zeros((14, 12), np.float32)] * 3
    model = Identity()
    docs.clean_pages(model, pages, multiple=4, batch_size=2)
    assert sorted(model.seen) == [(1, 12, 12, 1), (1, 16, 12, 1), (2, 12, 12, 1), (2, 16, 12, 1)]


def test_clean_pages_applies_the_model_and_clips_to_the_unit_range():
    class Stretch:
        def predict(self, x, verbose=0):
            return 2 * x - 0.5

    page = np.linspace(0, 1, 30, dtype=np.float32).reshape(5, 6)
    (out,) = docs.clean_pages(Stretch(), [page])
    np.testing.assert_allclose(out, np.clip(2 * page - 0.5, 0, 1), atol=1e-6)


def test_clean_pages_with_a_model_that_changes_the_shape_says_so():
    class Shrink:
        def predict(self, x, verbose=0):
            return x[:, ::2, ::2]

    with pytest.raises(
        ValueError, match=r"model returned shape \(1, 6, 6, 1\) for input of shape \(1, 12, 12, 1\)"
    ):
        docs.clean_pages(Shrink(), [np.zeros((10, 10), np.float32)])


def test_clean_pages_needs_a_model_with_predict():
    with pytest.raises(ValueError, match="model must have a predict"):
        docs.clean_pages(lambda x: x, [np.zeros((8, 8), np.float32)])


# ------------------------------------------------------------------------------------------------ scores, baseline
def test_page_rmse_known_values():
    clean = [np.ones((2, 2)), np.zeros((3, 3)), np.full((1, 4), 0.5)]
    pred = [np.full((2, 2), 0.75), np.zeros((3, 3)), np.array([[0.5, 0.5, 0.5, 1.0]])]
    rmse = docs.page_rmse(clean, pred)
    assert rmse.dtype == np.float64 and rmse.shape == (3,)
    np.testing.assert_allclose(rmse, [0.25, 0.0, 0.25])


@settings(max_examples=50, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.integers(1, 20), st.integers(1, 20))
def test_page_rmse_of_constant_pages_is_their_difference(a, b, h, w):
    (rmse,) = docs.page_rmse([np.full((h, w), a)], [np.full((h, w), b)])
    assert rmse == pytest.approx(abs(a - b), abs=1e-12)


def test_threshold_pages_make_white_above_the_threshold_and_black_elsewhere():
    (out,) = docs.threshold_pages([np.array([[0.2, 0.6, 0.61, 1.0]])], 0.6)
    assert out.dtype == np.float32 and out.tolist() == [[0.0, 0.0, 1.0, 1.0]]


def test_pooled_rmse_weighs_every_pixel_alike_and_roots_once():
    clean = [np.ones((1, 2)), np.ones((3, 2))]
    pred = [np.zeros((1, 2)), np.ones((3, 2))]  # one short page all wrong, one tall page all right
    assert docs.pooled_rmse(clean, pred) == pytest.approx(np.sqrt(2 / 8))
    assert docs.page_rmse(clean, pred).mean() == pytest.approx(0.5)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_pooled_rmse_of_equal_sized_pages_is_never_below_the_mean_page_rmse(n, seed):
    rng = np.random.default_rng(seed)
    clean, pred = list(rng.random((n, 5, 7))), list(rng.random((n, 5, 7)))
    assert docs.pooled_rmse(clean, pred) >= docs.page_rmse(clean, pred).mean() - 1e-12


def test_divide_background_whitens_shaded_paper_and_keeps_the_strokes_dark():
    shade = np.linspace(0.5, 0.9, 40, dtype=np.float32)[None, :].repeat(
        30, axis=0
    )  # paper darker on the left
    text = np.ones((30, 40), np.float32)
    text[10:12, 5:35] = 0.1  # a two-pixel stroke
    (out,) = docs.divide_background([shade * text], size=9)
    paper = text == 1
    assert out.dtype == np.float32 and out.shape == text.shape
    assert np.abs(out[paper] - 1).max() < 0.05  # the gradient is gone (from 0.5-0.9)
    assert out[~paper].max() < 0.15  # the stroke is still ink


def test_divide_background_needs_an_odd_window():
    with pytest.raises(ValueError, match="size must be odd"):
        docs.divide_background([np.ones((8, 8))], size=10)


def test_background_groups_find_pages_on_the_same_paper_whatever_their_texts():
    rng = np.random.default_rng(0)
    papers = [np.clip(0.7 + 0.1 * rng.standard_normal((40, 48)), 0, 1) for _ in range(2)]
    texts = [np.where(rng.random((40, 48)) < 0.1, 0.0, 1.0) for _ in range(3)]
    noisy = [papers[0] * texts[0], papers[1] * texts[1], papers[0] * texts[2], papers[1] * texts[0]]
    clean = [texts[0], texts[1], texts[2], texts[0]]
    assert docs.background_groups(noisy, clean, stride=2).tolist() == [0, 1, 0, 1]


def test_background_groups_keep_pages_of_other_shapes_apart():
    page = np.full((16, 16), 0.8)
    labels = docs.background_groups(
        [page, page[:12], page], [np.ones((16, 16)), np.ones((12, 16)), np.ones((16, 16))]
    )
    assert labels.tolist() == [0, 1, 0]


@pytest.mark.skipif(not HAS_DOCUMENTS, reason="needs the Kaggle pages under $COURSE_DATA_DIR")
def test_real_pages_reuse_a_few_backgrounds_each_text_on_four():
    from course_utils.data import load_dirty_documents

    noisy, clean, _ = load_dirty_documents()
    backgrounds, texts = docs.background_groups(noisy, clean), docs.text_groups(clean)
    assert 10 <= backgrounds.max() + 1 <= 20
    assert all(len(set(backgrounds[texts == t])) == 4 for t in set(texts.tolist()))


class Box:
    """A stand-in model: a k x k box filter, applied ``times`` times (receptive field times * (k - 1) + 1)."""

    def __init__(self, k, times=1):
        self.k, self.times = k, times

    def predict(self, x, verbose=0):
        from scipy import ndimage

        for _ in range(self.times):
            x = ndimage.uniform_filter(x, size=(1, self.k, self.k, 1), mode="constant")
        return x


@pytest.mark.parametrize(("k", "times", "expected"), [(1, 1, 1), (3, 1, 3), (5, 1, 5), (3, 2, 5), (3, 3, 7)])
def test_receptive_field_of_stacked_box_filters(k, times, expected):
    assert docs.receptive_field(Box(k, times), size=32) == expected


def test_receptive_field_wider_than_the_test_page_asks_for_a_larger_one():
    with pytest.raises(ValueError, match="pass a larger size"):
        docs.receptive_field(Box(15, 3), size=32)


# ----------------------------------------------------------------------------------------------- synthetic pages
def test_synthetic_page_is_byte_identical_for_the_same_seed(synthetic):
    noisy, clean = docs.synthetic_page(0)
    assert noisy.tobytes() == synthetic[0][0].tobytes() and clean.tobytes() == synthetic[0][1].tobytes()


def test_synthetic_pages_differ_between_seeds(synthetic):
    (n0, c0), (n1, c1) = synthetic[0], synthetic[1]
    assert not np.array_equal(c0, c1) and np.mean(np.abs(n0 - n1)) > 0.05


def test_synthetic_page_has_the_asked_shape_float32_in_unit_range():
    noisy, clean = docs.synthetic_page(7, height=100, width=150)
    for page in (noisy, clean):
        assert page.shape == (100, 150) and page.dtype == np.float32
        assert 0.0 <= page.min() and page.max() <= 1.0


def test_synthetic_clean_page_is_white_paper_with_some_dark_ink(synthetic):
    for _, clean in synthetic:
        assert np.mean(clean == 1.0) > 0.7  # mostly untouched paper
        assert 0.04 < np.mean(clean < 0.5) < 0.25  # real pages: 0.08-0.13
        assert clean.min() < 0.05  # ink is dark


def test_synthetic_noisy_page_differs_from_clean_like_a_real_scan(synthetic):
    rmse = docs.page_rmse([c for _, c in synthetic], [n for n, _ in synthetic])
    assert np.all((0.04 < rmse) & (rmse < 0.32))  # real pages: 0.12-0.21


def test_synthetic_noisy_page_keeps_the_ink_dark(synthetic):
    for noisy, clean in synthetic:
        ink, paper = noisy[clean < 0.05], noisy[clean == 1.0]
        assert np.median(ink) < 0.35 < np.median(paper)


def test_synthetic_page_font_size_sets_the_size_of_the_type():
    def lines(page):  # runs of rows that hold ink
        return np.count_nonzero(np.diff(np.any(page < 0.5, axis=1).astype(int)) == 1)

    small = docs.synthetic_page(3, height=128, width=200, font_size=10)[1]
    large = docs.synthetic_page(3, height=128, width=200, font_size=30)[1]
    assert lines(small) > 2 * lines(large) > 0


def test_synthetic_pages_alternate_heights_and_page_i_does_not_depend_on_n():
    noisy, clean = docs.synthetic_pages(3, seed=2, heights=(64, 80), width=96)
    assert [p.shape for p in noisy] == [(64, 96), (80, 96), (64, 96)] == [p.shape for p in clean]
    fewer, _ = docs.synthetic_pages(2, seed=2, heights=(64, 80), width=96)
    assert np.array_equal(fewer[1], noisy[1]) and not np.array_equal(noisy[0], noisy[2])


# ------------------------------------------------------------------------------------------- argument validation
PAGE = np.full((12, 12), 0.5, np.float32)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: docs.synthetic_page(-1), r"seed must be a non-negative int, got -1"),
        (lambda: docs.synthetic_page(1.5), r"seed must be a non-negative int, got 1.5"),
        (lambda: docs.synthetic_page(True), r"seed must be a non-negative int, got True"),
        (lambda: docs.synthetic_page(0, height=10), r"height must be an int in \[64, 2048\], got 10"),
        (lambda: docs.synthetic_page(0, height=258.0), r"height must be an int, got 258.0"),
        (lambda: docs.synthetic_page(0, width=5000), r"width must be an int in \[64, 2048\], got 5000"),
        (lambda: docs.synthetic_page(0, font_size=4), r"font_size must be in \[8, 48\], got 4"),
        (lambda: docs.synthetic_page(0, height=64, font_size=30), r"font_size must be at most height / 3"),
        (lambda: docs.synthetic_pages(0), r"n must be an int >= 1, got 0"),
        (lambda: docs.synthetic_pages(1, heights=()), r"heights must be a non-empty sequence"),
        (lambda: docs.synthetic_pages(1, heights=(258, 12)), r"heights\[1\] must be an int in \[64, 2048\]"),
        (lambda: docs.text_groups([]), r"clean must hold at least one page, got an empty list"),
        (
            lambda: docs.text_groups([np.full((4, 4), 255, np.uint8)]),
            r"clean\[0\] .*got uint8; divide by 255",
        ),
        (
            lambda: docs.text_groups([PAGE, PAGE[None]]),
            r"clean\[1\] must be a 2-D page .*got shape \(1, 12, 12\)",
        ),
        (lambda: docs.text_groups([PAGE[..., None]]), r"drop the channel axis with page\[\.\.\., 0\]"),
        (
            lambda: docs.text_groups([PAGE * 3]),
            r"clean\[0\] must lie in \[0, 1\], got values in \[1.5, 1.5\]",
        ),
        (lambda: docs.text_groups([PAGE * np.nan]), r"clean\[0\] contains NaN or inf"),
        (lambda: docs.text_groups(PAGE), r"array of shape \(N, H, W\), got an array of shape \(12, 12\)"),
        (
            lambda: docs.page_rmse([PAGE], [PAGE[:, :10]]),
            r"clean\[0\] and pred\[0\] must have the same shape",
        ),
        (lambda: docs.page_rmse([PAGE], [PAGE, PAGE]), r"same number of pages, got 1 and 2"),
        (lambda: docs.random_patches([PAGE], [PAGE], 0), r"n must be an int >= 1, got 0"),
        (lambda: docs.random_patches([PAGE], [PAGE], 2, size=13), r"size must fit in every page"),
        (lambda: docs.random_patches([PAGE], [PAGE], 2, seed=-3), r"seed must be a non-negative int, got -3"),
        (lambda: docs.pad_to_multiple(PAGE, 0), r"multiple must be an int in \[1, 1024\], got 0"),
        (
            lambda: docs.clean_pages(Identity(), [PAGE], batch_size=0),
            r"batch_size must be an int >= 1, got 0",
        ),
        (lambda: docs.threshold_pages([PAGE], 1.2), r"threshold must be in \[0, 1\], got 1.2"),
    ],
)
def test_bad_arguments_raise_value_errors_that_say_what_was_expected(call, match):
    with pytest.raises(ValueError, match=match):
        call()
