"""Checks for the exercises of notebook 08 (variational autoencoders).

How the answers are checked (not what they are): 08.1 by properties the right function has (how it scales with
the latent size and the number of pixels) and a hash of its exact constant; 08.2 by running the learner's bound on
log-weights built so that the exact answer is known by construction, then comparing the curve with the learner's
own function and with the notebook's bounds; 08.3 by generating the images again with the notebook's
``generate_class`` and asking the notebook's classifier.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

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


def _to_numpy(t: Any) -> np.ndarray:
    """A model output (backend tensor or array) as a float64 NumPy array."""
    if not hasattr(t, "__array__"):
        import keras

        t = keras.ops.convert_to_numpy(t)
    return np.asarray(t, dtype=np.float64)


def _digest(value: float) -> str:
    return hashlib.sha256(f"{value:.6e}".encode()).hexdigest()


# sha256 of the constant beta * latent_dim / n_pixels, written with 7 significant digits ("x.xxxxxxe-xx")
_CONSTANT = "5e8b2907c9145be99f7e0996bb03c08114dd6c04b29065a34cceeea7d786306d"
_CONSTANT_OFF_BY_2 = {  # the same for the right constant doubled, halved, quartered
    "916ac78ea830e0b4aa858f6845359cef7c05d40101f6983d41a959d706ab8ee0",
    "b9ba3567dadba7cd1f9e37f652ed69cefbefc6ae2451d519de88d761f3c57d74",
    "757ffd3697d68f255f3dd255b5b0615f74a8a961a71c59a1e64d0b2fb492195a",
}


@exercise("08.1")
def exercise_1(tutorial_beta) -> str:
    """``tutorial_beta(latent_dim, n_pixels=784)``: the beta of the popular tutorial's loss, in nats per image."""
    answered_function(tutorial_beta, "tutorial_beta", probe=(2,))

    def beta(latent_dim: int, n_pixels: int | None = None) -> float:
        args = (latent_dim,) if n_pixels is None else (latent_dim, n_pixels)
        return as_number(attempt(tutorial_beta, *args, call=f"`tutorial_beta{args}`"), f"tutorial_beta{args}")

    ours = beta(2)
    require(
        ours > 0,
        "beta weighs the KL in the loss and must be positive: mind the sign of the tutorial's KL term",
    )
    require(
        math.isclose(ours, beta(2, 784), rel_tol=1e-9),
        "tutorial_beta(2) differs from tutorial_beta(2, 784): the default must be the tutorial's 28 x 28 images",
    )
    dims = np.array([1, 2, 3, 16, 32, 64])
    by_dim = np.array([beta(int(n), 784) for n in dims])
    require(
        not np.allclose(by_dim, by_dim[0], rtol=1e-9),
        "tutorial_beta gives the same value for every latent size: compare what the tutorial's `mean(...)` runs "
        "over with what the KL sums over",
    )
    require(
        not np.allclose(by_dim / dims, by_dim[0], rtol=1e-9),
        "your beta grows with the latent size: which is larger, a mean over n dimensions or their sum?",
    )
    require(
        np.allclose(by_dim * dims, by_dim[0], rtol=1e-9),
        "right for one latent size but not for others: how does a mean over n dimensions relate to a sum?",
    )
    pixels = np.array([100, 784, 3072])
    by_pixels = np.array([beta(16, int(p)) for p in pixels])
    require(
        not np.allclose(by_pixels, by_pixels[0], rtol=1e-9),
        "tutorial_beta ignores n_pixels: use the argument instead of the number 784 (a 32 x 32 x 3 image has "
        "3072 pixel values)",
    )
    require(
        np.allclose(by_pixels / pixels, by_pixels[0] / pixels[0], rtol=1e-9),
        "beta does not scale with the number of pixels the way the tutorial's per-pixel MEAN makes it: what must "
        "the whole loss be multiplied by to give a reconstruction summed over the pixels?",
    )
    constant = _digest(ours * 2 / 784)
    require(
        constant not in _CONSTANT_OFF_BY_2,
        "off by a factor of 2: compare the tutorial's bracket (1 + log var - mu^2 - var) with the KL of "
        "notebook 07, term by term",
    )
    require(
        constant == _CONSTANT,
        "the dependence on latent_dim and n_pixels is right, the constant in front is not: start again from "
        "the tutorial's weight 5e-4 and its bracket",
    )
    return f"beta_tutorial = {ours:.4f} for n = 2, {beta(32):.4f} for n = 32"


