"""Checks for the exercises of notebook 01 (PCA and linear autoencoders).

How they check, without holding the answers: 01.1 and 01.2 measure on the training images themselves (project them
onto the principal directions, then measure the variance kept or the error left over), so they never use a formula
in the eigenvalues; 01.3 tests the properties asked of ``T`` (invertible, the same reconstructions, uncorrelated
codes with decreasing variances) on the training codes.
"""

from __future__ import annotations

import numpy as np

from course_utils.checks import answered, as_array, as_number, close, exercise, require

_CHUNK = 8192  # rows per block when projecting images (keeps float64 copies small)


def _variances(images, mu, components, n_components: int) -> tuple[float, np.ndarray]:
    """Total variance per pixel of ``images`` around ``mu``, and the variance per pixel along each of the first
    ``n_components`` principal directions (rows of ``components``, orthonormal)."""
    images = np.asarray(images)
    images = images.reshape(len(images), -1)
    mu = np.asarray(mu, dtype=np.float64).ravel()
    v = np.asarray(components, dtype=np.float64)[:n_components]
    n, d = images.shape
    total, along = 0.0, np.zeros(len(v))
    for start in range(0, n, _CHUNK):
        xc = images[start : start + _CHUNK].astype(np.float64) - mu
        total += float(np.sum(xc**2))
        along += np.sum((xc @ v.T) ** 2, axis=0)
    return total / (n * d), along / (n * d)


@exercise("01.1")
def exercise_1(n90, *, x, mu, components) -> str:
    """``n90``: the smallest number of principal components that keeps at least 90% of the training variance."""
    answered(n90, "n90", "an int, the number of components")
    require(
        isinstance(n90, int | np.integer) and not isinstance(n90, bool),
        f"`n90` must be an int (a number of components), got {type(n90).__name__}: "
        "convert it with int(...) if needed",
    )
    n90 = int(n90)
    n_max = int(np.shape(components)[0])
    require(1 <= n90 <= n_max, f"`n90` is a number of components, between 1 and {n_max}: got {n90}")
    # the variance kept by the first k directions, measured by projecting the training images onto them
    total, along = _variances(x, mu, components, n90)
    kept = np.cumsum(along) / total  # kept[k - 1]: the fraction kept by the first k components
    d = int(np.prod(np.shape(x)[1:]))
    summed = np.cumsum(along) * d  # the same variance summed over the pixels, as a running sum of lam is
    require(
        not (kept[-1] < 0.90 and summed[-1] >= 0.90 and (n90 == 1 or summed[-2] < 0.90)),
        "the running sum of `lam` is a variance, not a fraction: divide it by the total variance first",
    )
    require(
        kept[-1] >= 0.90,
        f"{n90} components keep only {kept[-1]:.1%} of the variance: too few. Careful with the "
        "index: explained[j] is the fraction kept by the first j + 1 components",
    )
    require(
        n90 == 1 or kept[-2] < 0.90,
        f"{n90} components keep at least 90%, but so do fewer: find the *smallest* such number",
    )
    return f"{n90} components keep {kept[-1]:.1%} of the variance, {d / n90:.0f}x fewer numbers than pixels"


