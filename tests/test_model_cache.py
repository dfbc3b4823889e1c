"""The trained-model cache: train once, load after; keys that change with what changes the result; damaged,
partial and tampered files never used; pretrained archives from a data folder or a (local) web server."""

from __future__ import annotations

import functools
import http.server
import json
import tarfile
import threading
import types

import keras
import numpy as np
import pytest

from course_utils import model_cache, training
from course_utils.training import TrainingLog, fit_or_load

X = np.random.default_rng(0).random((256, 12)).astype("float32")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh, empty cache; no retraining forced; an empty data folder; offline."""
    monkeypatch.setenv("COURSE_MODEL_CACHE", str(tmp_path / "models"))
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.delenv("COURSE_RETRAIN", raising=False)
    monkeypatch.delenv("COURSE_PRETRAINED_URL", raising=False)
    model_cache._DOWNLOAD_TRIED.clear()
    return tmp_path / "models"


def build(seed=0, width=6, lr=1e-2, dropout=0.1):
    keras.utils.set_random_seed(seed)
    x_in = keras.Input((12,))
    h = keras.layers.Dropout(dropout)(keras.layers.Dense(width, activation="relu")(x_in))
    model = keras.Model(x_in, keras.layers.Dense(12)(h))
    model.compile(keras.optimizers.Adam(lr), "mse")
    return model


def run(model, x=X, epochs=3, log=None, **kwargs):
    callbacks = [log] if log is not None else []
    return fit_or_load(
        model, x, x, epochs=epochs, batch_size=32, verbose=0, callbacks=callbacks, name="t", **kwargs
    )


def weights(model):
    return [np.asarray(v) for v in model.variables]


def entries(folder):
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []


def test_second_run_loads_everything_the_first_one_left(cache, capsys):
    log = TrainingLog(lambda m: float(m.evaluate(X, X, verbose=0)), at=training.log_steps(24, n=4))
    first = run(model := build(), log=log)
    after_first = (weights(model), np.random.random(), float(keras.random.uniform(())))  # noqa: NPY002
    assert not first.loaded and first.steps == 24 and "cache: trained t (24 steps" in capsys.readouterr().out

    log2 = TrainingLog(lambda m: float(m.evaluate(X, X, verbose=0)), at=training.log_steps(24, n=4))
    second = run(model2 := build(), log=log2)
    assert second.loaded and "cache: loaded t (24 steps" in capsys.readouterr().out
    for a, b in zip(weights(model2), after_first[0], strict=True):
        np.testing.assert_array_equal(a, b)
    assert second.history == first.history and second.epoch == first.epoch
    assert (log2.steps, log2.values, log2.seconds) == (log.steps, log.values, log.seconds)
    assert log2.seconds_per_step() == log.seconds_per_step()
    assert second.seconds == pytest.approx(first.seconds)
    # what is drawn after a loaded run is what was drawn after the real one
    assert (np.random.random(), float(keras.random.uniform(()))) == after_first[1:]  # noqa: NPY002
    # the optimizer's state came back too: one more step from either gives the same weights
    model.fit(X[:32], X[:32], epochs=1, batch_size=32, verbose=0, shuffle=False)
    model2.fit(X[:32], X[:32], epochs=1, batch_size=32, verbose=0, shuffle=False)
    for a, b in zip(weights(model2), weights(model), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert entries(cache) == [first.where.rsplit("/", 1)[-1]]


def test_any_change_that_changes_the_result_trains_anew(cache):
    run(build())
    changes = {
        "epochs": ({}, {"epochs": 4}),
        "data": ({}, {"x": X * 0.5}),
        "learning rate": ({"lr": 2e-2}, {}),
        "architecture": ({"width": 7}, {}),
        "seed": ({"seed": 1}, {}),
        "dropout rate": ({"dropout": 0.2}, {}),
        "shuffling": ({}, {"shuffle": False}),
    }
    loaded = [
        what
        for what, (model_args, fit_args) in changes.items()
        if run(build(**model_args), **fit_args).loaded
    ]
    assert loaded == [] and len(entries(cache)) == 1 + len(changes)


def test_the_smoke_and_full_modes_never_share_a_run(cache, monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "full")
    run(build())
    monkeypatch.setenv("COURSE_MODE", "smoke")
    assert not run(build()).loaded


def test_course_retrain_trains_even_with_a_cached_run(cache, monkeypatch):
    run(build())
    monkeypatch.setenv("COURSE_RETRAIN", "1")
    assert not run(build()).loaded and len(entries(cache)) == 1  # replaced, not duplicated


def test_a_damaged_state_file_is_reported_and_retrained(cache, capsys):
    first = run(build())
    state = cache / entries(cache)[0] / model_cache.STATE_NAME
    state.write_bytes(state.read_bytes()[:-50] + b"x" * 50)
    capsys.readouterr()
    with pytest.warns(model_cache.CacheWarning, match="damaged cache entry"):
        again = run(build())
    assert not again.loaded and "training instead" in capsys.readouterr().out
    assert again.history == first.history  # the same run, retrained, and the entry is whole again
    assert run(build()).loaded


def test_unreadable_meta_is_reported_and_retrained(cache):
    run(build())
    (cache / entries(cache)[0] / model_cache.META_NAME).write_text("{not json")
    with pytest.warns(model_cache.CacheWarning):
        assert not run(build()).loaded


def test_a_kernel_killed_while_writing_leaves_no_entry_that_looks_valid(cache, monkeypatch):
    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # what a kernel interrupt mid-write looks like

    monkeypatch.setattr(np, "savez", killed)
    with pytest.raises(KeyboardInterrupt):
        run(build())
    assert entries(cache) == [] and not any(cache.iterdir())  # the temporary folder is gone too
    monkeypatch.undo()


def test_what_cannot_be_cached_is_refused_clearly(cache):
    model = build()
    with pytest.raises(ValueError, match="key_data"):
        fit_or_load(model, (b for b in [X]), epochs=1, name="g")
    with pytest.raises(ValueError, match="name"):
        fit_or_load(model, X, X, epochs=1, name="")
    with pytest.raises(ValueError, match="cannot be cached"):
        fit_or_load(model, X, X, epochs=1, name="c", callbacks=[keras.callbacks.History()])
    with pytest.raises(ValueError, match="compile"):
        fit_or_load(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]), X, X, name="u")
    with pytest.raises(ValueError, match="keras.Model"):
        fit_or_load("model", X, X, name="m")


def test_a_dataset_is_keyed_by_what_it_is_made_of(cache):
    import tensorflow as tf

    def batches(x, scale):
        return tf.data.Dataset.from_tensor_slices((x * scale, x)).batch(32)

    assert not fit_or_load(
        build(), batches(X, 1.0), epochs=2, verbose=0, name="d", key_data=(X, 1.0, batches)
    ).loaded
    assert fit_or_load(
        build(), batches(X, 1.0), epochs=2, verbose=0, name="d", key_data=(X, 1.0, batches)
    ).loaded
    assert not fit_or_load(
        build(), batches(X, 0.5), epochs=2, verbose=0, name="d", key_data=(X, 0.5, batches)
    ).loaded


def test_fingerprints_see_code_and_contents_not_names():
    def f(x):
        return x + 1

    def g(x):
        return x + 2

    assert model_cache.fingerprint(f) != model_cache.fingerprint(g)
    assert model_cache.fingerprint(np.arange(3)) != model_cache.fingerprint(np.arange(3.0))
    assert model_cache.fingerprint(build()) == model_cache.fingerprint(
        build()
    )  # layer names differ: dense_1 ...
    with pytest.raises(TypeError, match="key_data"):
        model_cache.fingerprint(object())


# ------------------------------------------------------------------------------------------ archives
def make_archive(cache, out):
    run(build())
    return model_cache.pack(model_cache.used_since(0, cache), out)


def test_a_fresh_cache_loads_from_the_archive_in_the_data_folder(cache, tmp_path, capsys):
    digest = make_archive(cache, tmp_path / "data" / "models" / model_cache.ARCHIVE_NAME)
    assert len(digest) == 64 and (
        tmp_path / "data" / "models" / "course-models.tar.sha256"
    ).read_text().startswith(digest)
    for e in cache.iterdir():  # a fresh clone: only the archive
        import shutil

        shutil.rmtree(e)
    capsys.readouterr()
    assert run(build()).loaded and "from " in capsys.readouterr().out
    assert len(entries(cache)) == 1  # copied into the cache: the next run does not open the archive


def tamper(archive, member_suffix):
    """Rewrite one member of the archive (same size, other bytes), keeping the manifest as it was."""
    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]
    with tarfile.open(archive, "w") as tar:
        for m, blob in members:
            if m.name.endswith(member_suffix):
                blob = blob[:-8] + bytes(8 - i for i in range(8))
            import io

            tar.addfile(m, io.BytesIO(blob) if blob is not None else None)
    return next(m.name for m, _ in members if m.name.endswith(member_suffix))


@pytest.mark.parametrize("member", [model_cache.STATE_NAME, model_cache.META_NAME])
def test_a_tampered_archive_file_is_rejected_with_its_name(cache, tmp_path, capsys, member):
    archive = tmp_path / "data" / "models" / model_cache.ARCHIVE_NAME
    make_archive(cache, archive)
    name = tamper(archive, member)
    import shutil

    shutil.rmtree(cache)
    capsys.readouterr()
    with pytest.warns(model_cache.CacheWarning, match="rejected"):
        again = run(build())
    out = capsys.readouterr().out
    assert not again.loaded and f"rejected course-models.tar:{name}" in out and "training instead" in out


@pytest.fixture
def web(tmp_path):
    """A web server on 127.0.0.1 serving tmp_path/www."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_published_archive_is_downloaded_checked_and_used(cache, web, monkeypatch, capsys):
    root, base = web
    digest = make_archive(cache, root / model_cache.ARCHIVE_NAME)
    import shutil

    shutil.rmtree(cache)
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    monkeypatch.setenv("COURSE_PRETRAINED_URL", f"{base}/{model_cache.ARCHIVE_NAME}#sha256={digest}")
    assert run(build()).loaded
    assert (cache / "downloads" / f"course-models-{digest[:12]}.tar").is_file()


