"""Checks for the exercises of notebook 06 (contractive autoencoders).

How each answer is tested, without a reference solution in this file:

* 06.1 (what a random direction sees): the check draws its own random unit vectors and measures
  :math:`\\|J u\\|^2` for the notebook's encoders by forward-mode automatic differentiation (a Jacobian-vector
  product, no Jacobian and no formula), and compares the learner's Monte Carlo estimate with its own, within
  their standard errors.
* 06.2 (a closed form for tanh): against the exact Jacobian of a ``Dense(tanh)`` layer by automatic
  differentiation (:func:`course_utils.regularizers.contractive_exact`); typical mistakes are told apart on a
  one-unit layer, where a closed form reduces to a function of the code value that autodiff can also evaluate.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from course_utils.checks import NotYet, answered, answered_function, as_number, attempt, exercise, require

_VECTORS = 400  # random unit vectors per image in the check's own estimate


def _random_direction_norms(encoder, x: np.ndarray, seed: int = 12345) -> np.ndarray:
    """||J_f(x) u||^2 for each image (rows) and each of _VECTORS random unit vectors u (columns), by JVPs."""
    import tensorflow as tf

    n_images, dim = x.shape
    u = np.random.default_rng(seed).standard_normal((_VECTORS, dim))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    out = np.empty((n_images, _VECTORS))
    for i in range(n_images):  # one image at a time: _VECTORS tangents in one forward pass
        primals = tf.constant(np.repeat(x[i : i + 1], _VECTORS, axis=0), dtype=tf.float32)
        tangents = tf.constant(u, dtype=tf.float32)
        with tf.autodiff.ForwardAccumulator(primals=primals, tangents=tangents) as acc:
            z = encoder(primals)
        ju = np.asarray(acc.jvp(z), dtype=np.float64)
        out[i] = np.sum(ju**2, axis=1)
    return out


@exercise("06.1")
def exercise_1(mean_sq_random, *, models: Mapping[str, tuple], x, n_vectors: int = 100) -> str:
    """``mean_sq_random``: the mean of ||J u||² over the inputs ``x`` and random unit vectors u, for the CAE."""
    answered(
        mean_sq_random, "mean_sq_random", "the mean of ||J u||² over the images and unit vectors (a float)"
    )
    value = as_number(mean_sq_random, "mean_sq_random")
    require(value > 0, "a mean of squared norms is positive")
    x = np.asarray(x, dtype=np.float32)
    n_inputs = x.shape[1]
    encoder = models["contractive"][0]
    norms = _random_direction_norms(encoder, x)
    ours = float(norms.mean())
    # the learner's estimate averages n_vectors directions (shared by the images, the worst case): its spread
    se_learner = float(norms.mean(axis=0).std() / np.sqrt(n_vectors))
    se_check = float(norms.mean(axis=0).std() / np.sqrt(_VECTORS))
    tolerance = 4 * np.hypot(se_learner, se_check) + 1e-6 * ours
    if abs(value - ours) <= tolerance:
        return (
            f"mean ||J u||² = {value:.4g}; the check's own estimate, with other random directions: {ours:.4g}"
        )
    n_units = int(np.asarray(encoder(x[:1])).shape[1])
    ratio = value / ours
    require(
        not 0.7 * n_inputs < ratio < 1.4 * n_inputs,
        "about D times too large: are your u unit vectors (each divided by its norm)? A standard normal vector in "
        f"{n_inputs} dimensions has a norm near √{n_inputs}",
    )
    require(
        not 0.7 / n_units < ratio < 1.4 / n_units,
        f"about {n_units} times too small: ||J u||² sums the squares over the {n_units} code units; do not average "
        "over them",
    )
    lengths = np.sqrt(norms)
    require(
        abs(value - lengths.mean()) > 4 * lengths.mean(axis=0).std() / np.sqrt(n_vectors),
        "that looks like the mean of ||J u||, not of its square",
    )
    for name, (other, *_) in models.items():
        if name != "contractive":
            theirs = _random_direction_norms(other, x)
            spread = 4 * theirs.mean(axis=0).std() / np.sqrt(n_vectors)
            require(
                abs(value - theirs.mean()) > spread,
                f"that matches the {name} model's encoder: take the Jacobian of the contractive one, "
                "models['contractive'][0]",
            )
    raise NotYet(
        f"for each image, J has shape ({n_units}, {n_inputs}) (code units × pixels) and J u is a code-sized vector "
        f"for each unit vector u; average its squared norm over the images and {n_vectors} random unit vectors"
    )


def _squared_slope(y: np.ndarray) -> np.ndarray:
    """(d tanh(a) / da)^2 at the pre-activation a whose tanh is y, by automatic differentiation."""
    import tensorflow as tf

    a = tf.Variable(np.arctanh(np.asarray(y, dtype=np.float64)))
    with tf.GradientTape() as tape:
        out = tf.tanh(a)
    return np.asarray(tape.gradient(out, a), dtype=np.float64) ** 2


@exercise("06.2")
def exercise_2(contractive_tanh, *, n_inputs: int = 784, n_units: int = 32, n: int = 8) -> str:
    """``contractive_tanh(z, kernel)``: ||J_f(x)||_F² per input, in closed form, for ``z = tanh(x W + b)``."""
    answered_function(contractive_tanh, "contractive_tanh")
    import keras

    from course_utils.regularizers import contractive_exact, contractive_sigmoid

    def dense_tanh(units: int, seed: int):
        layer = keras.layers.Dense(
            units,
            activation="tanh",
            kernel_initializer=keras.initializers.RandomNormal(stddev=1.5 / np.sqrt(n_inputs), seed=seed),
            bias_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=seed + 1),
        )
        layer.build((None, n_inputs))
        return layer

    def apply(z, kernel) -> np.ndarray:
        out = attempt(
            contractive_tanh,
            z,
            kernel,
            call="contractive_tanh(z, kernel)",
            advice="z has shape (N, n) (one code per row) and kernel has shape (D, n) (one row per input value, "
            "one column per unit)",
        )
        require(out is not None, "`contractive_tanh` returns None: finish its body with `return ...`")
        return np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float64)

    layer = dense_tanh(n_units, 1)
    x = np.random.default_rng(0).random((n, n_inputs)).astype("float32")
    z = layer(x)
    value = apply(z, layer.kernel)
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
    require(
        not np.allclose(value, np.asarray(contractive_sigmoid(z, layer.kernel), dtype=np.float64), rtol=1e-3),
        "that is the closed form for the sigmoid, whose slope is z(1 − z): tanh has its own",
    )
    require(
        not np.allclose(value**2, reference, rtol=1e-3),
        "that is the Frobenius norm: the penalty is its square",
    )
    # one unit: a closed form of this kind is (a function of the code value) × (the squared norm of the column)
    single = dense_tanh(1, 3)
    xs = np.random.default_rng(1).random((64, n_inputs)).astype("float32")
    y = np.asarray(keras.ops.convert_to_numpy(single(xs)), dtype=np.float64)[:, 0]
    norm_sq = float(np.sum(np.asarray(single.kernel, dtype=np.float64) ** 2))
    per_code = apply(single(xs), single.kernel).reshape(-1)[: len(y)] / norm_sq
    if per_code.shape == y.shape:
        exact = _squared_slope(y)
        require(
            not np.allclose(per_code, np.sqrt(exact), rtol=1e-3),
            "each entry of the Jacobian is squared, the slope of tanh included: square it too",
        )
        require(
            not np.allclose(per_code, _squared_slope(np.tanh(y)), rtol=1e-3),
            "z is already tanh(x W + b): write the slope from z directly, without applying tanh again",
        )
        require(
            not np.allclose(per_code, 1.0, rtol=1e-3),
            "the slope of tanh at each unit is missing: it depends on z",
        )
    raise NotYet(
        "derive it as section 2 does for the sigmoid: the chain rule gives each entry ∂z_j/∂x_k, the penalty "
        "sums their squares over units and inputs, and the slope of tanh can be written with z alone"
    )
