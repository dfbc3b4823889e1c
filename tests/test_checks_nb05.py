"""Checks of notebook 05 (sparse autoencoders): right answers pass, blank and typical wrong ones get a hint."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from course_utils import checks
from course_utils.checks import nb05

RHO = 0.05


class _Untouchable:
    """A notebook object that a check must not use before it has rejected a blank answer."""

    def __getattr__(self, name):
        raise AssertionError(f"the check touched {name!r} before rejecting the blank answer")

    def __array__(self, *args, **kwargs):
        raise AssertionError("the check touched the notebook's data before rejecting the blank answer")


def _relu_codes() -> np.ndarray:
    rng = np.random.default_rng(1)
    z = np.maximum(rng.normal(-1.0, 1.0, size=(200, 30)), 0).astype("float32")
    z[:, :4] = 0  # four dead units
    z[:, 4] = 0
    z[0, 4] = 0.01  # one unit that fires once, weakly: alive all the same
    return z


# ------------------------------------------------------------------------------------------------ exercise 1
def kl_slope(rho, rho_hat):  # the reference lives here, in the tests (not installed), not in the check
    rho_hat = np.asarray(rho_hat, dtype=np.float64)
    return -rho / rho_hat + (1 - rho) / (1 - rho_hat)


def test_ex1_right_slope_passes(capsys):
    assert nb05.exercise_1(kl_slope, rho=RHO) is True
    out = capsys.readouterr().out
    assert out.startswith("✓ 05.1 right") and "at rho / 2" in out


def test_ex1_blank_answer_gets_a_hint():
    with pytest.raises(checks.NotYet, match="`kl_slope` must be a function"):
        nb05.exercise_1(None)
    with pytest.raises(checks.NotYet, match="returns None"):
        nb05.exercise_1(lambda rho, rho_hat: None)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda r, q: -kl_slope(r, q), "sign is flipped"),
        (lambda r, q: -r / np.asarray(q), "term for each outcome"),  # the "silent" term forgotten
        (lambda r, q: np.log(np.asarray(q) / r) - np.log((1 - np.asarray(q)) / (1 - r)), "KL\\(rho_hat"),
        (lambda r, q: np.sum(kl_slope(r, q)), "do not sum"),
        (lambda r, q: kl_slope(r, q) / np.log(2), "not the slope"),  # in bits
        (lambda r, q: (np.asarray(q) - r) / np.asarray(q), "not the slope"),
    ],
    ids=["sign", "one-term", "reverse-kl", "summed", "bits", "other"],
)
def test_ex1_typical_mistakes_get_their_hint(wrong, match):
    with pytest.raises(checks.NotYet, match=match):
        nb05.exercise_1(wrong, rho=RHO)


def test_ex1_the_check_holds_no_reference_formula():
    source = Path(nb05.__file__).read_text()
    assert "(1 - rho) / (1 - " not in source and "rho / rho_hat" not in source


# ------------------------------------------------------------------------------------------------ exercise 2
def test_ex2_right_rates_and_count_pass(capsys):
    z = _relu_codes()
    rates = (z > 0).mean(axis=0)
    nb05.exercise_2(rates, int(np.sum(rates == 0)), z=z)
    assert "4 of 30 units never fire" in capsys.readouterr().out


def test_ex2_blank_answers_get_a_hint_before_the_codes_are_touched():
    with pytest.raises(checks.NotYet, match="`lifetime` is still None"):
        nb05.exercise_2(None, None, z=_Untouchable())
    with pytest.raises(checks.NotYet, match="`n_dead` is still None"):
        nb05.exercise_2(np.zeros(30), None, z=_Untouchable())


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda z: (z > 0).mean(axis=1), "one firing rate per unit"),
        (lambda z: z.mean(axis=0), "how often"),
        (lambda z: (z >= 0).mean(axis=0), "strictly above 0"),
        (lambda z: 100 * (z > 0).mean(axis=0), "not percentages"),
    ],
)
def test_ex2_typical_mistakes_in_the_rates_get_their_hint(wrong, match):
    z = _relu_codes()
    with pytest.raises(checks.NotYet, match=match):
        nb05.exercise_2(wrong(z), 4, z=z)


@pytest.mark.parametrize(
    ("n_dead", "match"), [(26, "units that fire"), (5, "not just rarely"), (4.5, "integer")]
)
def test_ex2_typical_mistakes_in_the_count_get_their_hint(n_dead, match):
    z = _relu_codes()
    with pytest.raises(checks.NotYet, match=match) as err:
        nb05.exercise_2((z > 0).mean(axis=0), n_dead, z=z)
    assert " 4 " not in f" {err.value} "


# ------------------------------------------------------------------------------------------------ exercise 3
class BatchTopK(keras.layers.Layer):
    def __init__(self, k, **kwargs):
        super().__init__(**kwargs)
        self.k = k

    def call(self, z):
        kth = keras.ops.top_k(keras.ops.reshape(z, (-1,)), self.k * keras.ops.shape(z)[0])[0][-1]
        return keras.ops.where(z >= kth, z, keras.ops.zeros_like(z))


class RowTopK(BatchTopK):  # TopK: k per row, not k * N over the batch
    def call(self, z):
        kth = keras.ops.top_k(z, self.k)[0][:, -1:]
        return keras.ops.where(z >= kth, z, keras.ops.zeros_like(z))


class OnlyKBatchTopK(BatchTopK):  # k values in the whole batch
    def call(self, z):
        kth = keras.ops.top_k(keras.ops.reshape(z, (-1,)), self.k)[0][-1]
        return keras.ops.where(z >= kth, z, keras.ops.zeros_like(z))


class StrictBatchTopK(BatchTopK):
    def call(self, z):
        kth = keras.ops.top_k(keras.ops.reshape(z, (-1,)), self.k * keras.ops.shape(z)[0])[0][-1]
        return keras.ops.where(z > kth, z, keras.ops.zeros_like(z))


class MaskBatchTopK(BatchTopK):
    def call(self, z):
        kth = keras.ops.top_k(keras.ops.reshape(z, (-1,)), self.k * keras.ops.shape(z)[0])[0][-1]
        return keras.ops.cast(z >= kth, z.dtype)


class ValuesBatchTopK(BatchTopK):
    def call(self, z):
        return keras.ops.top_k(keras.ops.reshape(z, (-1,)), self.k * keras.ops.shape(z)[0])[0]


class FixedBatchTopK(BatchTopK):  # k * N hard-wired for the demo batch
    def call(self, z):
        kth = keras.ops.top_k(keras.ops.reshape(z, (-1,)), 4)[0][-1]
        return keras.ops.where(z >= kth, z, keras.ops.zeros_like(z))


class NumpyBatchTopK(BatchTopK):
    def call(self, z):
        z = np.asarray(z)
        kth = np.sort(z, axis=None)[-self.k * z.shape[0]]
        return np.where(z >= kth, z, 0.0).astype("float32")


def test_ex3_right_layer_passes(capsys):
    nb05.exercise_3(BatchTopK)
    assert "✓ 05.3 right" in capsys.readouterr().out


def test_ex3_blank_or_not_a_layer_gets_a_hint():
    with pytest.raises(checks.NotYet, match="`BatchTopK` is still None"):
        nb05.exercise_3(None)
    with pytest.raises(checks.NotYet, match="subclasses keras.layers.Layer"):
        nb05.exercise_3(lambda k: None)


@pytest.mark.parametrize(
    ("layer", "match"),
    [
        (RowTopK, "in every row"),
        (OnlyKBatchTopK, "only k values survive"),
        (StrictBatchTopK, "or equal to"),
        (MaskBatchTopK, "a mask"),
        (ValuesBatchTopK, "keep the shape of the input"),
        (FixedBatchTopK, "not fixed numbers"),
        (NumpyBatchTopK, "not NumPy"),
    ],
)
def test_ex3_typical_mistakes_get_their_hint(layer, match):
    with pytest.raises(checks.NotYet, match=match):
        nb05.exercise_3(layer)


def test_ex2_made_up_rates_of_the_right_kind_do_not_pass():
    z = _relu_codes()
    rates = (z > 0).mean(axis=0)
    rates[10] += 1 / len(z)  # one unit's count off by one image
    with pytest.raises(checks.NotYet, match="above 0"):
        nb05.exercise_2(rates, 4, z=z)


def test_ex3_a_layer_that_drops_a_large_value_is_caught():
    class KeepsTheSmallest(BatchTopK):
        def call(self, z):
            return -BatchTopK.call(self, -z)

    with pytest.raises(checks.NotYet, match="largest"):
        nb05.exercise_3(KeepsTheSmallest)


def test_the_checks_hold_no_reference_solution():
    source = Path(nb05.__file__).read_text()
    for leak in ("_kl_terms", "_batch_topk_reference", "_topk_reference", "np.mean(z > 0", "z > 0).mean"):
        assert leak not in source, leak
