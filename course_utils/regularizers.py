"""Sparsity and contraction penalties for autoencoder codes (notebooks 05 and 06).

Sparsity (notebook 05), on a batch of codes ``z`` of shape ``(N, n)``:

* :func:`l1_activity` — the mean over the batch of :math:`\\sum_j |z_j|`;
* :func:`kl_sparsity` — :math:`\\sum_j \\mathrm{KL}(\\rho \\,\\|\\, \\hat\\rho_j)` between Bernoulli distributions,
  where :math:`\\hat\\rho_j` is unit ``j``'s mean activation over the batch (:func:`mean_activation`);
* :class:`L1Activity` and :class:`KLSparsity` — the same penalties as Keras regularizers, for
  ``Dense(..., activity_regularizer=...)``;
* :func:`fraction_active` — how many units an input switches on.

Contraction (notebook 06), the squared Frobenius norm :math:`\\|J_f(x)\\|_F^2` of the encoder's Jacobian
:math:`J_f(x) = \\partial f(x) / \\partial x`, one value per input:

* :func:`contractive_exact` — for any encoder, with ``tf.GradientTape.batch_jacobian`` (TensorFlow backend);
* :func:`contractive_sigmoid` — the closed form for one sigmoid layer ``h = sigmoid(x W + b)`` (Rifai et al. 2011):
  :math:`\\sum_j (h_j (1 - h_j))^2 \\sum_i W_{ij}^2`.

The sparsity functions use ``keras.ops`` only, so they work on NumPy arrays and on tensors of any Keras backend,
inside a model's ``compute_loss`` or ``train_step`` as well as outside.
"""

from __future__ import annotations

import contextlib
import functools

import keras
import numpy as np
from keras import ops

#: Mean activations are clipped to ``[EPS, 1 - EPS]`` before taking logarithms in :func:`kl_sparsity`.
EPS = 1e-7


def _check_codes(z, name: str = "z"):
    if len(z.shape) != 2:
        raise ValueError(f"{name} must be a batch of codes of shape (N, n), got shape {tuple(z.shape)}")
    return z


def _check_rho(rho: float) -> float:
    if isinstance(rho, bool) or not isinstance(rho, (int, float, np.floating)) or not 0.0 < float(rho) < 1.0:
        raise ValueError(f"rho must be a number in (0, 1), got {rho!r}")
    return float(rho)


def _check_weight(weight: float, name: str = "weight") -> float:
    if (
        isinstance(weight, bool)
        or not isinstance(weight, (int, float, np.floating))
        or not float(weight) >= 0
    ):
        raise ValueError(f"{name} must be a non-negative number, got {weight!r}")
    return float(weight)


def l1_activity(z):
    """The L1 activity penalty: the mean over the batch of each code's L1 norm, :math:`\\sum_j |z_j|`.

    Parameters
    ----------
    z : array-like or tensor, shape (N, n)
        A batch of codes.

    Returns
    -------
    scalar tensor

    Examples
    --------
    >>> float(l1_activity(np.array([[1.0, -2.0], [0.0, 3.0]])))
    3.0
    """
    z = _check_codes(ops.convert_to_tensor(z))
    return ops.mean(ops.sum(ops.abs(z), axis=1))


def mean_activation(z):
    """Each unit's mean activation over the batch, :math:`\\hat\\rho_j = \\frac1N \\sum_i z_{ij}`.

    Examples
    --------
    >>> np.asarray(mean_activation(np.array([[0.0, 1.0], [0.5, 1.0]]))).tolist()
    [0.25, 1.0]
    """
    z = _check_codes(ops.convert_to_tensor(z))
    return ops.mean(z, axis=0)


