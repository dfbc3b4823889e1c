"""Checks for the exercises of notebook 05 (sparse autoencoders).

How each answer is tested, without a reference solution in this file:

* 05.1 (the slope of the KL penalty): against automatic differentiation of the course's own
  :func:`course_utils.regularizers.kl_sparsity`, and against finite differences for the typical mistakes.
* 05.2 (firing rates and dead units): by properties of the codes themselves. A firing rate ``r`` of a unit over
  ``N`` images is a count ``r N`` of images, which must equal the number of the unit's sorted values that lie
  beyond 0 (where 0 falls among them); a dead unit is one whose largest value is not above 0.
* 05.3 (BatchTopK): by the properties that define the output: every value is the input's or 0, there are
  ``k N`` of the input's values, and none that was dropped is larger than one that was kept.
"""

from __future__ import annotations

import numpy as np

from course_utils.checks import (
    NotYet,
    answered,
    answered_function,
    as_array,
    as_number,
    attempt,
    exercise,
    require,
)

_RHOS = (0.05, 0.2)  # targets at which the slope is probed


def _autodiff_slope(rho: float, rho_hat: np.ndarray) -> np.ndarray:
    """d/d(rho_hat_j) of cu.regularizers.kl_sparsity(rho, rho_hat), by TensorFlow's automatic differentiation."""
    import tensorflow as tf

    from course_utils.regularizers import kl_sparsity

    var = tf.Variable(np.asarray(rho_hat, dtype=np.float64))
    with tf.GradientTape() as tape:
        total = kl_sparsity(rho, var)
    return np.asarray(tape.gradient(total, var), dtype=np.float64)


def _finite_difference(fn, x: np.ndarray) -> np.ndarray:
    """Central differences of the scalar function fn at each element of x (float64)."""
    h = 1e-6 * np.minimum(x, 1 - x)
    return (np.array([fn(v) for v in x + h]) - np.array([fn(v) for v in x - h])) / (2 * h)


@exercise("05.1")
def exercise_1(kl_slope, *, rho: float | None = None) -> str:
    """``kl_slope(rho, rho_hat)``: the derivative of KL(rho || rho_hat) with respect to rho_hat, elementwise."""
    answered_function(kl_slope, "kl_slope", probe=(0.05, np.array([0.1, 0.5])))
    from course_utils.regularizers import kl_sparsity

    rho_hat = np.concatenate(
        [np.linspace(0.01, 0.95, 48), np.random.default_rng(5).uniform(0.001, 0.999, 16)]
    )

    def call(r: float, q: np.ndarray) -> np.ndarray:
        out = attempt(
            kl_slope,
            r,
            q,
            call=f"kl_slope({r}, rho_hat)",
            advice="use NumPy (np.log, arithmetic on arrays), so that it works on an array of mean activations",
        )
        out = np.asarray(out, dtype=np.float64)
        require(
            out.shape == q.shape,
            f"with {q.size} mean activations kl_slope must return {q.size} slopes (one per unit, shape "
            f"{q.shape}), got shape {out.shape}: do not sum over the units",
        )
        return as_array(out, "kl_slope(rho, rho_hat)")

    for r in _RHOS:
        ours = call(r, rho_hat)
        at_target = call(r, np.array([r]))[0]
        if np.allclose(ours, _autodiff_slope(r, rho_hat), rtol=1e-6, atol=1e-9):
            continue
        require(
            abs(at_target) < 1e-6,
            "the penalty has its minimum at rho_hat = rho, so its slope must be 0 there: is a term missing? KL "
            "between two Bernoulli distributions has a term for each outcome (fires and silent)",
        )
        require(
            not np.allclose(ours, -_autodiff_slope(r, rho_hat), rtol=1e-6, atol=1e-9),
            "the sign is flipped: above the target the penalty grows, so its slope there is positive",
        )
        reverse = _finite_difference(lambda v, r=r: float(kl_sparsity(float(v), np.array([r]))), rho_hat)
        require(
            not np.allclose(ours, reverse, rtol=1e-4, atol=1e-7),
            "that is the slope of KL(rho_hat || rho): the penalty of section 3 is KL(rho || rho_hat), with the "
            "target first",
        )
        raise NotYet(
            f"not the slope at rho = {r}: differentiate each of the two terms of KL(rho || rho_hat) with respect "
            "to rho_hat, with rho a constant"
        )
    r = 0.05 if rho is None else float(rho)
    half, twice = (float(call(r, np.array([f * r]))[0]) for f in (0.5, 2.0))
    return f"the slope of the penalty is 0 at the target rho = {r:g}, {half:+.3f} at rho / 2, {twice:+.3f} at 2 rho"


