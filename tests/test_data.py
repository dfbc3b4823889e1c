"""course_utils.data: IDX parsing, checksums, offline copies, downloads, smoke slices, dirty documents."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import config, data
from tests.helpers import sha256, tiny_dataset, write_idx

REAL_DATA = os.environ.get("COURSE_DATA_DIR")


# ---------------------------------------------------------------------------------------------------- IDX parser
def test_read_idx_round_trips_images_and_labels(tmp_path):
    x = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    y = np.array([3, 7], dtype=np.uint8)
    np.testing.assert_array_equal(data.read_idx(write_idx(tmp_path / "x.gz", x)), x)
    np.testing.assert_array_equal(data.read_idx(write_idx(tmp_path / "y", y, gz=False)), y)


def test_read_idx_rejects_wrong_magic(tmp_path):
    path = write_idx(tmp_path / "bad.gz", np.zeros((2, 2, 2)), magic=1234)
    with pytest.raises(ValueError, match="magic number 1234"):
        data.read_idx(path)


def test_read_idx_rejects_truncated_file_and_says_delete(tmp_path):
    path = write_idx(tmp_path / "cut.gz", np.zeros((5, 4, 4)), cut=3)
    with pytest.raises(ValueError, match="truncated.*delete it"):
        data.read_idx(path)


def test_read_idx_rejects_cut_off_gzip(tmp_path):
    path = write_idx(tmp_path / "x.gz", np.zeros((50, 28, 28)))
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ValueError, match="x.gz"):
        data.read_idx(path)


def test_read_idx_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.gz"):
        data.read_idx(tmp_path / "nope.gz")


# ------------------------------------------------------------------------------------------- stratified slices
@settings(max_examples=50, deadline=None)
@given(st.integers(2, 10), st.integers(5, 40), st.data())
def test_stratified_indices_balance_classes_in_order(k, per, draw):
    labels = np.random.default_rng(0).permutation(np.repeat(np.arange(k), per))
    n = draw.draw(st.integers(1, k * per))
    idx = data.stratified_indices(labels, n)
    counts = np.bincount(labels[idx], minlength=k)
    assert len(idx) == n and len(set(idx.tolist())) == n
    assert counts.max() - counts.min() <= 1
    assert np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(idx, data.stratified_indices(labels, n))


def test_stratified_indices_rejects_bad_n():
    with pytest.raises(ValueError, match=r"n must be in \[1, 4\]"):
        data.stratified_indices(np.array([0, 1, 0, 1]), 5)


# --------------------------------------------------------------------------- loaders on a tiny fake dataset
@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A tiny dataset registered as 'mnist', with a 'mirror' folder served through file:// URLs."""
    mirror = tmp_path / "mirror"
    sums = tiny_dataset(mirror)
    monkeypatch.setitem(
        data.DATASETS,
        "mnist",
        data.IdxDataset(name="MNIST", folder="mnist", sha256=sums, mirrors=(mirror.as_uri() + "/",)),
    )
    checkout = tmp_path / "checkout"
    (checkout / "data").mkdir(parents=True)
    monkeypatch.setattr(config, "PROJECT_ROOT", checkout)
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    return {"mirror": mirror, "sums": sums, "cache": checkout / "data" / "mnist"}