@exercise("01.2")
def exercise_2(mse_pred_50, *, x, x_test, mu, components, k: int = 50) -> str:
    """``mse_pred_50``: PCA's per-pixel training MSE with 50 components, predicted from the eigenvalues alone."""
    answered(mse_pred_50, "mse_pred_50", "a float, the predicted per-pixel training MSE")
    value = as_number(mse_pred_50, "mse_pred_50")
    require(value > 0, f"`mse_pred_50` is an error, so it is positive: got {value:.3g}")
    # the error of an orthogonal projection is the variance it leaves out: measured on the images themselves
    total, along = _variances(x, mu, components, k + 1)
    error = {j: total - float(np.sum(along[:j])) for j in (k - 1, k, k + 1)}
    reference, tol = error[k], 1e-3
    if not np.isclose(value, reference, rtol=tol):
        d = int(np.prod(np.shape(x)[1:]))
        images = np.asarray(x)
        test_total, test_along = _variances(x_test, mu, components, k)
        mistakes = [
            (
                total - reference,
                f"that is the variance the first {k} components *keep*: the error is what they leave out",
            ),
            (error[k - 1], f"off by one component: n = {k} keeps the components 0 to {k - 1}"),
            (error[k + 1], f"off by one component: n = {k} keeps the components 0 to {k - 1}"),
            (
                reference * d,
                "that is the error per image, summed over its pixels: the MSE asked is per pixel",
            ),
            (
                reference * len(images),
                "that is summed over the training images: the MSE asked is a mean (lam holds s_j^2 / N)",
            ),
            (
                reference * d * len(images),
                "that is the squared error of the whole matrix X_c: the MSE asked is per pixel and per image",
            ),
            (reference**0.5, "that looks like a root mean squared error: the exercise asks for the MSE"),
            (
                test_total - float(np.sum(test_along)),
                "that is PCA's error on the *test* images: predict the training error (Eckart–Young)",
            ),
        ]
        for wrong, hint in mistakes:
            require(not np.isclose(value, wrong, rtol=tol), hint)
    close(
        value,
        reference,
        f"not PCA's per-pixel training MSE with n = {k} yet: start from Eckart–Young in section 1 (the error "
        "of the whole matrix X_c) and from what `lam` holds",
        rtol=tol,
    )
    return f"predicted {value:.5f}; measured on the training images {reference:.5f}"


@exercise("01.3")
def exercise_3(T, *, w_enc, w_dec, x) -> str:
    """``T``: an (n, n) matrix whose new codes T z of the training images are uncorrelated, variances decreasing."""
    answered(T, "T", "a (LATENT, LATENT) array")
    t = as_array(T, "T")
    require(
        t.ndim == 2 and t.shape[0] == t.shape[1],
        f"`T` must be a square (LATENT, LATENT) array, got shape {t.shape}",
    )
    w_enc = np.asarray(w_enc, dtype=np.float64)
    w_dec = np.asarray(w_dec, dtype=np.float64)
    k = w_enc.shape[0]
    require(
        t.shape == (k, k),
        f"`T` must have shape (LATENT, LATENT) = ({k}, {k}), one row per code unit, got {t.shape}",
    )
    cond = np.linalg.cond(t)
    require(
        np.isfinite(cond) and cond < 1e8,
        "`T` is not invertible, so no decoder W_d T^{-1} can undo it: its rows must be independent directions",
    )
    same = w_dec @ np.linalg.inv(t) @ t @ w_enc
    original = w_dec @ w_enc
    require(
        np.abs(same - original).max() <= 1e-6 * np.abs(original).max(),
        "the reconstructions changed: the decoder W_d T^{-1} must undo T exactly",
    )
    images = np.asarray(x)
    images = images.reshape(len(images), -1)
    codes = np.concatenate(
        [images[i : i + _CHUNK].astype(np.float64) @ w_enc.T for i in range(0, len(images), _CHUNK)]
    )
    cov = np.cov(codes, rowvar=False)

    def off_diagonal(matrix: np.ndarray) -> float:
        return float(np.abs(matrix - np.diag(np.diag(matrix))).max() / np.abs(np.diag(matrix)).max())

    new = t @ cov @ t.T
    off = off_diagonal(new)
    require(
        off < 1e-3 or off_diagonal(t.T @ cov @ t) >= 1e-3,
        "your eigenvectors are the *columns* of T, but z' = T z takes them from the rows: transpose it",
    )
    require(
        off < 1e-3,
        f"the new codes are still correlated (largest covariance between two codes: {off:.1%} of the largest "
        "variance): T must diagonalise the covariance of the training codes xc @ w_enc.T",
    )
    variances = np.diag(new)
    require(
        variances.max() > variances.min() * (1 + 1e-4),
        "all new codes have the same variance: the codes are whitened. Keep the rows of T at unit length so "
        "that the variances decrease",
    )
    require(
        not np.all(np.diff(variances) >= 0),
        "the variances increase from the first code to the last: put the direction of largest variance first "
        "(np.linalg.eigh sorts its eigenvalues in ascending order)",
    )
    require(
        np.all(np.diff(variances) <= 1e-9 * variances.max()),
        "the new codes are uncorrelated, but their variances do not decrease: order the rows of T by variance",
    )
    return (
        f"uncorrelated codes, variances {variances[0]:.3g} down to {variances[-1]:.3g}, same reconstructions"
    )
