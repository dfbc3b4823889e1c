"""Datasets of the course: MNIST, Fashion-MNIST and the scanned "dirty documents".

MNIST and Fashion-MNIST are read from their four official IDX files. A file is taken, in this order, from

1. the offline copy in ``$COURSE_DATA_DIR/mnist/`` or ``$COURSE_DATA_DIR/fashion-mnist/``,
2. the download cache (``data/`` of a checkout, else Keras's cache ``~/.keras/datasets/``),
3. a download through :func:`keras.utils.get_file` from the first mirror that answers.

Every file's SHA-256 is checked against the official value written below, whichever way it came; a file that
does not match is never used. In smoke mode (``COURSE_MODE=smoke``) the loaders return a deterministic,
class-stratified slice whose sizes are :data:`course_utils.config.SMOKE_SIZES`.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_utils import config

FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
MNIST_CLASSES: tuple[str, ...] = tuple(str(d) for d in range(10))

SPLITS = ("train", "test")

_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


@dataclass(frozen=True)
class IdxDataset:
    """Where an IDX dataset lives and what its files must hash to."""

    name: str
    folder: str
    sha256: dict[str, str]
    mirrors: tuple[str, ...]


DATASETS: dict[str, IdxDataset] = {
    "mnist": IdxDataset(
        name="MNIST",
        folder="mnist",
        sha256={
            "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
    ),
    "fashion-mnist": IdxDataset(
        name="Fashion-MNIST",
        folder="fashion-mnist",
        sha256={
            "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
        mirrors=(
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        ),
    ),
}

_IMAGE_MAGIC = 2051
_LABEL_MAGIC = 2049
_verified: dict[tuple[str, int, int], str] = {}


# --------------------------------------------------------------------------------------------------------------
# IDX files
# --------------------------------------------------------------------------------------------------------------
def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file of unsigned bytes (gzip-compressed or not) into a NumPy array.

    Parameters
    ----------
    path : str or path-like
        An ``*-idx3-ubyte`` (images, magic 2051) or ``*-idx1-ubyte`` (labels, magic 2049) file, optionally ``.gz``.

    Returns
    -------
    numpy.ndarray of uint8
        Shape ``(count, rows, cols)`` for images, ``(count,)`` for labels.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the magic number is not an IDX ubyte magic, or the file is shorter or longer than its header says.

    Examples
    --------
    .. code-block:: python

        x = read_idx("t10k-images-idx3-ubyte.gz")
        x.shape, x.dtype  # ((10000, 28, 28), dtype('uint8'))
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as err:  # gzip.BadGzipFile is an OSError; a cut-off gzip raises EOFError
        raise ValueError(f"{path.name} is not a readable (gzip) file ({err}); delete it and retry.") from err
    if len(raw) < 8:
        raise ValueError(f"{path.name} is truncated: {len(raw)} bytes, shorter than an IDX header.")
    magic, count = struct.unpack(">II", raw[:8])
    if magic == _IMAGE_MAGIC:
        if len(raw) < 16:
            raise ValueError(f"{path.name} is truncated: {len(raw)} bytes, shorter than an IDX image header.")
        rows, cols = struct.unpack(">II", raw[8:16])
        shape, offset = (count, rows, cols), 16
    elif magic == _LABEL_MAGIC:
        shape, offset = (count,), 8
    else:
        raise ValueError(
            f"{path.name} is not an IDX ubyte file: magic number {magic}, expected {_IMAGE_MAGIC} (images) "
            f"or {_LABEL_MAGIC} (labels)."
        )
    expected = int(np.prod(shape)) + offset
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "longer than its header says"
        raise ValueError(
            f"{path.name} is {what}: {len(raw)} bytes, its header announces {expected} for shape {shape}; "
            "delete it and retry."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape).copy()


def sha256sum(path: str | os.PathLike) -> str:
    """SHA-256 of a file as lowercase hex (memoized per path, size and modification time)."""
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _verified:
        _verified[key] = sha256_of(path)
    return _verified[key]


def sha256_of(path: str | os.PathLike) -> str:
    """SHA-256 of a file as lowercase hex, read anew every time (for files that may change under the same name,
    such as the trained-model cache's)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_dir() -> Path:
    """Where downloads are cached: ``data/`` of a checkout, else Keras's cache (``$KERAS_HOME`` or ``~/.keras``).

    In Keras's cache the files land in ``datasets/fashion-mnist/``, where Keras's own Fashion-MNIST loader keeps
    the very same files.
    """
    root = config.PROJECT_ROOT
    if root is not None and (root / "data").is_dir():
        return root / "data"
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser() / "datasets"


def _fetch(dataset: IdxDataset, fname: str) -> Path:
    """Return a verified local path for one file of ``dataset``: offline copy, then cache, then download."""
    expected = dataset.sha256[fname]
    cfg = config.get_config()
    offline_path = cfg.data_dir / dataset.folder / fname if cfg.data_dir is not None else None
    if offline_path is not None and offline_path.is_file():
        actual = sha256sum(offline_path)
        if actual != expected:
            raise ValueError(
                f"Checksum mismatch for {offline_path}: SHA-256 {actual}, expected {expected}. The offline copy "
                "is damaged or not the official file: delete it and copy it again (or unset COURSE_DATA_DIR "
                "to download it)."
            )
        return offline_path

    cached = cache_dir() / dataset.folder / fname
    if cached.is_file() and sha256sum(cached) == expected:
        return cached
    where = str(offline_path) if offline_path is not None else "$COURSE_DATA_DIR (not set)"
    if cfg.offline:
        raise FileNotFoundError(
            f"{dataset.name} file {fname!r} is not available offline (COURSE_OFFLINE=1): no copy at {where} and "
            f"none in the cache {cached.parent}. Put the official files {sorted(dataset.sha256)} in "
            f"'<dir>/{dataset.folder}/' and set COURSE_DATA_DIR=<dir>, or run `make data` once with internet."
        )

    import keras  # imported here so that `import course_utils` stays light

    errors = []
    for mirror in dataset.mirrors:
        try:
            path = Path(
                keras.utils.get_file(
                    fname,
                    origin=mirror + fname,
                    file_hash=expected,
                    hash_algorithm="sha256",
                    cache_dir=str(cached.parent.parent),
                    cache_subdir=dataset.folder,
                )
            )
        except ValueError as err:  # downloaded, but the hash does not match: never keep such a file
            cached.unlink(missing_ok=True)
            errors.append(f"{mirror}{fname}: checksum mismatch ({err})")
            continue
        except Exception as err:  # noqa: BLE001 - any network failure: try the next mirror
            errors.append(f"{mirror}{fname}: {err}")
            continue
        if sha256sum(path) != expected:  # belt and braces: never hand out an unverified file
            path.unlink(missing_ok=True)
            errors.append(f"{mirror}{fname}: checksum mismatch after download")
            continue
        return path

    if any("checksum mismatch" in e for e in errors):
        hint = f"A download did not match the official checksum and was deleted: delete {cached} if present and retry."
    else:
        hint = (
            f"To work offline, put the official files {sorted(dataset.sha256)} in a folder '<dir>/{dataset.folder}/' "
            "and set COURSE_DATA_DIR=<dir>."
        )
    raise FileNotFoundError(
        f"Could not get {dataset.name} file {fname!r}: no offline copy at {where}, none in the cache "
        f"{cached.parent}, and every download failed:\n  " + "\n  ".join(errors) + f"\n{hint}"
    )


def stratified_indices(labels: np.ndarray, n: int) -> np.ndarray:
    """Deterministic, class-stratified selection of ``n`` indices, in their original order.

    Each class gets ``n // k`` indices (the first of that class), the first ``n % k`` classes one more.

    Parameters
    ----------
    labels : numpy.ndarray of int, shape (N,)
    n : int
        How many indices, ``1 <= n <= N``.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)

    Examples
    --------
    >>> stratified_indices(np.array([0, 0, 1, 1, 2, 2]), 3)
    array([0, 2, 4])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}")
    if not 1 <= n <= len(labels):
        raise ValueError(f"n must be in [1, {len(labels)}], got {n}")
    classes = np.unique(labels)
    per_class = [n // len(classes) + (1 if i < n % len(classes) else 0) for i in range(len(classes))]
    chosen = []
    for c, k in zip(classes, per_class, strict=True):
        idx = np.flatnonzero(labels == c)
        if len(idx) < k:
            raise ValueError(f"class {c} has only {len(idx)} examples, {k} requested")
        chosen.append(idx[:k])
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def _load_idx_dataset(key: str, split: str | None, smoke: bool | None):
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} or None (both), got {split!r}")
    dataset = DATASETS[key]
    if smoke is None:
        smoke = config.get_config().smoke
    out = []
    for s in SPLITS if split is None else (split,):
        img_name, lbl_name = _FILES[s]
        x = read_idx(_fetch(dataset, img_name))
        y = read_idx(_fetch(dataset, lbl_name))
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(f"{dataset.name} {s}: images {x.shape} and labels {y.shape} do not pair up")
        if smoke:
            keep = stratified_indices(y, min(config.SMOKE_SIZES[s], len(y)))
            x, y = x[keep], y[keep]
        out.append((x, y))
    return out[0] if split is not None else tuple(out)


def load_mnist(split: str | None = None, *, smoke: bool | None = None):
    """Load MNIST as uint8 arrays shaped like :func:`keras.datasets.mnist.load_data`.

    Parameters
    ----------
    split : {"train", "test"} or None, default None
        One split as ``(x, y)``, or both as ``((x_train, y_train), (x_test, y_test))``.
    smoke : bool or None, default None
        Return the small class-stratified slice (:data:`course_utils.config.SMOKE_SIZES`); ``None`` follows
        ``COURSE_MODE``.

    Returns
    -------
    tuple
        ``x`` is uint8 of shape ``(N, 28, 28)`` in [0, 255]; ``y`` is uint8 of shape ``(N,)`` in 0..9.

    Raises
    ------
    ValueError
        Unknown split, a checksum mismatch, or a damaged IDX file.
    FileNotFoundError
        No offline copy, no cached copy, and no download possible.

    Examples
    --------
    .. code-block:: python

        (x_train, y_train), (x_test, y_test) = load_mnist()
    """
    return _load_idx_dataset("mnist", split, smoke)


def load_fashion_mnist(split: str | None = None, *, smoke: bool | None = None):
    """Load Fashion-MNIST as uint8 arrays shaped like :func:`keras.datasets.fashion_mnist.load_data`.

    Class names are in :data:`FASHION_MNIST_CLASSES`. Parameters, returns and errors as :func:`load_mnist`.

    Examples
    --------
    .. code-block:: python

        (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
        FASHION_MNIST_CLASSES[y_train[0]]  # 'Ankle boot'
    """
    return _load_idx_dataset("fashion-mnist", split, smoke)


def to_float(x: np.ndarray, *, channel: bool = True) -> np.ndarray:
    """Scale uint8 images to float32 in [0, 1], optionally adding a trailing channel axis.

    Parameters
    ----------
    x : numpy.ndarray of uint8, shape (N, H, W)
    channel : bool, default True
        Return ``(N, H, W, 1)`` (for convolutional models) instead of ``(N, H, W)``.

    Examples
    --------
    >>> to_float(np.array([[[0, 255]]], dtype=np.uint8)).shape
    (1, 1, 2, 1)
    """
    x = np.asarray(x)
    if x.dtype != np.uint8:
        raise ValueError(f"x must be uint8 images in [0, 255], got dtype {x.dtype}")
    if x.ndim != 3:
        raise ValueError(f"x must have shape (N, H, W), got {x.shape}")
    out = x.astype(np.float32) / 255.0
    return out[..., None] if channel else out


# --------------------------------------------------------------------------------------------------------------
# Dirty documents
# --------------------------------------------------------------------------------------------------------------
_DOCS_HELP = (
    "The scanned 'dirty documents' cannot be downloaded automatically (they need a Kaggle login). Get them from "
    "https://www.kaggle.com/c/denoising-dirty-documents/data (e.g. `kaggle competitions download -c "
    "denoising-dirty-documents`), unzip train.zip, train_cleaned.zip and test.zip into one folder "
    "<dir>/dirty-documents/ (giving train/, train_cleaned/, test/), then set COURSE_DATA_DIR=<dir> or pass "
    "path='<dir>/dirty-documents'. Without them, notebook 04 uses synthetic pages."
)


def dirty_documents_dir(path: str | os.PathLike | None = None) -> Path:
    """Find the dirty-documents folder (Kaggle layout) from ``path`` or ``$COURSE_DATA_DIR/dirty-documents``.

    Raises
    ------
    FileNotFoundError
        If neither exists; the message says how to get the data.
    """
    if path is None:
        data_dir = config.get_config().data_dir
        if data_dir is None:
            raise FileNotFoundError(f"No path given and COURSE_DATA_DIR is not set. {_DOCS_HELP}")
        path = data_dir / "dirty-documents"
    path = Path(path).expanduser()
    if not (path / "train").is_dir():
        raise FileNotFoundError(
            f"No dirty-documents data at {path} (expected {path / 'train'}/). {_DOCS_HELP}"
        )
    return path


def _read_grey(path: Path) -> np.ndarray:
    from skimage import io

    img = io.imread(path)
    if img.ndim == 3:  # some copies are stored as RGB(A)
        from skimage.color import rgb2gray

        img = rgb2gray(img[..., :3])
        return img.astype(np.float32)
    if img.dtype != np.uint8:
        raise ValueError(f"{path} has dtype {img.dtype}; expected 8-bit greyscale PNG")
    return img.astype(np.float32) / 255.0


def load_dirty_documents(split: str = "train", path: str | os.PathLike | None = None):
    """Load the real scanned pages of the "Denoising Dirty Documents" data.

    Parameters
    ----------
    split : {"train", "test"}, default "train"
        ``train``: the 144 pages that have a clean target; ``test``: the 72 unpaired noisy pages.
    path : str or path-like, optional
        The folder holding ``train/``, ``train_cleaned/`` and ``test/``; default ``$COURSE_DATA_DIR/dirty-documents``.

    Returns
    -------
    noisy : list of numpy.ndarray
        float32 pages in [0, 1], shape ``(H, W)`` with ``W = 540`` and ``H`` 258 or 420.
    clean : list of numpy.ndarray or None
        The clean targets, same shapes (``None`` for ``test``).
    ids : list of int
        Page numbers (file names), in increasing order.

    Raises
    ------
    FileNotFoundError
        If the data is missing (the message says how to get it) or a page has no clean target.
    ValueError
        For an unknown split, or a noisy/clean pair of different shapes.

    Examples
    --------
    .. code-block:: python

        noisy, clean, ids = load_dirty_documents()
        len(noisy), noisy[0].shape  # (144, (258, 540))
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    root = dirty_documents_dir(path)
    folder = root / split
    if not folder.is_dir():
        raise FileNotFoundError(f"No folder {folder}. {_DOCS_HELP}")
    files = sorted(folder.glob("*.png"), key=lambda p: int(p.stem) if p.stem.isdigit() else p.stem)
    if not files:
        raise FileNotFoundError(f"No PNG pages in {folder}. {_DOCS_HELP}")
    noisy = [_read_grey(f) for f in files]
    ids = [int(f.stem) for f in files]
    if split == "test":
        return noisy, None, ids
    clean = []
    for f, x in zip(files, noisy, strict=True):
        target = root / "train_cleaned" / f.name
        if not target.is_file():
            raise FileNotFoundError(f"Page {f.name} has no clean target at {target}. {_DOCS_HELP}")
        y = _read_grey(target)
        if y.shape != x.shape:
            raise ValueError(f"Page {f.name}: noisy shape {x.shape} but clean shape {y.shape}")
        clean.append(y)
    return noisy, clean, ids
