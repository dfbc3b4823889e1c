"""Image-quality metrics and the record of each notebook's key figures.

The metrics wrap scikit-image (``skimage.metrics``) so that the whole course measures images one way:

* :func:`mse` — mean squared error per pixel, images in [0, 1];
* :func:`psnr` — peak signal-to-noise ratio in dB, the mean over images of each image's PSNR;
* :func:`ssim` — structural similarity, the mean over images.

:func:`record` keeps a notebook's key figures; when ``COURSE_RESULTS_FILE`` is set (``make course`` sets it for each
notebook) they are also written to that JSON file, from which ``build/results.md`` is made.
"""

from __future__ import annotations

import json
import math
import numbers
import re
from pathlib import Path

import numpy as np

from course_utils import config
from course_utils._validate import check_unit_range, float_array

#: The figures recorded in this Python process, by name.
RESULTS: dict[str, float | int | bool | str] = {}

_NAME = re.compile(r"^[A-Za-z0-9_.\-/ ]{1,80}$")


def _as_image_batch(a, name: str) -> np.ndarray:
    a = float_array(a, name)
    if a.ndim == 4 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"{name} must have shape (H, W), (N, H, W) or (N, H, W, 1), got {a.shape}")
    check_unit_range(a, name, tol=1e-6)
    return a.astype(np.float64, copy=False)


def _pair(x, x_hat) -> tuple[np.ndarray, np.ndarray]:
    x = _as_image_batch(x, "x")
    x_hat = _as_image_batch(x_hat, "x_hat")
    if x.shape != x_hat.shape:
        raise ValueError(f"x and x_hat must have the same shape, got {x.shape} and {x_hat.shape}")
    return x, x_hat


def mse(x, x_hat, *, per_image: bool = False):
    """Mean squared error per pixel between images in [0, 1].

    Parameters
    ----------
    x, x_hat : array-like of float, shape (H, W), (N, H, W) or (N, H, W, 1)
        Reference and reconstruction, same shape, values in [0, 1].
    per_image : bool, default False
        Return one value per image instead of the mean over all pixels.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> mse(np.zeros((2, 2)), np.full((2, 2), 0.5))
    0.25
    """
    from skimage.metrics import mean_squared_error

    x, x_hat = _pair(x, x_hat)
    values = np.array([mean_squared_error(a, b) for a, b in zip(x, x_hat, strict=True)])
    return values if per_image else float(values.mean())


def psnr(x, x_hat, *, per_image: bool = False, max_db: float = 100.0):
    """Peak signal-to-noise ratio in dB for images in [0, 1] (higher is better).

    Each image's PSNR is ``10 log10(1 / MSE)``; a perfect reconstruction is capped at ``max_db`` so that one exact
    image does not make the mean infinite.

    Parameters
    ----------
    x, x_hat : array-like of float
        As in :func:`mse`.
    per_image : bool, default False
        Return one value per image instead of their mean.
    max_db : float, default 100
        Cap for images reconstructed exactly.

    Examples
    --------
    >>> round(psnr(np.zeros((4, 4)), np.full((4, 4), 0.1)), 6)
    20.0
    """
    x, x_hat = _pair(x, x_hat)  # float64
    # scikit-image's peak_signal_noise_ratio, for the whole batch at once (tests/test_metrics.py holds it to
    # scikit-image image by image)
    err = np.mean(((x - x_hat) ** 2).reshape(len(x), -1), axis=1)
    with np.errstate(divide="ignore"):
        values = np.where(err == 0, max_db, np.minimum(max_db, 10 * np.log10(1.0 / err)))
    return values if per_image else float(values.mean())


def ssim(x, x_hat, *, per_image: bool = False):
    """Structural similarity (Wang et al. 2004) for images in [0, 1]; 1 means identical.

    The definition of :func:`skimage.metrics.structural_similarity` with a Gaussian window (σ = 1.5, as in the
    original paper; ``K1 = 0.01``, ``K2 = 0.03``, the mean over the map without its 5-pixel border), computed for
    the whole batch at once (thousands of images in a fraction of a second); ``tests/test_metrics.py`` holds it
    to scikit-image's own function image by image.

    Examples
    --------
    >>> a = np.random.default_rng(0).random((16, 16))
    >>> ssim(a, a)
    1.0
    """
    from scipy.ndimage import gaussian_filter

    x, x_hat = _pair(x, x_hat)
    a, b = x.astype(np.float64), x_hat.astype(np.float64)
    sigma, truncate = 1.5, 3.5
    pad = int(truncate * sigma + 0.5)  # scikit-image's window is 2 * pad + 1 = 11 pixels wide
    if min(a.shape[1:]) < 2 * pad + 1:
        raise ValueError(
            f"images must be at least {2 * pad + 1} pixels on each side for SSIM, got {a.shape[1:]}"
        )

    def blur(img):
        return gaussian_filter(img, sigma=(0, sigma, sigma), truncate=truncate, mode="reflect")

    c1, c2 = 0.01**2, 0.03**2  # (K R)^2 with data range R = 1
    ua, ub = blur(a), blur(b)
    va, vb, cov = blur(a * a) - ua * ua, blur(b * b) - ub * ub, blur(a * b) - ua * ub
    s_map = ((2 * ua * ub + c1) * (2 * cov + c2)) / ((ua * ua + ub * ub + c1) * (va + vb + c2))
    values = s_map[:, pad:-pad, pad:-pad].mean(axis=(1, 2))
    return values if per_image else float(values.mean())