def _k_grid(k_max: int) -> list[int]:
    """k = 1, 2, 4, ... doubling up to ``k_max``, ending with ``k_max`` itself when it is not a power of 2."""
    ks = [2**i for i in range(int(math.log2(k_max)) + 1)]
    return ks if ks[-1] == k_max else [*ks, k_max]


# Log-weights whose bound is known exactly: image j's k-th weight is exp(offset_j) * A[k]. The offsets reach far
# beyond what exp() can represent (exp(-900) underflows to 0, exp(750) overflows to inf in float64).
_A = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0])
_OFFSETS = np.array([-900.0, -150.0, -2.5, 0.0, 40.0, 750.0])
_LW_KNOWN = _OFFSETS[None, :] + np.log(_A)[:, None]  # (k, images)


def _known(ks: Sequence[int], weights: np.ndarray = _A) -> np.ndarray:
    """-L_k of _LW_KNOWN (weights ``weights``): the log of an exact mean of integers, shifted by the offsets."""
    return np.array([-(_OFFSETS.mean() + math.log(weights[:k].sum() / k)) for k in ks])


def _call_bound(fn: Callable, lw: np.ndarray, k: int) -> float:
    out = attempt(fn, lw, k, call=f"`neg_iwae_bound(lw, {k})`")
    require(
        np.ndim(out) == 0,
        "`neg_iwae_bound` must return one number (the mean over the images), not one per image",
    )
    return float(np.asarray(out, dtype=np.float64))


@exercise("08.2")
def exercise_2(neg_iwae_bound, bound_curve, *, lw, bounds: Mapping[int, float], k_max: int) -> str:
    """``neg_iwae_bound(lw, k)``: -L_k in nats (mean over images) from log-weights (k_max, N), the first k per image;
    ``bound_curve``: its values for k = 1, 2, 4, ... up to ``k_max``. ``bounds`` are the notebook's own -L_k."""
    answered_function(neg_iwae_bound, "neg_iwae_bound", probe=(_LW_KNOWN[:, 2:4], 1))
    answered(bound_curve, "bound_curve", "an array of -L_k, one value per k = 1, 2, 4, ..., k_max")
    ks_known = [1, 2, 3, 6]
    ours = np.array([_call_bound(neg_iwae_bound, _LW_KNOWN, k) for k in ks_known])
    require(
        np.all(np.isfinite(ours)),
        "`neg_iwae_bound` returns inf or NaN on log-weights far from 0 (-900 or +750 nats, where exp() underflows "
        "to 0 or overflows): exponentiate only numbers that exp() can represent",
    )
    exact = _known(ks_known)
    require(
        not np.allclose(ours, -exact, atol=1e-6),
        "store -L_k, the negative bound, in nats per image (positive for real images, like the table above), "
        "not L_k",
    )
    require(
        not np.allclose(
            ours[1:], [-(_OFFSETS.mean() + np.log(_A[:k]).mean()) for k in ks_known[1:]], atol=1e-6
        ),
        "averaging the log-weights gives the ELBO for every k: the importance weights are averaged inside the log",
    )
    require(
        not np.allclose(ours, exact - np.log(ks_known), atol=1e-6),
        "each value is off by log k: the bound averages the k weights, it does not sum them",
    )
    require(
        not np.allclose(ours, _known(ks_known, _A[::-1]), atol=1e-6),
        "use the FIRST k samples of each image, lw[:k], so that each k adds samples to the previous ones",
    )
    require(
        np.allclose(ours, exact, atol=1e-6),
        "`neg_iwae_bound` is not -L_k on log-weights whose bound is known exactly: compare your function with "
        "the formula of L_k above, for k = 1, 2, 3",
    )
    ours32 = np.array([_call_bound(neg_iwae_bound, _LW_KNOWN.astype(np.float32), k) for k in ks_known])
    require(
        np.allclose(ours32, exact, atol=1e-2),
        "right in float64 but not on float32 log-weights (the notebook's lw is float32): keep the computation "
        "stable in float32 too",
    )

    ks = _k_grid(int(k_max))
    listed = ", ".join(str(k) for k in ks) if len(ks) <= 6 else f"1, 2, 4, ..., {ks[-2]}, {ks[-1]}"
    curve = np.asarray(bound_curve, dtype=np.float64) if np.ndim(bound_curve) else np.zeros(0)
    require(
        curve.shape == (len(ks),),
        f"`bound_curve` must hold one value per k = {listed}: {len(ks)} values, got shape {np.shape(bound_curve)}",
    )
    require(np.all(np.isfinite(curve)), "`bound_curve` contains inf or NaN")
    lw = np.asarray(lw)
    yours = np.array([_call_bound(neg_iwae_bound, lw, k) for k in ks])
    off = [k for k, a, b in zip(ks, curve, yours, strict=True) if not abs(a - b) < 1e-3]
    require(
        not off, f"`bound_curve` is not neg_iwae_bound(lw, k) at k = {', '.join(map(str, off))}: recompute it"
    )
    shared = [k for k in ks if k in bounds]
    off = [k for k in shared if not abs(yours[ks.index(k)] - float(bounds[k])) < 1e-3]
    require(
        not off,
        f"on the notebook's log-weights your bound differs from the table above at k = {', '.join(map(str, off))}",
    )
    return f"-L_k from {curve[0]:.2f} (k = 1) to {curve[-1]:.2f} nats (k = {ks[-1]})"