def test_loader_returns_keras_shapes_and_dtypes(tiny):
    (x_train, y_train), (x_test, y_test) = data.load_mnist(smoke=False)
    assert x_train.shape == (40, 28, 28) and y_train.shape == (40,)
    assert x_test.shape == (20, 28, 28) and y_test.shape == (20,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8


def test_download_goes_through_the_mirror_into_the_checkout_cache(tiny):
    data.load_mnist("train", smoke=False)
    cached = tiny["cache"] / "train-images-idx3-ubyte.gz"
    assert cached.is_file() and sha256(cached) == tiny["sums"][cached.name]


def test_a_corrupt_file_in_the_cache_is_replaced_not_used(tiny):
    data.load_mnist("train", smoke=False)
    cached = tiny["cache"] / "train-images-idx3-ubyte.gz"
    cached.write_bytes(cached.read_bytes()[:30])  # a partial download
    x, _ = data.load_mnist("train", smoke=False)
    assert x.shape == (40, 28, 28) and sha256(cached) == tiny["sums"][cached.name]


def test_download_with_wrong_checksum_is_deleted_and_reported(tiny, monkeypatch):
    sums = dict(tiny["sums"], **{"train-images-idx3-ubyte.gz": "0" * 64})
    monkeypatch.setitem(
        data.DATASETS,
        "mnist",
        data.DATASETS["mnist"].__class__(
            name="MNIST", folder="mnist", sha256=sums, mirrors=data.DATASETS["mnist"].mirrors
        ),
    )
    with pytest.raises(FileNotFoundError, match="checksum"):
        data.load_mnist("train", smoke=False)
    assert not (tiny["cache"] / "train-images-idx3-ubyte.gz").exists()


def test_offline_without_a_copy_names_the_files_and_the_variable(tiny, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    with pytest.raises(FileNotFoundError) as err:
        data.load_mnist(smoke=False)
    assert "train-images-idx3-ubyte.gz" in str(err.value) and "COURSE_DATA_DIR" in str(err.value)


def test_unreachable_mirrors_give_an_error_naming_course_data_dir(tiny, monkeypatch, tmp_path):
    monkeypatch.setitem(
        data.DATASETS,
        "mnist",
        data.IdxDataset(
            name="MNIST", folder="mnist", sha256=tiny["sums"], mirrors=((tmp_path / "gone").as_uri() + "/",)
        ),
    )
    with pytest.raises(FileNotFoundError, match="COURSE_DATA_DIR"):
        data.load_mnist(smoke=False)


def test_offline_copy_is_used_first(tiny, monkeypatch, tmp_path):
    copy = tmp_path / "copy"
    tiny_dataset(copy / "mnist")  # same seed, same bytes
    monkeypatch.setenv("COURSE_DATA_DIR", str(copy))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    x, y = data.load_mnist("test", smoke=False)
    assert x.shape == (20, 28, 28)
    assert not tiny["cache"].exists()  # nothing downloaded


def test_checksum_mismatch_of_offline_copy_names_the_file(tiny, monkeypatch, tmp_path):
    copy = tmp_path / "copy"
    tiny_dataset(copy / "mnist", seed=1)  # other bytes than the registered checksums
    monkeypatch.setenv("COURSE_DATA_DIR", str(copy))
    with pytest.raises(ValueError, match=r"Checksum mismatch for .*train-images-idx3-ubyte.gz.*delete it"):
        data.load_mnist("train", smoke=False)


def test_unknown_split_is_rejected(tiny):
    with pytest.raises(ValueError, match="split must be one of"):
        data.load_mnist("validation")


def test_smoke_mode_returns_a_stratified_deterministic_slice(tiny, monkeypatch):
    monkeypatch.setitem(config.SMOKE_SIZES, "train", 20)
    monkeypatch.setenv("COURSE_MODE", "smoke")
    x, y = data.load_mnist("train")
    assert x.shape == (20, 28, 28) and np.bincount(y, minlength=10).tolist() == [2] * 10
    x2, _ = data.load_mnist("train")
    np.testing.assert_array_equal(x, x2)


def test_to_float_scales_and_adds_channel():
    out = data.to_float(np.array([[[0, 255]]], dtype=np.uint8))
    assert out.dtype == np.float32 and out.shape == (1, 1, 2, 1) and out.max() == 1.0
    with pytest.raises(ValueError, match="uint8"):
        data.to_float(np.zeros((1, 2, 2)))


# ----------------------------------------------------------------------------------------- the real datasets
@pytest.fixture(scope="module")
def keras_peer(tmp_path_factory) -> Path:
    """Both datasets as keras.datasets reads them from its own offline cache, in one fresh process (Keras reads
    KERAS_HOME once, at import); returns the folder of ``mnist.npz`` and ``fashion_mnist.npz``."""
    import subprocess
    import sys

    keras_cache = Path(REAL_DATA) / "keras-cache"
    assert keras_cache.is_dir(), f"the offline copy has no keras-cache/ at {keras_cache}"
    out = tmp_path_factory.mktemp("keras-peer")
    code = (
        "import sys, numpy as np, keras\n"
        "for name in ('mnist', 'fashion_mnist'):\n"
        "    (a, b), (c, d) = getattr(keras.datasets, name).load_data()\n"
        "    np.savez(f'{sys.argv[1]}/{name}.npz', a=a, b=b, c=c, d=d)\n"
    )
    env = dict(os.environ, KERAS_HOME=str(keras_cache), TF_CPP_MIN_LOG_LEVEL="3")
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env, capture_output=True)
    return out


@pytest.mark.skipif(not REAL_DATA, reason="needs COURSE_DATA_DIR (the offline copy)")
@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_real_data_matches_keras_datasets(name, keras_peer):
    """Our IDX loader against a real peer: keras.datasets, reading its own offline cache."""
    peer = np.load(keras_peer / f"{name}.npz")
    (a, b), (c, d) = getattr(data, f"load_{name}")(smoke=False)
    for ours, key in ((a, "a"), (b, "b"), (c, "c"), (d, "d")):
        np.testing.assert_array_equal(ours, peer[key])


@pytest.mark.skipif(not REAL_DATA, reason="needs COURSE_DATA_DIR (the offline copy)")
def test_real_fashion_mnist_smoke_slice_sizes():
    (x, y), (xt, yt) = data.load_fashion_mnist(smoke=True)
    assert len(x) == config.SMOKE_SIZES["train"] and len(xt) == config.SMOKE_SIZES["test"]
    assert np.bincount(y).min() == config.SMOKE_SIZES["train"] // 10


# ----------------------------------------------------------------------------------------- dirty documents
def _page(path: Path, shape=(6, 9), value=128):
    from skimage import io

    path.parent.mkdir(parents=True, exist_ok=True)
    io.imsave(path, np.full(shape, value, dtype=np.uint8), check_contrast=False)


def test_dirty_documents_missing_says_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match="kaggle"):
        data.load_dirty_documents()
    with pytest.raises(FileNotFoundError, match="COURSE_DATA_DIR"):
        data.load_dirty_documents(path=tmp_path)