def _positive_counts(z: np.ndarray, strict: bool = True) -> np.ndarray:
    """For each unit (column), how many images it is above 0 on (at or above 0 when not strict): where 0 falls
    among the unit's sorted values."""
    ascending = np.sort(z, axis=0)
    side = "right" if strict else "left"
    return np.array([len(col) - np.searchsorted(col, 0.0, side=side) for col in ascending.T], dtype=int)


@exercise("05.2")
def exercise_2(lifetime, n_dead, *, z) -> str:
    """``lifetime``: each unit's firing rate (value above 0) over the codes ``z``; ``n_dead``: units never firing."""
    answered(lifetime, "lifetime", "an array with each unit's firing rate")
    answered(n_dead, "n_dead", "the number of units that never fire (an int)")
    rates = as_array(lifetime, "lifetime")
    dead = as_number(n_dead, "n_dead")
    z = np.asarray(z, dtype=np.float64)
    n_inputs, n_units = z.shape
    if rates.shape != (n_units,):
        require(
            rates.shape != (n_inputs,),
            "that is one number per image (population sparsity): lifetime sparsity is one firing rate per unit, "
            "taken over the images (axis 0)",
        )
        raise NotYet(f"`lifetime` must hold one firing rate per unit: shape ({n_units},), got {rates.shape}")
    require(
        np.all(rates >= 0) and not (np.all(rates <= 100) and np.any(rates > 1)),
        "firing rates are fractions of the images (between 0 and 1), not percentages",
    )
    require(np.all(rates <= 1), "a firing rate is a fraction of the images: between 0 and 1")
    counts = rates * n_inputs
    require(
        np.allclose(counts, np.round(counts), atol=1e-6),
        "a firing rate counts *how often* a unit is above 0 (a number of images divided by their number), not how "
        "much: yours are not counts of images",
    )
    counts = np.round(counts).astype(int)
    if not np.array_equal(counts, _positive_counts(z)):
        require(
            not np.array_equal(counts, _positive_counts(z, strict=False)),
            "a ReLU unit at exactly 0 is silent: count a unit as active when its value is strictly above 0",
        )
        raise NotYet("for each unit, the fraction of the test images on which its value is above 0")
    require(float(dead).is_integer(), "`n_dead` counts units: store an integer")
    largest = z.max(axis=0)
    true_dead = int(np.count_nonzero(largest <= 0))
    if int(dead) != true_dead:
        require(
            int(dead) != n_units - true_dead, "that counts the units that fire; count those that never do"
        )
        require(
            int(dead) < true_dead,
            "dead means never above 0 on any test image (a firing rate of exactly 0), not just rarely or weakly",
        )
        raise NotYet("count the units whose firing rate over the test images is 0")
    return f"median firing rate {np.median(rates):.3f}; {true_dead} of {n_units} units never fire"