def _shares(
    generate_class: Callable, clf: Callable, classes: Sequence[int], n: int, scale: float
) -> np.ndarray:
    """For each class c: the share of generate_class(c, n=n, seed=c, scale=scale) that ``clf`` calls c."""
    out = []
    for c in classes:
        images = np.asarray(generate_class(int(c), n=n, seed=int(c), scale=scale), dtype=np.float32)
        out.append(float(np.mean(_to_numpy(clf(images)).argmax(axis=1) == c)))
    return np.array(out)


@exercise("08.3")
def exercise_3(
    class_fraction,
    wide_fraction,
    *,
    generate_class: Callable,
    clf: Callable,
    classes: Sequence[str],
    n: int = 200,
    wide_class: int = 1,
    wide_scale: float = 3.0,
) -> str:
    """``class_fraction``: for each class c, the share of ``generate_class(c, n=n, seed=c)`` that ``clf`` calls c;
    ``wide_fraction``: the same share for class ``wide_class`` at ``scale=wide_scale`` (seed ``wide_class``).

    The check generates the same images again with the notebook's ``generate_class`` and classifies them.
    """
    answered(class_fraction, "class_fraction", "an array of shares (one per class)")
    answered(wide_fraction, "wide_fraction", "a share in [0, 1]")
    shares = as_array(class_fraction, "class_fraction")
    require(
        shares.shape == (len(classes),),
        f"`class_fraction` must hold one share per class ({len(classes)} values), got shape {shares.shape}",
    )
    wide = as_number(wide_fraction, "wide_fraction")
    require(
        shares.min() >= 0 and shares.max() <= 1 and 0 <= wide <= 1,
        "shares are fractions in [0, 1], not percentages",
    )
    reference = _shares(generate_class, clf, range(len(classes)), n, 1.0)
    off = np.flatnonzero(~np.isclose(shares, reference, atol=1e-6))
    if len(off):
        at_wide = _shares(generate_class, clf, off, n, wide_scale)
        require(
            not np.allclose(shares[off], at_wide, atol=1e-6),
            f"these are the shares at scale={wide_scale:g}: `class_fraction` is at the class's own spread (scale=1)",
        )
        names = ", ".join(classes[i] for i in off[:3]) + (" ..." if len(off) > 3 else "")
        raise NotYet(
            f"the share is off for {names}: generate n={n} images of each class with seed = its index and count "
            "how many the classifier's most likely class calls that class"
        )
    target = classes[wide_class]
    wide_ref = float(_shares(generate_class, clf, [wide_class], n, wide_scale)[0])
    if not math.isclose(wide, wide_ref, abs_tol=1e-6):
        require(
            not math.isclose(wide, reference[wide_class], abs_tol=1e-6),
            f"that is the {target} share at scale 1: `wide_fraction` is at scale={wide_scale:g}",
        )
        raise NotYet(
            f"`wide_fraction` is not the share of {n} {target} images at scale={wide_scale:g} "
            f"(seed={wide_class}) that the classifier calls {target}"
        )
    hardest = int(np.argmin(reference))
    return (
        f"{classes[hardest]} is the hardest to generate ({reference[hardest]:.0%}); {target} falls from "
        f"{reference[wide_class]:.0%} at scale 1 to {wide:.0%} at scale {wide_scale:g}"
    )
