"""Gaussian and Bernoulli pieces of variational inference, written with ``keras.ops`` (notebooks 07-09).

Every function accepts NumPy arrays or backend tensors (also symbolic ones inside ``train_step``) and returns a
backend tensor; call ``keras.ops.convert_to_numpy`` on the result to get an array. Log-densities are in **nats**.
The Gaussian posterior is always parametrised by its mean and its log-**variance** (``z_mean``, ``z_log_var``).

* :func:`gaussian_kl` — KL(N(mu, diag sigma^2) || N(0, I)) per example, summed over latent dimensions;
* :func:`gaussian_kl_between` — KL between two diagonal Gaussians, elementwise;
* :func:`reparameterize` — ``z = mu + exp(0.5 * log_var) * eps`` with ``eps ~ N(0, I)`` from ``keras.random``;
* :func:`log_normal` — elementwise log N(x; mean, exp(log_var));
* :func:`bernoulli_log_likelihood` — log p(x | logits) per example, from logits (numerically stable);
* :func:`log_mean_exp` — a stable log(mean(exp(a))), the core of importance-weighted (IWAE) bounds.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

#: log(2 pi), the constant of every Gaussian log-density.
LOG_2PI = math.log(2.0 * math.pi)


def _as_float_tensor(a, name: str):
    """Convert to a floating tensor (integers become ``floatx``); reject strings and other non-numbers."""
    if isinstance(a, (str, bytes)) or a is None:
        raise ValueError(f"{name} must be numeric (an array or tensor), got {type(a).__name__}")
    if isinstance(a, (list, tuple, int, float, np.ndarray, np.generic)):
        arr = np.asarray(a)
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
            raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
        if not np.issubdtype(arr.dtype, np.floating):
            arr = arr.astype(keras.config.floatx())
        return ops.convert_to_tensor(arr)
    t = ops.convert_to_tensor(a)
    if not keras.backend.standardize_dtype(t.dtype).startswith(("float", "bfloat")):
        t = ops.cast(t, keras.config.floatx())
    return t


def _same_float_dtype(a, b):
    """Cast ``b`` to ``a``'s dtype when they differ (float32 model outputs against float64 data, say)."""
    return b if a.dtype == b.dtype else ops.cast(b, a.dtype)


def _check_same_shape(a, b, name_a: str, name_b: str) -> None:
    """Static shape check that tolerates unknown (``None``) dimensions of symbolic tensors."""
    sa, sb = tuple(a.shape), tuple(b.shape)
    if len(sa) != len(sb) or any(
        x is not None and y is not None and x != y for x, y in zip(sa, sb, strict=True)
    ):
        raise ValueError(f"expected {name_a} and {name_b} of the same shape, got {sa} and {sb}")


def _check_batched(a, name: str) -> None:
    if len(a.shape) < 2:
        raise ValueError(
            f"expected {name} of shape (batch, latent_dim) or more axes, got shape {tuple(a.shape)}; "
            "for a single example add a batch axis, e.g. x[None]"
        )


def gaussian_kl(z_mean, z_log_var, *, per_dim: bool = False):
    r"""KL divergence from a diagonal Gaussian to the standard normal, per example, in nats.

    .. math::
        \mathrm{KL}\big(\mathcal N(\mu, \operatorname{diag}\sigma^2)\,\|\,\mathcal N(0, I)\big)
        = \tfrac12 \sum_j \big(\mu_j^2 + \sigma_j^2 - 1 - \log\sigma_j^2\big)

    computed as ``0.5 * (mu**2 + expm1(log_var) - log_var)``, which is non-negative term by term and exact near
    zero (no ``1 + log_var - exp(log_var)`` cancellation).

    Parameters
    ----------
    z_mean, z_log_var : array-like or tensor, shape (batch, latent_dim[, ...])
        Mean and log-**variance** of q(z | x); same shape.
    per_dim : bool, default False
        Return the elementwise terms (same shape as the inputs) instead of their sum over all non-batch axes.

    Returns
    -------
    tensor, shape (batch,) (or the input shape if ``per_dim``)

    Raises
    ------
    ValueError
        If the shapes differ or there is no batch axis.

    Examples
    --------
    >>> from keras import ops
    >>> kl = gaussian_kl([[0.0, 0.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]])
    >>> ops.convert_to_numpy(kl).round(3).tolist()
    [0.0, 0.5]
    """
    z_mean = _as_float_tensor(z_mean, "z_mean")
    z_log_var = _same_float_dtype(z_mean, _as_float_tensor(z_log_var, "z_log_var"))
    _check_same_shape(z_mean, z_log_var, "z_mean", "z_log_var")
    _check_batched(z_mean, "z_mean")
    terms = 0.5 * (ops.square(z_mean) + ops.expm1(z_log_var) - z_log_var)
    if per_dim:
        return terms
    return ops.sum(ops.reshape(terms, (ops.shape(terms)[0], -1)), axis=-1)