def probe_accuracy(
    z_train, y_train, z_test, y_test, *, method: str = "logistic", k: int = 5
) -> tuple[float, float]:
    """How well a simple classifier reads the classes off codes ``z`` (a "linear probe" or k-NN probe).

    Features are standardised on the training codes first. Used to compare codes of different models (or raw
    pixels) as features.

    Parameters
    ----------
    z_train, z_test : array-like, shape (N, d)
        Codes (or flattened pixels) of training and test images.
    y_train, y_test : array-like of int, shape (N,)
        Class labels.
    method : {"logistic", "knn"}, default "logistic"
        Multinomial logistic regression (scikit-learn, lbfgs) or a k-nearest-neighbour vote.
    k : int, default 5
        Neighbours for ``"knn"``.

    Returns
    -------
    accuracy : float
        Fraction of test codes classified correctly.
    seconds : float
        Wall time to fit and predict.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = np.r_[rng.normal(-2, 1, (50, 2)), rng.normal(2, 1, (50, 2))]
    >>> y = np.r_[np.zeros(50, int), np.ones(50, int)]
    >>> acc, _ = probe_accuracy(z, y, z, y)
    >>> acc > 0.9
    True
    """
    import time

    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    z_train, z_test = np.asarray(z_train, dtype=np.float64), np.asarray(z_test, dtype=np.float64)
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    if z_train.ndim != 2 or z_test.ndim != 2 or z_train.shape[1] != z_test.shape[1]:
        raise ValueError(f"codes must be 2-D with the same width, got {z_train.shape} and {z_test.shape}")
    if y_train.shape != (len(z_train),) or y_test.shape != (len(z_test),):
        raise ValueError(
            f"labels must match the codes: {y_train.shape} vs {len(z_train)}, {y_test.shape} vs {len(z_test)}"
        )
    if method == "logistic":
        clf = LogisticRegression(max_iter=1000)
    elif method == "knn":
        clf = KNeighborsClassifier(n_neighbors=k)
    else:
        raise ValueError(f"method must be 'logistic' or 'knn', got {method!r}")
    start = time.perf_counter()
    model = make_pipeline(StandardScaler(), clf).fit(z_train, y_train)
    acc = float(np.mean(model.predict(z_test) == y_test))
    return acc, time.perf_counter() - start


def record(name: str, value) -> None:
    """Keep one of a notebook's key figures; ``make course`` collects them into ``build/results.md``.

    Parameters
    ----------
    name : str
        A short name such as ``"pca_vs_ae_mse_ratio"`` (letters, digits, ``_ . - /`` and spaces).
    value : float, int, bool or str
        A finite number (NumPy scalars are fine) or a short string.

    The value is stored as a Python float, int, bool or str in :data:`RESULTS`. Nothing is returned, so that a
    notebook cell ending with ``record(...)`` shows no stray output.

    Examples
    --------
    >>> record("example_psnr_db", np.float32(21.5))
    >>> RESULTS["example_psnr_db"]
    21.5
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"name must be a short string of letters, digits, '_.-/ ', got {name!r}")
    if isinstance(value, (bool, np.bool_)):
        value = bool(value)
    elif isinstance(value, numbers.Integral):
        value = int(value)
    elif isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"value of {name!r} must be finite, got {value}")
    elif isinstance(value, str):
        if len(value) > 200:
            raise ValueError(f"string value of {name!r} must be at most 200 characters, got {len(value)}")
    else:
        raise ValueError(f"value of {name!r} must be a number or a string, got {type(value).__name__}")
    RESULTS[name] = value
    path = config.get_config().results_file
    if path is not None:
        _write(path, name, value)


def _write(path: Path, name: str, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"mode": config.get_config().mode, "metrics": {}}
    if path.is_file():
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as err:
            raise ValueError(f"results file {path} is not valid JSON ({err}); delete it and re-run") from err
    data.setdefault("metrics", {})[name] = value
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    tmp.replace(path)


def load_results(path: str | Path) -> dict:
    """Read a results file written by :func:`record` (``{"mode": ..., "metrics": {...}}``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no results file at {path}")
    return json.loads(path.read_text())
