"""Checks of notebook 04 (document cleaning): right answers pass, blank and typical wrong ones get a hint."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import checks
from course_utils.checks import nb04
from course_utils.documents import clean_pages, page_rmse, pooled_rmse, text_groups, threshold_pages


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


def _leak(clean, n_test=24, seed=0) -> float:
    """The reference: the fraction of the first n_test pages of a random permutation whose text is in the rest."""
    groups = text_groups(clean)
    order = np.random.default_rng(seed).permutation(len(clean))
    return float(np.mean(np.isin(groups[order[:n_test]], groups[order[n_test:]])))


def _distinct(n: int = 144) -> list[np.ndarray]:
    """n clean pages with n different texts (like the notebook's synthetic stand-in): bits of the page number."""
    return [((i >> np.arange(8)) & 1).astype(np.float32).reshape(2, 4) for i in range(n)]


@pytest.fixture(scope="module")
def kaggle_data():
    """The Kaggle training pages (noisy, clean), if the data is here (the notebook's usual page set)."""
    from course_utils import data

    try:
        noisy, clean, _ = data.load_dirty_documents()
    except FileNotFoundError:
        pytest.skip("the Kaggle dirty-documents data is not here")
    return noisy, clean


@pytest.fixture(scope="module")
def kaggle(kaggle_data):
    """The Kaggle training pages' clean targets."""
    return kaggle_data[1]


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


def _sauvola(noisy, k=0.3, window_size=15) -> list[np.ndarray]:
    """The reference binarisation: white where the page is brighter than Sauvola's threshold."""
    from skimage.filters import threshold_sauvola

    return [(p > threshold_sauvola(p, window_size=window_size, k=k)).astype(np.float32) for p in noisy]


def _score(clean, pages) -> float:
    return float(page_rmse(clean, pages).mean())


# ------------------------------------------------------------------------------------------------ exercise 1
def test_ex1_right_fraction_on_the_synthetic_stand_in_passes(capsys):
    clean = _distinct()
    assert _leak(clean) == 0.0
    assert nb04.exercise_1(_leak(clean), clean=clean, n_test=24)
    assert capsys.readouterr().out.startswith("✓ 04.1 right")


def test_ex1_right_fraction_on_the_kaggle_pages_passes(kaggle, capsys):
    assert nb04.exercise_1(_leak(kaggle), clean=kaggle, n_test=24)
    assert capsys.readouterr().out.startswith("✓ 04.1 right")


def test_ex1_the_check_does_not_compute_the_answer():
    import inspect

    source = inspect.getsource(nb04.exercise_1)
    assert "permutation(" not in source and "isin" not in source


def test_ex1_blank_answer_gets_a_hint_before_the_data_is_touched():
    with pytest.raises(checks.NotYet, match="`leaked` is still None"):
        nb04.exercise_1(None, clean=_Untouchable())


def test_ex1_pages_the_check_does_not_know_get_a_hint():
    clean = _texts()
    with pytest.raises(checks.NotYet, match="knows the answer for the Kaggle training pages"):
        nb04.exercise_1(_leak(clean, n_test=6), clean=clean, n_test=6)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda ref: ref * 24, "number of pages: divide"),
        (lambda ref: ref * 100, "not a percentage"),
        (lambda ref: 1 - ref + 1 / 24, "not the right count"),
        (lambda ref: 0.0, "not the right count"),
    ],
)
def test_ex1_typical_mistakes_on_the_kaggle_pages_get_their_hint(kaggle, wrong, match):
    reference = _leak(kaggle)
    with pytest.raises(checks.NotYet, match=match) as err:
        nb04.exercise_1(wrong(reference), clean=kaggle, n_test=24)
    assert f"{reference:.2f}" not in str(err.value) and f"{reference:.0%}" not in str(err.value)


def test_ex1_counting_over_the_training_pages_is_caught(kaggle):
    groups = text_groups(kaggle)
    order = np.random.default_rng(0).permutation(len(kaggle))
    swapped = float(np.mean(np.isin(groups[order[24:]], groups[order[:24]])))
    with pytest.raises(checks.NotYet, match="count over the test pages only"):
        nb04.exercise_1(swapped, clean=kaggle, n_test=24)


def test_ex1_a_wrong_count_on_the_synthetic_stand_in_is_caught():
    with pytest.raises(checks.NotYet, match="not the right count"):
        nb04.exercise_1(1 / 24, clean=_distinct(), n_test=24)


# ------------------------------------------------------------------------------------------------ exercise 2
def _ex2(value, pages, noisy, clean):
    return nb04.exercise_2(value, pages, noisy=noisy, clean=clean, window_size=15, k=0.3)


def test_ex2_right_pages_and_rmse_pass(capsys):
    noisy, clean = _scans()
    pages = _sauvola(noisy)
    assert _ex2(_score(clean, pages), pages, noisy, clean)
    assert "✓ 04.2 right" in capsys.readouterr().out