def kl_sparsity(rho: float, rho_hat):
    """Sum over units of the KL divergence between Bernoulli(``rho``) and Bernoulli(``rho_hat[j]``).

    .. math:: \\sum_j \\rho \\log\\frac{\\rho}{\\hat\\rho_j} + (1-\\rho)\\log\\frac{1-\\rho}{1-\\hat\\rho_j}

    It is zero exactly when every unit's mean activation equals the target ``rho``, positive otherwise, and grows
    without bound as a mean activation approaches 0 or 1 (``rho_hat`` is clipped to ``[EPS, 1 - EPS]``).

    Parameters
    ----------
    rho : float in (0, 1)
        The target mean activation, e.g. 0.05.
    rho_hat : array-like or tensor, shape (n,)
        Mean activations of the units over a batch (:func:`mean_activation` of sigmoid codes), in [0, 1].

    Returns
    -------
    scalar tensor, in nats

    Examples
    --------
    >>> float(kl_sparsity(0.5, np.array([0.5, 0.5])))
    0.0
    >>> round(float(kl_sparsity(0.05, np.array([0.5]))), 4)
    0.4946
    """
    rho = _check_rho(rho)
    rho_hat = ops.convert_to_tensor(rho_hat)
    if len(rho_hat.shape) != 1:
        raise ValueError(
            f"rho_hat must be the mean activation per unit, shape (n,), got shape {tuple(rho_hat.shape)}; "
            "use mean_activation(z) on a batch of codes"
        )
    rho_hat = ops.clip(rho_hat, EPS, 1.0 - EPS)
    terms = rho * ops.log(rho / rho_hat) + (1.0 - rho) * ops.log((1.0 - rho) / (1.0 - rho_hat))
    return ops.sum(terms)


@functools.cache
def keras_divides_activity_penalty_by_batch() -> bool:
    """Does this Keras divide an activity regularizer's value by the batch size before adding it to the loss?

    Keras 3.14 and later do (keras-team/keras#22021, as Keras 2 did); Keras 3.0 to 3.13 add the value as it is,
    so the same regularizer is ``batch_size`` times stronger there. Colab shipped Keras 3.13 in 2026, so the
    course meets both. Found out once, by trying: a layer whose regularizer sums its output is called on a batch
    of four ones, and the loss it adds is 1 (divided) or 4 (not).

    Returns
    -------
    bool

    Examples
    --------
    >>> keras_divides_activity_penalty_by_batch() == (tuple(map(int, keras.version().split(".")[:2])) >= (3, 14))
    True
    """
    eagerly = contextlib.nullcontext()
    if keras.backend.backend() == "tensorflow":  # first asked while a training step is being traced
        import tensorflow as tf

        eagerly = tf.init_scope()
    with eagerly:
        probe = keras.layers.Activation("linear", activity_regularizer=ops.sum)
        probe(np.ones((4, 1), "float32"))
        added = float(ops.convert_to_numpy(probe.losses[0]))
    if added not in (1.0, 4.0):  # pragma: no cover - a Keras that does something else again
        raise RuntimeError(
            f"unexpected activity-regularizer loss {added} from keras {keras.version()} (1 or 4)"
        )
    return added == 1.0


def fraction_active(z, threshold: float = 0.0) -> np.ndarray:
    """For each input, the fraction of units whose activation exceeds ``threshold``.

    Parameters
    ----------
    z : array-like, shape (N, n)
        Codes.
    threshold : float, default 0
        A unit is "active" when its value is above this (0 for ReLU codes; e.g. 0.1 for sigmoid codes).

    Returns
    -------
    numpy.ndarray of float, shape (N,), values in [0, 1]

    Examples
    --------
    >>> fraction_active(np.array([[0.0, 2.0, 0.0, 1.0]]))
    array([0.5])
    """
    z = np.asarray(z)
    if z.ndim != 2:
        raise ValueError(f"z must be a batch of codes of shape (N, n), got shape {z.shape}")
    return np.mean(z > threshold, axis=1)


@keras.saving.register_keras_serializable(package="course_utils")
class L1Activity(keras.regularizers.Regularizer):
    """``weight`` × :func:`l1_activity`, as a Keras activity regularizer.

    What is added to the loss is ``weight * l1_activity(z)`` (the batch's *mean* code L1 norm) with every Keras 3.
    Keras 3.14 and later divide an activity regularizer's value by the batch size, so there this returns
    ``weight`` times the *sum* of :math:`|z|` over the batch; older Keras 3 adds the value as it is, so there it
    returns the mean (see :func:`keras_divides_activity_penalty_by_batch`).

    Examples
    --------
    >>> layer = keras.layers.Dense(8, activation="relu", activity_regularizer=L1Activity(1e-4))
    >>> L1Activity.from_config(L1Activity(1e-4).get_config()).weight
    0.0001
    """

    def __init__(self, weight: float = 1e-4):
        self.weight = _check_weight(weight)

    def __call__(self, z):
        z = _check_codes(z)
        if keras_divides_activity_penalty_by_batch():
            return self.weight * ops.sum(ops.abs(z))
        return self.weight * l1_activity(z)

    def get_config(self) -> dict:
        return {"weight": self.weight}


