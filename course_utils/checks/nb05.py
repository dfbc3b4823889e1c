"""Checks for the exercises of notebook 05 (sparse autoencoders)."""

from __future__ import annotations

import math

import numpy as np

from course_utils.checks import NotYet, answered, as_array, as_number, close, exercise, require

_CLIP = 1e-7  # mean activations are clipped to [_CLIP, 1 - _CLIP], as in cu.regularizers.kl_sparsity


def _kl_terms(rho: float, rho_hat: np.ndarray) -> np.ndarray:
    """KL(rho || rho_hat) elementwise, in nats."""
    q = np.clip(rho_hat, _CLIP, 1 - _CLIP)
    return rho * np.log(rho / q) + (1 - rho) * np.log((1 - rho) / (1 - q))


def _near(value: float, reference: float, rtol: float = 1e-3) -> bool:
    return bool(abs(value - reference) <= rtol * abs(reference) + 1e-9)


@exercise("05.1")
def exercise_1(my_kl, *, z, rho: float) -> str:
    """``my_kl``: the KL sparsity penalty, summed over units, of the sigmoid codes ``z`` for the target ``rho``."""
    answered(my_kl, "my_kl", "the KL sparsity penalty of the test codes (a float, in nats)")
    value = as_number(my_kl, "my_kl")
    z = np.asarray(z, dtype=np.float64)
    rho_hat = z.mean(axis=0)
    terms = _kl_terms(rho, rho_hat)
    reference = float(terms.sum())
    if _near(value, reference):
        return f"KL penalty {value:.3f} nats over {z.shape[1]} units"
    require(value >= 0, "a KL divergence is never negative: check the order of the fractions inside the logs")
    require(
        not _near(value, float(terms.mean())),
        "that is the mean over the units: the penalty is a sum over units",
    )
    require(
        not _near(value, reference / math.log(2)),
        "that is in bits: use the natural logarithm (np.log), the penalty is in nats",
    )
    q = np.clip(rho_hat, _CLIP, 1 - _CLIP)
    require(
        not _near(value, float(np.sum(q * np.log(q / rho) + (1 - q) * np.log((1 - q) / (1 - rho))))),
        "the divergence is not symmetric: you computed KL(ρ̂ ‖ ρ); the penalty is KL(ρ ‖ ρ̂) as in section 3",
    )
    require(
        not _near(value, float(np.sum(rho * np.log(rho / q)))),
        "only the 'fires' outcome is there: a Bernoulli KL has a term for each outcome (fires and silent)",
    )
    require(
        not _near(value, float(_kl_terms(rho, z.mean(axis=1)).sum()))
        and not _near(value, float(_kl_terms(rho, z.mean(axis=1)).mean())),
        "ρ̂ is one mean activation per unit: average the codes over the images (axis 0), not over the units",
    )
    require(
        not _near(value, float(_kl_terms(rho, z).sum(axis=1).mean())),
        "the penalty uses each unit's *mean* activation over the test images: average the codes first, then "
        "take the divergence",
    )
    raise NotYet(
        "compute ρ̂, each unit's mean activation over the test codes, then the sum over units of the KL "
        "divergence of section 3, in nats, with ρ = RHO"
    )


