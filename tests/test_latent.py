"""course_utils.latent: interpolation, distances to codes, gap finding."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import latent


def test_interpolate_includes_both_ends_and_is_linear():
    path = latent.interpolate([0.0, 1.0, 2.0], [2.0, 1.0, 0.0], steps=5)
    assert path.shape == (5, 3) and path.dtype == np.float32
    np.testing.assert_allclose(path[0], [0, 1, 2]) and np.testing.assert_allclose(path[-1], [2, 1, 0])
    np.testing.assert_allclose(np.diff(path, axis=0), 0.5 * np.array([[1, 0, -1]] * 4))


def test_interpolate_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        latent.interpolate([0, 0], [0, 0, 0])
    with pytest.raises(ValueError, match="steps"):
        latent.interpolate([0], [1], steps=1)


def test_nearest_distance_matches_brute_force():
    rng = np.random.default_rng(0)
    p, c = rng.normal(size=(30, 3)), rng.normal(size=(50, 3))
    brute = np.sqrt(((p[:, None] - c[None]) ** 2).sum(-1)).min(1)
    np.testing.assert_allclose(latent.nearest_distance(p, c), brute)


def test_gap_points_find_the_hole_and_stay_apart():
    rng = np.random.default_rng(1)
    t = rng.uniform(0, 2 * np.pi, 2000)
    ring = np.c_[np.cos(t), np.sin(t)] * rng.uniform(0.9, 1.1, (2000, 1))
    gaps = latent.gap_points(ring, n=3)
    assert np.linalg.norm(gaps[0]) < 0.1
    assert latent.nearest_distance(gaps, ring).min() > 0.1
    assert min(np.linalg.norm(a - b) for i, a in enumerate(gaps) for b in gaps[i + 1 :]) > 0.1


def test_gap_points_checks_shape():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        latent.gap_points(np.zeros((10, 3)))