def test_dirty_documents_pairs_are_float_in_unit_range_sorted_by_number(tmp_path):
    for i in (10, 2):
        _page(tmp_path / "train" / f"{i}.png", value=51)
        _page(tmp_path / "train_cleaned" / f"{i}.png", value=255)
    noisy, clean, ids = data.load_dirty_documents(path=tmp_path)
    assert ids == [2, 10]
    assert noisy[0].dtype == np.float32 and abs(noisy[0].max() - 0.2) < 1e-6 and clean[0].max() == 1.0


def test_dirty_documents_shape_mismatch_is_an_error(tmp_path):
    _page(tmp_path / "train" / "1.png", shape=(6, 9))
    _page(tmp_path / "train_cleaned" / "1.png", shape=(6, 8))
    with pytest.raises(ValueError, match="clean shape"):
        data.load_dirty_documents(path=tmp_path)


def test_dirty_documents_missing_target_is_an_error(tmp_path):
    _page(tmp_path / "train" / "1.png")
    (tmp_path / "train_cleaned").mkdir()
    with pytest.raises(FileNotFoundError, match="no clean target"):
        data.load_dirty_documents(path=tmp_path)


def test_dirty_documents_unknown_split(tmp_path):
    with pytest.raises(ValueError, match="split"):
        data.load_dirty_documents("val", path=tmp_path)


@pytest.mark.skipif(not REAL_DATA, reason="needs COURSE_DATA_DIR (the offline copy)")
def test_real_dirty_documents():
    noisy, clean, ids = data.load_dirty_documents()
    assert len(noisy) == len(clean) == 144
    assert {x.shape for x in noisy} == {(258, 540), (420, 540)}
    rmse = np.mean([np.sqrt(np.mean((a - b) ** 2)) for a, b in zip(noisy, clean, strict=True)])
    assert abs(rmse - 0.155) < 0.005  # the figure quoted in the course
    test_pages, none, _ = data.load_dirty_documents("test")
    assert len(test_pages) == 72 and none is None
