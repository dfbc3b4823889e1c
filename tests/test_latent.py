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


def _star(n=3000, arms=5, seed=2):
    rng = np.random.default_rng(seed)
    angle = rng.integers(0, arms, n) * 2 * np.pi / arms
    r = rng.uniform(0, 1, n)
    return np.c_[r * np.cos(angle), r * np.sin(angle)] + rng.normal(0, 0.02, (n, 2))


def test_enclosed_tells_holes_from_bays_and_the_outside():
    t = np.random.default_rng(0).uniform(0, 2 * np.pi, 2000)
    ring = np.c_[np.cos(t), np.sin(t)]
    assert latent.enclosed([[0, 0], [0.3, 0.2], [2, 0], [0, -3]], ring).tolist() == [True, True, False, False]
    star = _star()
    bays = (
        0.5
        * np.c_[
            np.cos(np.pi / 5 + np.arange(5) * 2 * np.pi / 5), np.sin(np.pi / 5 + np.arange(5) * 2 * np.pi / 5)
        ]
    )
    assert not latent.enclosed(bays, star).any()  # between the arms is not inside the cloud
    blob = np.random.default_rng(3).normal(size=(3000, 2))
    assert latent.enclosed(np.zeros((1, 2)), blob).all()  # a dense interior point is


def test_gap_points_are_never_in_the_bays_of_a_star():
    """The old quantile-box search put its gap points between the arms: extrapolation, not holes."""
    star = _star()
    gaps = latent.gap_points(star, n=8)
    assert len(gaps) == 0 or latent.enclosed(gaps, star).all()
    assert len(gaps) == 0 or latent.nearest_distance(gaps, star).max() < 0.2  # no bay-sized "holes"


def test_enclosed_checks_arguments():
    with pytest.raises(ValueError, match=r"\(M, 2\)"):
        latent.enclosed(np.zeros((3, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="sectors"):
        latent.enclosed(np.zeros((1, 2)), np.ones((3, 2)), sectors=2)