@exercise("05.2")
def exercise_2(lifetime, n_dead, *, z) -> str:
    """``lifetime``: each unit's firing rate (value above 0) over the codes ``z``; ``n_dead``: units never firing."""
    answered(lifetime, "lifetime", "an array with each unit's firing rate")
    answered(n_dead, "n_dead", "the number of units that never fire (an int)")
    rates = as_array(lifetime, "lifetime")
    dead = as_number(n_dead, "n_dead")
    z = np.asarray(z)
    n_inputs, n_units = z.shape
    if rates.shape != (n_units,):
        require(
            rates.shape != (n_inputs,),
            "that is one number per image (population sparsity): lifetime sparsity is one firing rate per unit, "
            "taken over the images (axis 0)",
        )
        raise NotYet(f"`lifetime` must hold one firing rate per unit: shape ({n_units},), got {rates.shape}")
    reference = np.mean(z > 0, axis=0)

    def mistaken(candidate: np.ndarray) -> bool:  # the answer matches a typical mistake, not the reference
        return bool(
            np.allclose(rates, candidate, atol=1e-6) and not np.allclose(reference, candidate, atol=1e-6)
        )

    require(not mistaken(100 * reference), "firing rates are fractions of the images, not percentages")
    require(
        not mistaken(z.mean(axis=0)),
        "that is each unit's mean activation: a firing rate counts *how often* the unit is above 0, not how much",
    )
    require(
        not mistaken(np.mean(z >= 0, axis=0)),
        "a ReLU unit at exactly 0 is silent: count a unit as active when its value is strictly above 0",
    )
    close(
        rates,
        reference,
        "for each unit, the fraction of the test images on which its value is above 0",
        rtol=0,
        atol=1e-6,
    )
    true_dead = int(np.sum(reference == 0))
    require(float(dead).is_integer(), "`n_dead` counts units: store an integer")
    if int(dead) != true_dead:
        require(
            int(dead) != n_units - true_dead, "that counts the units that fire; count those that never do"
        )
        require(
            int(dead) != int(np.sum(reference < 1e-3)) and int(dead) != int(np.sum(z.mean(axis=0) < 1e-3)),
            "dead means never above 0 on any test image (a firing rate of exactly 0), not just rarely or weakly",
        )
        raise NotYet("count the units whose firing rate over the test images is 0")
    return f"median firing rate {np.median(rates):.3f}; {true_dead} of {n_units} units never fire"


def _batch_topk_reference(z: np.ndarray, k: int) -> np.ndarray:
    keep = min(k * z.shape[0], z.size)
    kth = np.sort(z, axis=None)[-keep]
    return np.where(z >= kth, z, 0.0)


def _topk_reference(z: np.ndarray, k: int) -> np.ndarray:
    kth = np.sort(z, axis=1)[:, -k][:, None]
    return np.where(z >= kth, z, 0.0)


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
        try:
            layer = BatchTopK(k)
        except Exception as err:  # noqa: BLE001 - the learner's error becomes a hint
            raise NotYet(
                f"BatchTopK({k}) failed with {type(err).__name__}: {err}; take k as the first argument of "
                "__init__ and pass the other keyword arguments to super().__init__(**kwargs)"
            ) from None
        try:
            out = layer(z)
        except Exception as err:  # noqa: BLE001
            raise NotYet(
                f"calling BatchTopK({k}) on a batch of codes failed with {type(err).__name__}: {err}"
            ) from None
        require(out is not None, "`call` returns None: finish it with `return ...`")
        return np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float64)

    demo = np.array([[0.1, 0.9, 0.3, 0.7], [4.0, 1.0, 2.0, 3.0]], dtype="float32")
    out = run(2, demo)
    expected = _batch_topk_reference(demo, 2)
    require(
        out.shape == demo.shape,
        f"BatchTopK(2) on codes of shape {demo.shape} returned shape {out.shape}: keep the shape of the input, "
        "with every value but the k × N largest of the batch set to 0",
    )
    if not np.allclose(out, expected):
        require(
            not np.allclose(out, (expected != 0).astype(float)),
            "that is a mask: keep the largest values themselves, and 0 elsewhere",
        )
        require(
            not np.allclose(out, _topk_reference(demo, 2)),
            "that keeps k values in every row (TopK): BatchTopK keeps the k × N largest values of the whole "
            "batch, so one code may keep more than k and another fewer",
        )
        require(
            not np.allclose(out, np.where(demo >= np.sort(demo, axis=None)[-2], demo, 0.0)),
            "only k values survive in the whole batch: keep k × N of them (k per code on average), where N is "
            "the batch size, keras.ops.shape(z)[0]",
        )
        require(
            not np.allclose(out, np.where(demo > np.sort(demo, axis=None)[-4], demo, 0.0)),
            "one value too few survives: keep the values greater than *or equal to* the (k × N)-th largest",
        )
        raise NotYet(
            "BatchTopK(2) on the batch [[0.1, 0.9, 0.3, 0.7], [4, 1, 2, 3]] (N = 2) should keep the 4 largest "
            "values of the batch and set the others to 0"
        )
    rng = np.random.default_rng(0)
    codes = rng.standard_normal((5, 8)).astype("float32")
    codes[0] = -np.abs(codes[0])  # a row of negative values
    for k in (1, 3, 8):
        require(
            np.allclose(run(k, codes), _batch_topk_reference(codes, k)),
            f"BatchTopK({k}) on a batch of 5 codes does not keep the {5 * k} largest values: use self.k and the "
            "batch size (not fixed numbers), and keep the largest values as they are, negative ones included",
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
