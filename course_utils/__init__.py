"""Helpers for the autoencoders and variational autoencoders course.

One module per concern, so that a helper's home can be guessed from its name:

``config``       the smoke/full switch and :func:`setup`, the first call of every notebook
``data``         MNIST, Fashion-MNIST and the scanned dirty documents (download, checksum, offline copy)
``corruptions``  noise, watermarks and other corruptions (the only module that imports ``imgaug``)
``plotting``     image grids, comparison rows, training curves, latent maps
``metrics``      MSE, PSNR, SSIM, probe accuracy of codes, and :func:`metrics.record` for key figures
``latent``       straight-line paths, empty regions ("gaps") and distances in a latent space
``documents``    synthetic dirty pages, patches and page-level scores (notebook 04)
``training``     train by steps, measure by time: a log of a metric against steps and their measured cost
``regularizers`` sparsity and contraction penalties (notebooks 05-06)
``widgets``      interactive explorers (latent sliders, noise level) with a static figure as fallback
``checks``       the exercises' self-checks: your answer against a reference, with a hint (never the solution)
``distributions`` Gaussian KL, reparameterized samples, log-densities, importance-weighted bounds (07-09)
``compression``  bits: JPEG's real sizes, quantizers, entropy and code lengths of symbols (notebook 10)
``retrieval``    codes as features: nearest neighbours, precision@k, few-label subsets (notebook 11)

Models are not here: the notebooks build them, because that is what they teach.
"""

from __future__ import annotations

import importlib

from course_utils import config, data, latent, metrics, plotting
from course_utils.config import Config, get_config, setup

__version__ = "0.1.0"
# Loaded on first use: `corruptions` imports imgaug and OpenCV, the others Keras, TensorFlow or scikit-image.
_LAZY = (
    "checks",
    "corruptions",
    "documents",
    "training",
    "regularizers",
    "distributions",
    "widgets",
    "compression",
    "retrieval",
)
__all__ = ["Config", "config", "data", "get_config", "latent", "metrics", "plotting", "setup", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f"course_utils.{name}")
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")