def gaussian_kl_between(mean_q, log_var_q, mean_p, log_var_p):
    r"""Elementwise KL(N(mean_q, exp(log_var_q)) || N(mean_p, exp(log_var_p))) between univariate Gaussians, nats.

    .. math::
        \mathrm{KL}(q\|p) = \tfrac12\Big(\frac{\sigma_q^2 + (\mu_q-\mu_p)^2}{\sigma_p^2} - 1
        + \log\frac{\sigma_p^2}{\sigma_q^2}\Big)

    Sum the result over dimensions for a diagonal multivariate Gaussian. Not symmetric in q and p.

    Examples
    --------
    >>> from keras import ops
    >>> float(ops.convert_to_numpy(gaussian_kl_between(0.0, 0.0, 1.0, 0.0)))
    0.5
    """
    mean_q = _as_float_tensor(mean_q, "mean_q")
    log_var_q = _same_float_dtype(mean_q, _as_float_tensor(log_var_q, "log_var_q"))
    mean_p = _same_float_dtype(mean_q, _as_float_tensor(mean_p, "mean_p"))
    log_var_p = _same_float_dtype(mean_q, _as_float_tensor(log_var_p, "log_var_p"))
    d = log_var_q - log_var_p
    return 0.5 * (ops.expm1(d) - d + ops.square(mean_q - mean_p) * ops.exp(-log_var_p))


def reparameterize(z_mean, z_log_var, seed=None):
    r"""Draw ``z = mu + sigma * eps``, ``eps ~ N(0, I)``, differentiable in ``mu`` and ``log_var``.

    .. math:: z = \mu + \exp(\tfrac12 \log\sigma^2)\,\varepsilon

    Parameters
    ----------
    z_mean, z_log_var : array-like or tensor, same shape
        Mean and log-**variance** (not log standard deviation).
    seed : None, int or keras.random.SeedGenerator
        Passed to :func:`keras.random.normal`. Inside a layer use a ``SeedGenerator`` kept on the layer, so that
        each call draws fresh noise and runs are reproducible.

    Returns
    -------
    tensor, the shape of ``z_mean``

    Examples
    --------
    >>> import keras
    >>> z = reparameterize([[0.0, 10.0]], [[-40.0, -40.0]], seed=keras.random.SeedGenerator(0))
    >>> keras.ops.convert_to_numpy(z).round(3).tolist()  # tiny variance: z is the mean
    [[0.0, 10.0]]
    """
    if not (seed is None or isinstance(seed, keras.random.SeedGenerator)):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(
                f"seed must be None, a non-negative int or a keras.random.SeedGenerator, got {seed!r}"
            )
        seed = int(seed)
    z_mean = _as_float_tensor(z_mean, "z_mean")
    z_log_var = _same_float_dtype(z_mean, _as_float_tensor(z_log_var, "z_log_var"))
    _check_same_shape(z_mean, z_log_var, "z_mean", "z_log_var")
    eps = keras.random.normal(ops.shape(z_mean), dtype=z_mean.dtype, seed=seed)
    return z_mean + ops.exp(0.5 * z_log_var) * eps


