"""Helpers to probe a latent space: straight-line paths, empty regions ("gaps"), distances to the codes.

Used to show what a plain autoencoder's latent space lacks (continuity, completeness) and what a VAE's has.
"""

from __future__ import annotations

import numpy as np


def interpolate(z_start, z_end, steps: int = 10) -> np.ndarray:
    """Points on the straight line from ``z_start`` to ``z_end`` (both ends included).

    Parameters
    ----------
    z_start, z_end : array-like, shape (d,)
    steps : int, default 10
        Number of points, at least 2.

    Returns
    -------
    numpy.ndarray of float32, shape (steps, d)

    Examples
    --------
    >>> interpolate([0, 0], [1, 2], steps=3)
    array([[0. , 0. ],
           [0.5, 1. ],
           [1. , 2. ]], dtype=float32)
    """
    a = np.asarray(z_start, dtype=np.float32)
    b = np.asarray(z_end, dtype=np.float32)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"z_start and z_end must be 1-D of the same length, got {a.shape} and {b.shape}")
    if steps < 2:
        raise ValueError(f"steps must be >= 2, got {steps}")
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    return (1 - t) * a + t * b


def nearest_distance(points, codes) -> np.ndarray:
    """Euclidean distance from each point to its nearest code (a k-d tree, so fast for many codes).

    Examples
    --------
    >>> nearest_distance([[0, 0], [3, 4]], [[0, 0]])
    array([0., 5.])
    """
    from scipy.spatial import cKDTree

    points = np.asarray(points, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.float64)
    if points.ndim != 2 or codes.ndim != 2 or points.shape[1] != codes.shape[1]:
        raise ValueError(
            f"points and codes must be 2-D with the same width, got {points.shape} and {codes.shape}"
        )
    if len(codes) == 0:
        raise ValueError("codes is empty")
    dist, _ = cKDTree(codes).query(points)
    return dist


def enclosed(points, codes, *, sectors: int = 8, reach: float = 4.0) -> np.ndarray:
    """Which points are surrounded by codes on every side: inside the cloud, not beyond its edge or in a bay.

    A point counts as enclosed when each of ``sectors`` equal angular sectors around it holds a code no farther
    than ``reach`` times the larger of the distance to the point's nearest code and the codes' typical spacing
    (the median distance from a code to its tenth nearest neighbour). The centre of a ring is enclosed; a point
    outside a blob, or between two arms of a star-shaped cloud, is not (the sectors facing outwards are empty).

    Parameters
    ----------
    points : array-like, shape (M, 2)
    codes : array-like, shape (N, 2)
    sectors : int, default 8
        Number of directions that must hold a code (at least 3).
    reach : float, default 4.0
        How far, in units of the nearest-code distance (or of the typical spacing, if larger), a sector's code may
        be (> 1).

    Returns
    -------
    numpy.ndarray of bool, shape (M,)

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    >>> ring = np.c_[np.cos(t), np.sin(t)]
    >>> enclosed([[0, 0], [2, 0]], ring).tolist()  # the hole of the ring is inside it, (2, 0) is beyond it
    [True, False]
    """
    points = np.asarray(points, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(
            f"points and codes must have shape (M, 2) and (N, 2), got {points.shape} and {codes.shape}"
        )
    if len(codes) == 0:
        raise ValueError("codes is empty")
    if sectors < 3 or not reach > 1:
        raise ValueError(f"sectors must be >= 3 and reach > 1, got sectors={sectors}, reach={reach}")
    from scipy.spatial import cKDTree

    k = min(10, len(codes) - 1)
    spacing = float(np.median(cKDTree(codes).query(codes, k=k + 1)[0][:, k])) if k >= 1 else 0.0
    radius = reach * np.maximum(nearest_distance(points, codes), max(spacing, 1e-12))
    inside = np.empty(len(points), dtype=bool)
    for lo in range(0, len(points), 256):  # chunks keep the point-by-code arrays small
        d = codes[None, :, :] - points[lo : lo + 256, None, :]
        r = np.hypot(d[..., 0], d[..., 1])
        sector = ((np.arctan2(d[..., 1], d[..., 0]) + np.pi) / (2 * np.pi) * sectors).astype(int) % sectors
        near = r <= radius[lo : lo + 256, None]
        hit = np.zeros((r.shape[0], sectors), dtype=bool)
        rows, cols = np.nonzero(near)
        hit[rows, sector[rows, cols]] = True
        inside[lo : lo + 256] = hit.all(axis=1)
    return inside


def gap_points(
    codes, n: int = 8, *, grid: int = 60, coverage: float = 0.98, sectors: int = 8, reach: float = 4.0
) -> np.ndarray:
    """The ``n`` points of a 2-D latent space that lie farthest from every code while enclosed by codes.

    A regular ``grid × grid`` lattice is laid over the central ``coverage`` of the codes (per-axis quantiles) and
    kept only where it is :func:`enclosed` by codes (so the points are holes *inside* the cloud, not extrapolation
    beyond its edge or into the bays of a star-shaped cloud); points are then picked greedily by largest distance
    to the nearest code, each new one at least one gap-radius away from those already chosen, so that they sit in
    *different* empty regions. Fewer than ``n`` come back if fewer enclosed lattice points exist.

    Parameters
    ----------
    codes : array-like, shape (N, 2)
    n : int, default 8
    grid : int, default 60
    coverage : float in (0, 1], default 0.98
    sectors, reach
        Passed to :func:`enclosed`.

    Returns
    -------
    numpy.ndarray of float32, shape (m, 2), m <= n

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ring = np.c_[np.cos(t := rng.uniform(0, 2 * np.pi, 500)), np.sin(t)]
    >>> float(np.linalg.norm(gap_points(ring, n=1)[0])) < 0.2  # the hole of a ring is its centre
    True
    """
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"codes must have shape (N, 2), got {codes.shape}")
    if not 0 < coverage <= 1:
        raise ValueError(f"coverage must be in (0, 1], got {coverage}")
    if n < 1 or grid < 2:
        raise ValueError(f"n must be >= 1 and grid >= 2, got n={n}, grid={grid}")
    lo = np.quantile(codes, (1 - coverage) / 2, axis=0)
    hi = np.quantile(codes, 1 - (1 - coverage) / 2, axis=0)
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid))
    lattice = np.c_[g1.ravel(), g2.ravel()]
    lattice = lattice[enclosed(lattice, codes, sectors=sectors, reach=reach)]
    if len(lattice) == 0:
        return np.zeros((0, 2), dtype=np.float32)
    dist = nearest_distance(lattice, codes)
    chosen: list[np.ndarray] = []
    for i in np.argsort(-dist):
        p = lattice[i]
        if all(np.linalg.norm(p - q) > dist[i] for q in chosen):
            chosen.append(p)
            if len(chosen) == n:
                break
    return np.asarray(chosen, dtype=np.float32)
