"""Small builders shared by the unit tests."""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
from pathlib import Path

import numpy as np
import pytest


def write_idx(
    path: Path, array: np.ndarray, *, magic: int | None = None, gz: bool = True, cut: int = 0
) -> Path:
    """Write ``array`` (uint8, 1-D labels or 3-D images) as an IDX file; ``cut`` drops that many trailing bytes."""
    array = np.asarray(array, dtype=np.uint8)
    if array.ndim == 3:
        header = struct.pack(">IIII", magic or 2051, *array.shape)
    else:
        header = struct.pack(">II", magic or 2049, len(array))
    raw = header + array.tobytes()
    if cut:
        raw = raw[:-cut]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(raw, mtime=0) if gz else raw)  # mtime=0: same array, same bytes
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tiny_dataset(folder: Path, n_train: int = 40, n_test: int = 20, seed: int = 0) -> dict[str, str]:
    """Write the four IDX files of a tiny 10-class dataset into ``folder``; return their SHA-256 by name."""
    rng = np.random.default_rng(seed)
    sums = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        y = (np.arange(n) % 10).astype(np.uint8)
        for kind, arr in (("images-idx3", x), ("labels-idx1", y)):
            name = f"{split}-{kind}-ubyte.gz"
            sums[name] = sha256(write_idx(folder / name, arr))
    return sums


def skip_here_fail_on_ci(why: str) -> None:
    """Skip a test whose tool is missing on this machine, but fail it on CI (``CI`` set), where it must run."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"CI is set, so this must work here: {why}")
    pytest.skip(why)