def test_a_download_with_the_wrong_hash_is_deleted_and_training_goes_on(cache, web, monkeypatch, capsys):
    root, base = web
    make_archive(cache, root / model_cache.ARCHIVE_NAME)
    import shutil

    shutil.rmtree(cache)
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    monkeypatch.setenv("COURSE_PRETRAINED_URL", f"{base}/{model_cache.ARCHIVE_NAME}#sha256={'0' * 64}")
    with pytest.warns(model_cache.CacheWarning, match="could not download"):
        assert not run(build()).loaded
    assert not list((cache / "downloads").glob("*.tar"))


def test_offline_nothing_is_downloaded(cache, web, monkeypatch):
    root, base = web
    monkeypatch.setenv("COURSE_PRETRAINED_URL", f"{base}/{model_cache.ARCHIVE_NAME}#sha256={'0' * 64}")
    assert model_cache.archives() == []  # COURSE_OFFLINE=1 (the fixture)


def test_a_url_without_its_hash_is_refused(cache, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    monkeypatch.setenv("COURSE_PRETRAINED_URL", "http://127.0.0.1:9/course-models.tar")
    with pytest.warns(model_cache.CacheWarning, match="sha256"):
        assert model_cache.archives() == []


def test_pack_refuses_what_is_not_an_entry(tmp_path):
    with pytest.raises(ValueError, match="no cache entries"):
        model_cache.pack([], tmp_path / "a.tar")
    (tmp_path / "junk").mkdir()
    with pytest.raises(ValueError, match="not a cache entry"):
        model_cache.pack([tmp_path / "junk"], tmp_path / "a.tar")


def test_an_entry_records_what_a_reader_needs(cache):
    first = run(build())
    meta = json.loads((cache / entries(cache)[0] / model_cache.META_NAME).read_text())
    assert {
        "key",
        "name",
        "mode",
        "versions",
        "history",
        "seconds",
        "cpu_seconds",
        "steps",
        "created",
    } <= set(meta)
    assert meta["steps"] == first.steps == 24 and meta["versions"]["keras"] == ".".join(
        keras.__version__.split(".")[:2]
    )


# ------------------------------------------------------------------------------------------ the clock
def test_on_a_gpu_the_cost_is_wall_time_with_the_device_synchronised(cache, monkeypatch):
    import tensorflow as tf

    monkeypatch.setattr(
        tf.config, "list_physical_devices", lambda kind=None: ["GPU:0"] if kind == "GPU" else []
    )
    reads = []
    real = keras.ops.convert_to_numpy
    monkeypatch.setattr(keras.ops, "convert_to_numpy", lambda v: reads.append(1) or real(v))
    log = TrainingLog(at=[4, 8])
    assert log.clock == "wall"
    result = run(build(), log=log)
    assert result.history and len(reads) >= len(log.steps)  # a weight was read back before each reading
    np.testing.assert_allclose(
        log.seconds, log.wall, atol=5e-3
    )  # on the wall clock, the logged cost is wall time


def test_data_made_by_a_function_is_made_only_when_training(cache):
    made = types.SimpleNamespace(n=0)

    def noisy():
        made.n += 1
        return X + 0.1

    for _ in range(2):
        result = fit_or_load(
            build(), noisy, X, epochs=1, batch_size=32, verbose=0, name="lazy", key_data=(X, 0.1, noisy)
        )
    assert result.loaded and made.n == 1
    with pytest.raises(ValueError, match="key_data"):
        fit_or_load(build(), noisy, X, epochs=1, name="lazy")


def test_a_loaded_log_is_attached_to_its_model(cache):
    run(build(), log=TrainingLog())
    log = TrainingLog()
    run(model := build(), log=log)
    assert log.model is model


def test_a_computed_result_is_loaded_with_its_arrays_and_the_rng_it_left(cache, capsys):
    calls = types.SimpleNamespace(n=0)  # not a list: a function's closure is part of its key

    def probe():
        calls.n += 1
        return {"accuracy": np.float64(0.75), "curve": np.arange(3.0), "label": "raw", "sizes": [1, 2]}

    keras.utils.set_random_seed(0)  # a fresh kernel
    first = training.compute_or_load("p", probe, key_data=(X,))
    draw = np.random.random()  # noqa: NPY002
    keras.utils.set_random_seed(0)  # the same notebook again
    second = training.compute_or_load("p", probe, key_data=(X,))
    assert calls.n == 1 and "cache: loaded p" in capsys.readouterr().out
    assert second["accuracy"] == 0.75 and second["label"] == "raw" and second["sizes"] == [1, 2]
    np.testing.assert_array_equal(second["curve"], first["curve"])
    assert np.random.random() == draw  # noqa: NPY002 - the state after a load is the state after the compute
    training.compute_or_load("p", probe, key_data=(X * 2,))
    assert calls.n == 2  # other data: computed anew
    with pytest.raises(ValueError, match="dict"):
        training.compute_or_load("q", lambda: 3, key_data=())


class GridLog(TrainingLog):
    """A log that also keeps an array per moment (as 09's CVAE progress log does)."""

    def _log(self):
        super()._log()
        self.grids = [*getattr(self, "grids", []), np.full((2, 2), len(self.steps), dtype=np.float32)]

    def cache_state(self):
        return {**super().cache_state(), "grids": self.grids}

    def restore_cache_state(self, state):
        super().restore_cache_state(state)
        self.grids = list(state["grids"])


def test_a_callbacks_arrays_go_to_the_state_file_and_come_back(cache):
    log = GridLog(at=[4])
    first = run(build(), log=log)
    meta = json.loads((cache / entries(cache)[0] / model_cache.META_NAME).read_text())
    assert meta["callbacks"][0]["grids"][0] == {"__array__": "callback/0/grids/0"}
    again = GridLog(at=[4])
    assert run(build(), log=again).loaded and first.steps
    assert len(again.grids) == len(log.grids) and all(
        np.array_equal(a, b) for a, b in zip(again.grids, log.grids, strict=True)
    )


def test_a_log_on_another_clock_is_another_run(cache):
    run(build(), log=TrainingLog(clock="cpu"))
    assert not run(build(), log=TrainingLog(clock="wall")).loaded
    with pytest.raises(ValueError, match="clock"):  # and a log never takes a state kept on another clock
        TrainingLog(clock="wall").restore_cache_state(TrainingLog(clock="cpu").cache_state())