@exercise("05.3")
def exercise_3(BatchTopK) -> str:  # noqa: N803 - the learner's class keeps its notebook name
    """``BatchTopK``: a Keras layer class; ``BatchTopK(k)`` keeps the ``k * N`` largest values of a batch of ``N``."""
    answered(BatchTopK, "BatchTopK", "a keras.layers.Layer subclass: class BatchTopK(keras.layers.Layer)")
    import keras

    require(
        isinstance(BatchTopK, type) and issubclass(BatchTopK, keras.layers.Layer),
        f"`BatchTopK` must be a class that subclasses keras.layers.Layer, got {BatchTopK!r}",
    )

    def run(k: int, z: np.ndarray) -> np.ndarray:
        layer = attempt(
            BatchTopK,
            k,
            call=f"BatchTopK({k})",
            advice="take k as the first argument of __init__ and pass the other keyword arguments to "
            "super().__init__(**kwargs)",
        )
        out = attempt(layer, z, call=f"calling BatchTopK({k}) on a batch of codes")
        require(out is not None, "`call` returns None: finish it with `return ...`")
        out = np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float64)
        require(
            out.shape == z.shape,
            f"BatchTopK({k}) on codes of shape {z.shape} returned shape {out.shape}: keep the shape of the "
            "input, with every value but the k × N largest of the batch set to 0",
        )
        return out

    def verdict(k: int, z: np.ndarray, out: np.ndarray) -> str | None:
        """None if out is the batch top-k of z (z has distinct, non-zero values), else what is wrong with it."""
        kept = np.isclose(out, z, rtol=0, atol=1e-6)
        zeroed = np.isclose(out, 0.0, rtol=0, atol=1e-6)
        if not np.all(kept | zeroed):
            if np.all(np.isclose(out, 0.0) | np.isclose(out, 1.0)):
                return "that is a mask: keep the largest values themselves, and 0 elsewhere"
            return "every value of the output must be the input's own value (kept) or 0 (dropped)"
        n_keep = int(kept.sum())
        if n_keep == k:
            return (
                "only k values survive in the whole batch: keep k × N of them (k per code on average), where N "
                "is the batch size, keras.ops.shape(z)[0]"
            )
        if n_keep == k * z.shape[0] - 1:
            return "one value too few survives: keep the values greater than *or equal to* the (k × N)-th largest"
        if n_keep != k * z.shape[0]:
            return f"{n_keep} values survive where k × N = {k * z.shape[0]} should"
        if (~kept).any() and z[kept].min() < z[~kept].max():
            if np.all(kept.sum(axis=1) == k):
                return (
                    "that keeps k values in every row (TopK): BatchTopK keeps the k × N largest values of the "
                    "whole batch, so one code may keep more than k and another fewer"
                )
            return "a dropped value is larger than a kept one: keep the k × N *largest* values of the batch"
        return None

    demo = np.array([[0.1, 0.9, 0.3, 0.7], [4.0, 1.0, 2.0, 3.0]], dtype="float32")
    problem = verdict(2, demo, run(2, demo))
    if problem is not None:
        raise NotYet(f"BatchTopK(2) on the batch [[0.1, 0.9, 0.3, 0.7], [4, 1, 2, 3]] (N = 2): {problem}")
    rng = np.random.default_rng(0)
    codes = rng.standard_normal((5, 8)).astype("float32")
    codes[0] = -np.abs(codes[0])  # a row of negative values
    for k in (1, 3, 8):
        problem = verdict(k, codes, run(k, codes))
        require(
            problem is None,
            f"BatchTopK({k}) on a batch of 5 codes does not keep the {5 * k} largest values ({problem}): use "
            "self.k and the batch size (not fixed numbers), and keep the largest values as they are, negative "
            "ones included",
        )
    try:
        symbolic = BatchTopK(3)(keras.Input((8,)))
    except Exception as err:  # noqa: BLE001
        raise NotYet(
            f"BatchTopK fails inside a model (on a keras.Input) with {type(err).__name__}: {err}; write `call` "
            "with keras.ops (the batch size is keras.ops.shape(z)[0]), not NumPy"
        ) from None
    require(tuple(symbolic.shape) == (None, 8), "in a model, BatchTopK must keep the shape of its input")
    return "BatchTopK keeps the k × N largest activations of a batch, inside a model too"