def test_ex2_the_check_does_not_run_sauvola():
    import inspect

    source = inspect.getsource(nb04)
    assert "threshold_sauvola(" not in source and "import threshold_sauvola" not in source


def test_ex2_blank_answer_gets_a_hint_before_the_data_is_touched():
    with pytest.raises(checks.NotYet, match="`sauvola_rmse` is still None"):
        nb04.exercise_2(None, None, noisy=_Untouchable(), clean=_Untouchable())


def test_ex2_blank_pages_get_a_hint_before_the_data_is_touched():
    with pytest.raises(checks.NotYet, match="`binarised` is still None"):
        nb04.exercise_2(0.1, None, noisy=_Untouchable(), clean=_Untouchable())


def test_ex2_per_page_array_asks_for_the_mean():
    noisy, clean = _scans()
    with pytest.raises(checks.NotYet, match="mean RMSE over the test pages, one float"):
        _ex2(np.full(3, 0.1), _sauvola(noisy), noisy, clean)


def test_ex2_a_typed_in_number_is_caught():
    noisy, clean = _scans()
    with pytest.raises(checks.NotYet, match="is not the mean per-page RMSE of your `binarised` pages"):
        _ex2(0.05, _sauvola(noisy), noisy, clean)


def test_ex2_grey_pages_are_not_binarised():
    from skimage.filters import threshold_sauvola

    noisy, clean = _scans()
    maps = [threshold_sauvola(p, window_size=15, k=0.3) for p in noisy]
    with pytest.raises(checks.NotYet, match="only 0.0"):
        _ex2(_score(clean, maps), maps, noisy, clean)


def test_ex2_a_page_missing_is_caught():
    noisy, clean = _scans()
    pages = _sauvola(noisy)[:2]
    with pytest.raises(checks.NotYet, match="list of 3 pages"):
        _ex2(0.1, pages, noisy, clean)


def test_ex2_swapped_black_and_white_is_caught_without_giving_the_value():
    noisy, clean = _scans()
    inverted = [1 - b for b in _sauvola(noisy)]
    with pytest.raises(checks.NotYet, match="swapped") as err:
        _ex2(_score(clean, inverted), inverted, noisy, clean)
    assert f"{_score(clean, _sauvola(noisy)):.3f}" not in str(err.value)


@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param(lambda noisy: _sauvola(noisy, k=0.2), id="default k"),
        pytest.param(lambda noisy: threshold_pages(noisy, 0.6), id="a global threshold"),
    ],
)
def test_ex2_pages_binarised_another_way_fail_the_definition_at_sampled_pixels(wrong):
    noisy, clean = _scans()
    pages = [np.asarray(p, np.float32) for p in wrong(noisy)]
    with pytest.raises(checks.NotYet, match="differ from Sauvola's threshold"):
        _ex2(_score(clean, pages), pages, noisy, clean)


@pytest.fixture(scope="module")
def kaggle_pages(kaggle_data):
    """Four of the Kaggle pages (noisy, clean)."""
    noisy, clean = kaggle_data
    return noisy[:4], clean[:4]


@pytest.mark.parametrize(("k", "window_size"), [(0.3, 15), (0.35, 15), (0.25, 15), (0.3, 13), (0.3, 17)])
def test_ex2_on_real_pages_only_the_asked_window_and_k_pass(kaggle_pages, k, window_size):
    noisy, clean = kaggle_pages
    pages = _sauvola(noisy, k=k, window_size=window_size)
    if (k, window_size) == (0.3, 15):
        assert _ex2(_score(clean, pages), pages, noisy, clean)
    else:
        with pytest.raises(checks.NotYet, match="differ from Sauvola's threshold"):
            _ex2(_score(clean, pages), pages, noisy, clean)


def test_ex2_pooled_rmse_mse_and_scoring_against_the_scans_are_caught():
    noisy, clean = _scans()
    pages = _sauvola(noisy)
    per_page = page_rmse(clean, pages)
    for value, match in (
        (pooled_rmse(clean, pages), "pooled"),
        (float(np.mean(per_page**2)), "mean squared error"),
        (_score(noisy, pages), "not against the noisy scans"),
    ):
        with pytest.raises(checks.NotYet, match=match):
            _ex2(value, pages, noisy, clean)


# ------------------------------------------------------------------------------------------------ exercise 3
keras = pytest.importorskip("keras")
WIDE_STEPS = 3


