"""Helpers for the autoencoders and variational autoencoders course.

One module per concern, so that a helper's home can be guessed from its name:

``config``       the smoke/full switch and :func:`setup`, the first call of every notebook
``data``         MNIST, Fashion-MNIST and the scanned dirty documents (download, checksum, offline copy)
``corruptions``  noise, watermarks and other corruptions (the only module that imports ``imgaug``)
``plotting``     image grids, comparison rows, training curves, latent maps
``metrics``      MSE, PSNR, SSIM and :func:`metrics.record` for a notebook's key figures

Models are not here: the notebooks build them, because that is what they teach.
"""

from __future__ import annotations

import importlib

from course_utils import config, data, metrics, plotting
from course_utils.config import Config, get_config, setup

__version__ = "0.1.0"
__all__ = ["Config", "config", "corruptions", "data", "get_config", "metrics", "plotting", "setup"]


def __getattr__(name: str):
    # `corruptions` imports imgaug (and OpenCV): load it on first use only.
    if name == "corruptions":
        return importlib.import_module("course_utils.corruptions")
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")