def log_normal(x, mean, log_var):
    r"""Elementwise Gaussian log-density ``log N(x; mean, exp(log_var))`` in nats (broadcasting).

    .. math:: \log\mathcal N(x;\mu,\sigma^2) = -\tfrac12\Big(\log 2\pi + \log\sigma^2 + \frac{(x-\mu)^2}{\sigma^2}\Big)

    Sum over the axes you need yourself (e.g. over latent dimensions for a diagonal Gaussian).

    Examples
    --------
    >>> from keras import ops
    >>> round(float(ops.convert_to_numpy(log_normal(0.0, 0.0, 0.0))), 6)  # -0.5 log(2 pi)
    -0.918939
    """
    x = _as_float_tensor(x, "x")
    mean = _same_float_dtype(x, _as_float_tensor(mean, "mean"))
    log_var = _same_float_dtype(x, _as_float_tensor(log_var, "log_var"))
    return -0.5 * (LOG_2PI + log_var + ops.square(x - mean) * ops.exp(-log_var))


def bernoulli_log_likelihood(x, logits):
    r"""``log p(x | logits)`` of independent Bernoulli pixels, per example, summed over all non-batch axes, nats.

    .. math:: \log p(x\mid\ell) = \sum_i x_i \log\sigma(\ell_i) + (1-x_i)\log(1-\sigma(\ell_i))
              = \sum_i x_i \ell_i - \operatorname{softplus}(\ell_i)

    The right-hand form never takes the log of a probability that rounded to 0, so it is stable for any logits.

    Parameters
    ----------
    x : array-like or tensor, shape (batch, ...)
        Targets in [0, 1] (binary for a true Bernoulli likelihood).
    logits : array-like or tensor, same shape
        Decoder outputs before the sigmoid.

    Returns
    -------
    tensor, shape (batch,)

    Examples
    --------
    >>> from keras import ops
    >>> ll = bernoulli_log_likelihood([[1.0, 0.0]], [[0.0, 0.0]])  # two fair coins
    >>> round(float(ops.convert_to_numpy(ll)[0]), 4)  # 2 log(1/2)
    -1.3863
    """
    if isinstance(x, np.ndarray) and x.size and (np.nanmin(x) < 0 or np.nanmax(x) > 1):
        raise ValueError(f"expected x in [0, 1], got values in [{np.nanmin(x):.4g}, {np.nanmax(x):.4g}]")
    logits = _as_float_tensor(logits, "logits")
    x = _same_float_dtype(logits, _as_float_tensor(x, "x"))
    _check_same_shape(x, logits, "x", "logits")
    _check_batched(x, "x")
    ll = x * logits - ops.softplus(logits)
    return ops.sum(ops.reshape(ll, (ops.shape(ll)[0], -1)), axis=-1)


def log_mean_exp(a, axis: int = 0):
    r"""A numerically stable ``log(mean(exp(a), axis))``.

    .. math:: \log \frac1k \sum_{i=1}^k e^{a_i} = m + \log\frac1k\sum_i e^{a_i - m}, \quad m = \max_i a_i

    With ``a`` the log importance weights ``log p(x, z_i) - log q(z_i | x)`` of ``k`` samples this is the
    importance-weighted bound of Burda et al. (2015).

    Parameters
    ----------
    a : array-like or tensor
    axis : int, default 0
        The axis to average over (its length must be known).

    Examples
    --------
    >>> from keras import ops
    >>> float(ops.convert_to_numpy(log_mean_exp([1000.0, 1000.0])))  # naive: log(inf)
    1000.0
    """
    a = _as_float_tensor(a, "a")
    ndim = len(a.shape)
    if ndim == 0:
        raise ValueError("expected an array with at least one axis, got a scalar")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"expected axis an int in [{-ndim}, {ndim - 1}], got {axis!r}")
    k = a.shape[axis]
    if k is None:
        k = ops.cast(ops.shape(a)[axis], a.dtype)
        return ops.logsumexp(a, axis=int(axis)) - ops.log(k)
    if k == 0:
        raise ValueError(f"expected a non-empty axis {axis}, got shape {tuple(a.shape)}")
    return ops.logsumexp(a, axis=int(axis)) - math.log(k)