@pytest.fixture(scope="module")
def wide():
    """A tiny fully convolutional cleaner with a dilated layer (receptive field 7), trained WIDE_STEPS steps."""
    noisy, clean = _scans()
    keras.utils.set_random_seed(0)
    x_in = keras.Input(shape=(None, None, 1))
    h = keras.layers.Conv2D(4, 3, dilation_rate=2, activation="relu", padding="same")(x_in)
    model = keras.Model(x_in, keras.layers.Conv2D(1, 3, activation="sigmoid", padding="same")(h))
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    x = np.stack([p[:40, :48] for p in noisy])[..., None]
    y = np.stack([p[:40, :48] for p in clean])[..., None]
    model.fit(x, y, batch_size=1, epochs=1, verbose=0)
    return model


def _val() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Validation pages of three heights (so that the pooled and the mean per-page RMSE differ)."""
    noisy, clean = _scans()
    heights = (40, 32, 20)
    return (
        [p[:h] for p, h in zip(noisy, heights, strict=True)],
        [p[:h] for p, h in zip(clean, heights, strict=True)],
    )


def _wide_rmse(model, noisy, clean) -> float:
    """The reference: the model's pooled RMSE on the pages."""
    return pooled_rmse(clean, clean_pages(model, noisy))


def _ex3(value, model, *, tutorial=0.1, field=5, steps=WIDE_STEPS, min_gain=-1.0):
    noisy, clean = _val()
    return nb04.exercise_3(
        value,
        model=model,
        noisy=noisy,
        clean=clean,
        tutorial_rmse=tutorial,
        tutorial_field=field,
        steps=steps,
        min_gain=min_gain,
    )


def test_ex3_the_models_rmse_passes_and_is_compared_at_equal_steps(wide, capsys):
    noisy, clean = _val()
    assert _ex3(_wide_rmse(wide, noisy, clean), wide, tutorial=0.9)
    out = capsys.readouterr().out
    assert (
        "✓ 04.3 right" in out and f"better than the tutorial cleaner after the same {WIDE_STEPS} steps" in out
    )


def test_ex3_a_worse_model_than_the_tutorials_passes_and_says_so(wide, capsys):
    noisy, clean = _val()
    assert _ex3(_wide_rmse(wide, noisy, clean), wide, tutorial=0.001)
    assert "not better than the tutorial cleaner" in capsys.readouterr().out


def test_ex3_blank_answer_gets_a_hint_before_the_data_is_touched():
    with pytest.raises(checks.NotYet, match="`wide_rmse` is still None"):
        nb04.exercise_3(
            None,
            model=_Untouchable(),
            noisy=_Untouchable(),
            clean=_Untouchable(),
            tutorial_rmse=_Untouchable(),
            tutorial_field=_Untouchable(),
            steps=1,
            min_gain=0.0,
        )


def test_ex3_blank_model_gets_a_hint():
    with pytest.raises(checks.NotYet, match="`wide` is still None"):
        _ex3(0.05, None)


def test_ex3_a_typed_in_number_is_caught(wide):
    with pytest.raises(checks.NotYet, match="not the validation RMSE of `wide`"):
        _ex3(0.05, wide)


@pytest.mark.parametrize(
    ("which", "match"),
    [
        ("tutorial", "tutorial cleaner's validation RMSE"),
        ("scan", "noisy validation pages themselves"),
        ("per_page", "mean per-page RMSE"),
    ],
)
def test_ex3_another_number_than_the_models_gets_its_hint(wide, which, match):
    noisy, clean = _val()
    value = {
        "tutorial": 0.123,
        "scan": pooled_rmse(clean, noisy),
        "per_page": float(page_rmse(clean, clean_pages(wide, noisy)).mean()),
    }[which]
    with pytest.raises(checks.NotYet, match=match):
        _ex3(value, wide, tutorial=0.123)


def test_ex3_a_model_trained_for_other_steps_is_caught(wide):
    noisy, clean = _val()
    with pytest.raises(checks.NotYet, match="weight updates"):
        _ex3(_wide_rmse(wide, noisy, clean), wide, steps=WIDE_STEPS + 1)


def test_ex3_a_model_no_wider_than_the_tutorials_is_caught(wide):
    noisy, clean = _val()
    with pytest.raises(checks.NotYet, match="no wider than the tutorial"):
        _ex3(_wide_rmse(wide, noisy, clean), wide, field=7)


def test_ex3_a_model_no_better_than_the_noisy_pages_fails_in_full_mode_only(wide):
    noisy, clean = _val()
    value = _wide_rmse(wide, noisy, clean)
    with pytest.raises(checks.NotYet, match="does not beat handing in the noisy pages"):
        _ex3(value, wide, min_gain=pooled_rmse(clean, noisy))
    assert _ex3(value, wide, min_gain=-1.0)


@pytest.mark.parametrize("value", [0.0, 1.5, 14.0])
def test_ex3_an_rmse_out_of_range_gets_a_hint(value):
    with pytest.raises(checks.NotYet, match="between 0 and 1"):
        _ex3(value, None)
