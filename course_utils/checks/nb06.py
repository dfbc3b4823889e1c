"""Checks for the exercises of notebook 06 (contractive autoencoders)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from course_utils.checks import NotYet, answered, answered_function, as_number, exercise, require


def _frobenius_sq(encoder, x: np.ndarray) -> np.ndarray:
    """||J_f(x)||_F^2 per input of a one-layer sigmoid encoder (its Dense layer is named "hidden")."""
    z = np.asarray(encoder(x), dtype=np.float64)
    kernel = np.asarray(encoder.get_layer("hidden").get_weights()[0], dtype=np.float64)
    return np.sum((z * (1 - z)) ** 2 * np.sum(kernel**2, axis=0), axis=1)


def _within(ratio: float, target: float, rtol: float) -> bool:
    return bool(abs(ratio / target - 1) < rtol)


@exercise("06.1")
def exercise_1(mean_sq_random, *, models: Mapping[str, tuple], x, rtol: float = 0.15) -> str:
    """``mean_sq_random``: the mean of ||J u||² over the inputs ``x`` and random unit vectors u, for the CAE."""
    answered(
        mean_sq_random, "mean_sq_random", "the mean of ||J u||² over the images and unit vectors (a float)"
    )
    value = as_number(mean_sq_random, "mean_sq_random")
    require(value > 0, "a mean of squared norms is positive")
    x = np.asarray(x, dtype=np.float32)
    n_inputs = x.shape[1]
    encoder = models["contractive"][0]
    target = float(_frobenius_sq(encoder, x).mean()) / n_inputs  # E||J u||^2 = ||J||_F^2 / D
    ratio = value / target
    if _within(ratio, 1, rtol):
        return f"mean ||J u||² = {value:.4g}, {ratio:.2f} × ||J||_F² / D (the Monte Carlo estimate)"
    n_units = int(np.asarray(encoder(x[:1])).shape[1])
    require(
        not _within(ratio, n_inputs, 0.3),
        "about D times too large: are your u unit vectors (each divided by its norm)? A standard normal vector in "
        f"{n_inputs} dimensions has a norm near √{n_inputs}",
    )
    require(
        not _within(ratio, 1 / n_units, 0.3),
        f"about {n_units} times too small: ||J u||² sums the squares over the {n_units} code units; do not average "
        "over them",
    )
    require(
        not _within(value**2, target, 0.3),
        "that looks like the mean of ||J u||, not of its square",
    )
    for name, (other, *_) in models.items():
        if name != "contractive":
            require(
                not _within(value, float(_frobenius_sq(other, x).mean()) / n_inputs, rtol),
                f"that matches the {name} model's encoder: take the Jacobian of the contractive one, "
                "models['contractive'][0]",
            )
    raise NotYet(
        f"for each image, J has shape ({n_units}, {n_inputs}) (code units × pixels) and J u is a code-sized vector "
        "for each unit vector u; average its squared norm over the images and the random unit vectors"
    )


@exercise("06.2")
def exercise_2(contractive_tanh, *, n_inputs: int = 784, n_units: int = 32, n: int = 8) -> str:
    """``contractive_tanh(z, kernel)``: ||J_f(x)||_F² per input, in closed form, for ``z = tanh(x W + b)``."""
    answered_function(contractive_tanh, "contractive_tanh")
    import keras

    from course_utils.regularizers import contractive_exact

    layer = keras.layers.Dense(
        n_units,
        activation="tanh",
        kernel_initializer=keras.initializers.RandomNormal(stddev=1.5 / np.sqrt(n_inputs), seed=1),
        bias_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=2),
    )
    layer.build((None, n_inputs))
    x = np.random.default_rng(0).random((n, n_inputs)).astype("float32")
    z = layer(x)
    try:
        out = contractive_tanh(z, layer.kernel)
    except Exception as err:  # noqa: BLE001 - the learner's error becomes a hint
        raise NotYet(
            f"contractive_tanh(z, kernel) failed with {type(err).__name__}: {err}; z has shape (N, n) (one code "
            "per row) and kernel has shape (D, n) (one row per input value, one column per unit)"
        ) from None
    require(out is not None, "`contractive_tanh` returns None: finish its body with `return ...`")
    value = np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float64)
    require(
        value.shape == (n,),
        f"one value per input: shape ({n},) for {n} codes, got {value.shape}"
        + (
            "; sum over the code units too"
            if value.shape == (n, n_units)
            else "; do not average over the batch"
            if value.ndim == 0
            else ""
        ),
    )
    reference = np.asarray(contractive_exact(layer, x), dtype=np.float64)
    if np.allclose(value, reference, rtol=1e-4):
        return "the closed form matches the exact Jacobian of a Dense(tanh) layer"
    h = np.asarray(keras.ops.convert_to_numpy(z), dtype=np.float64)
    w2 = np.sum(np.asarray(layer.get_weights()[0], dtype=np.float64) ** 2, axis=0)

    def matches(slope: np.ndarray) -> bool:
        return bool(np.allclose(value, np.sum(slope * w2, axis=1), rtol=1e-3))

    require(not matches((h * (1 - h)) ** 2), "that is the sigmoid's slope z(1 − z): tanh has its own")
    require(
        not matches(1 - h**2),
        "each entry of the Jacobian is squared, the slope of tanh included: square it too",
    )
    require(
        not matches((1 - np.tanh(h) ** 2) ** 2),
        "z is already tanh(x W + b): write the slope from z directly, without applying tanh again",
    )
    require(not matches(np.ones_like(h)), "the slope of tanh at each unit is missing: it depends on z")
    require(
        not np.allclose(value**2, reference, rtol=1e-3),
        "that is the Frobenius norm: the penalty is its square",
    )
    raise NotYet(
        "derive it as section 2 does for the sigmoid: the chain rule gives each entry ∂z_j/∂x_k, the penalty "
        "sums their squares over units and inputs, and the slope of tanh can be written with z alone"
    )