@keras.saving.register_keras_serializable(package="course_utils")
class KLSparsity(keras.regularizers.Regularizer):
    """``weight`` × :func:`kl_sparsity` of a batch's mean activations, as a Keras activity regularizer.

    For sigmoid units. What is added to the loss is ``weight * kl_sparsity(rho, mean_activation(z))`` with every
    Keras 3. The KL term is a property of the whole batch (not a sum over examples), so where Keras divides an
    activity regularizer's value by the batch size (3.14 and later) this returns it multiplied by the batch size;
    older Keras 3 adds the value as it is (see :func:`keras_divides_activity_penalty_by_batch`).

    Examples
    --------
    >>> reg = KLSparsity(weight=1e-3, rho=0.05)
    >>> layer = keras.layers.Dense(8, activation="sigmoid", activity_regularizer=reg)
    >>> KLSparsity.from_config(reg.get_config()).rho
    0.05
    """

    def __init__(self, weight: float = 1e-3, rho: float = 0.05):
        self.weight = _check_weight(weight)
        self.rho = _check_rho(rho)

    def __call__(self, z):
        z = _check_codes(z)
        penalty = self.weight * kl_sparsity(self.rho, mean_activation(z))
        if keras_divides_activity_penalty_by_batch():
            return ops.cast(ops.shape(z)[0], penalty.dtype) * penalty
        return penalty

    def get_config(self) -> dict:
        return {"weight": self.weight, "rho": self.rho}


def contractive_exact(encoder, x):
    """:math:`\\|J_f(x)\\|_F^2` for each input, from the encoder's exact Jacobian (TensorFlow backend).

    Works for any differentiable encoder: ``tf.GradientTape.batch_jacobian`` builds the Jacobian of every code
    unit with respect to every input value (one backward pass per code unit, vectorised), which is expensive:
    its cost grows with the code size. Called inside another ``GradientTape`` (a ``train_step``), the result can
    be differentiated with respect to the encoder's weights.

    Parameters
    ----------
    encoder : callable
        Maps a batch ``x`` to codes of shape ``(N, n)`` (a Keras model or layer).
    x : array-like or tensor, shape (N, ...)
        A batch of inputs (any shape after the batch axis).

    Returns
    -------
    tensor of shape (N,)

    Examples
    --------
    >>> enc = keras.layers.Dense(3, activation="sigmoid")
    >>> contractive_exact(enc, np.zeros((2, 4), "float32")).shape
    TensorShape([2])
    """
    import tensorflow as tf

    x = tf.convert_to_tensor(x, dtype=tf.float32)
    if len(x.shape) < 2:
        raise ValueError(f"x must be a batch of inputs of shape (N, ...), got shape {tuple(x.shape)}")
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = encoder(x)
    _check_codes(z, "the encoder's output")
    jac = tape.batch_jacobian(z, x)  # (N, n, *x.shape[1:])
    return tf.reduce_sum(tf.reshape(tf.square(jac), (tf.shape(jac)[0], -1)), axis=1)


def contractive_sigmoid(h, kernel):
    """:math:`\\|J_f(x)\\|_F^2` for each input in closed form, for one sigmoid layer ``h = sigmoid(x W + b)``.

    The Jacobian is :math:`J_{ji} = h_j (1 - h_j) W_{ij}`, so
    :math:`\\|J\\|_F^2 = \\sum_j (h_j(1-h_j))^2 \\sum_i W_{ij}^2` (Rifai et al. 2011): the cost of one forward pass.

    Parameters
    ----------
    h : array-like or tensor, shape (N, n)
        The layer's sigmoid outputs for a batch.
    kernel : array-like or tensor, shape (D, n)
        The layer's weight matrix ``W`` (Keras ``Dense.kernel``: inputs along rows).

    Returns
    -------
    tensor of shape (N,)

    Examples
    --------
    >>> h = np.full((1, 2), 0.5)
    >>> np.asarray(contractive_sigmoid(h, np.ones((3, 2)))).tolist()  # 2 units * 0.25**2 * 3
    [0.375]
    """
    h = _check_codes(ops.convert_to_tensor(h), "h")
    kernel = ops.convert_to_tensor(kernel)
    if len(kernel.shape) != 2 or kernel.shape[1] != h.shape[1]:
        raise ValueError(
            f"kernel must have shape (D, {h.shape[1]}) to match h of shape {tuple(h.shape)}, "
            f"got shape {tuple(kernel.shape)}"
        )
    slope = h * (1.0 - h)
    col_norms = ops.sum(ops.square(ops.cast(kernel, h.dtype)), axis=0)  # (n,)
    return ops.sum(ops.square(slope) * col_norms, axis=1)
