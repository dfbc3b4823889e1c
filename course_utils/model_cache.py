"""The trained-model cache behind :func:`course_utils.training.fit_or_load`: keys, entries, archives.

A cache **entry** is one finished training run: a folder ``<name>-<key16>/`` holding ``state.npz`` (the
model's variables, the optimizer's, the metric trackers', and the random-number states training left behind)
and ``meta.json`` (the key, the training history, the logs of the callbacks, what the run cost, and the
SHA-256 of ``state.npz``). An entry is written into a temporary folder and renamed into place, so a kernel
killed mid-write leaves no folder under an entry's name; an entry whose ``state.npz`` does not match the
checksum in its ``meta.json`` is never used.

The **key** is a SHA-256 over everything that changes what training produces (:func:`fingerprint` turns each
into bytes): the model (layer classes and configurations, trainable flags, variable shapes and *initial
values*, the code of every class the notebook defined), how it was compiled (loss, optimizer and its state),
the arguments of ``fit`` and the data (array contents), the callbacks that log during training, the course
mode, the Keras and TensorFlow versions (major.minor), the device kind, and the states of the random-number
generators when training starts (the seed's effect).

An **archive** (``course-models.tar``) packs entries with a manifest of SHA-256 sums (``MANIFEST.sha256``),
for a lab: ``make pretrained`` writes it; put it in ``$COURSE_DATA_DIR/models/`` or publish it at a URL
(``COURSE_PRETRAINED_URL`` or the ``Pretrained models`` project URL, ending in ``#sha256=<hex>``). An entry
taken from an archive is checked against the manifest, file by file, before it is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import io
import json
import os
import random
import re
import shutil
import tarfile
import time
import types
import uuid
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from course_utils import config
from course_utils.data import sha256_of

FORMAT = 1  #: bump when the layout of an entry changes: older entries are then simply not found
ARCHIVE_NAME = "course-models.tar"
MANIFEST_NAME = "MANIFEST.sha256"
STATE_NAME = "state.npz"
META_NAME = "meta.json"

_ENTRY = re.compile(r"^[a-z0-9][a-z0-9._-]*-[0-9a-f]{16}$")


class CacheWarning(UserWarning):
    """A cached or archived model was found but not used (damaged, tampered with, unreadable)."""


def _warn(message: str) -> None:
    """One line, visible in a notebook, never an exception: the caller trains instead."""
    print(f"cache: {message}")
    warnings.warn(message, CacheWarning, stacklevel=3)


# --------------------------------------------------------------------------------------------------- keys
def _code(code: types.CodeType) -> str:
    consts = [_code(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts]
    return repr((code.co_code, consts, code.co_names, code.co_varnames))


def _source(fn) -> str:
    """The source of a function or class, or its compiled code for a lambda (whose source line holds whatever
    surrounds it) and wherever Python cannot find the source."""
    if getattr(fn, "__name__", "") == "<lambda>":
        return _code(fn.__code__)
    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        code = getattr(fn, "__code__", None)
        if code is None:
            methods = sorted(
                (k, v)
                for k, v in vars(fn).items()
                if isinstance(v, (types.FunctionType, classmethod, staticmethod))
            )
            return repr([(k, _source(getattr(v, "__func__", v))) for k, v in methods])
        return _code(code)


def _user_code(obj) -> bool:
    """Defined by the notebook or the course (not by Keras, TensorFlow, NumPy or Python itself)."""
    module = getattr(obj, "__module__", "") or ""
    return not module.startswith(("keras", "tensorflow", "tf_keras", "builtins", "numpy"))


def _without_names(obj):
    """A layer's or optimizer's config without its auto-generated names (``dense_7``), which depend on how many
    layers the session made before, not on what the layer computes."""
    if isinstance(obj, dict):
        return {k: _without_names(v) for k, v in obj.items() if k != "name"}
    if isinstance(obj, (list, tuple)):
        return [_without_names(v) for v in obj]
    return obj


class _Hasher:
    def __init__(self) -> None:
        self.h = hashlib.sha256()
        self._classes: set[type] = set()

    def put(self, tag: str, payload: bytes = b"") -> None:
        self.h.update(tag.encode() + b"\x00" + len(payload).to_bytes(8, "little") + payload)

    def add(self, obj, depth: int = 0) -> None:  # noqa: C901 - one branch per kind of value
        if depth > 12:
            raise ValueError("fingerprint: structure nested too deeply")
        import keras

        if obj is None or isinstance(obj, (bool, int, float, str, bytes, np.generic)):
            self.put(type(obj).__name__, repr(obj.item() if isinstance(obj, np.generic) else obj).encode())
        elif isinstance(obj, np.ndarray):
            a = np.ascontiguousarray(obj)
            self.put("ndarray", f"{a.dtype.str}{a.shape}".encode())
            self.h.update(a.view(np.uint8).reshape(-1) if a.size else b"")
        elif isinstance(obj, keras.Model):
            self.model(obj, depth)
        elif isinstance(obj, keras.Variable) or type(obj).__name__ in ("EagerTensor", "ResourceVariable"):
            self.add(np.asarray(obj.numpy()), depth + 1)
        elif isinstance(obj, dict):
            self.put("dict", str(len(obj)).encode())
            for k in sorted(obj, key=str):
                self.add(str(k), depth + 1)
                self.add(obj[k], depth + 1)
        elif isinstance(obj, (list, tuple)):
            self.put(type(obj).__name__, str(len(obj)).encode())
            for v in obj:
                self.add(v, depth + 1)
        elif isinstance(obj, type):
            self.put("class", f"{obj.__module__}.{obj.__qualname__}".encode())
            if _user_code(obj) and obj not in self._classes:
                self._classes.add(obj)
                self.put("source", _source(obj).encode())
        elif isinstance(obj, (types.FunctionType, types.MethodType, types.BuiltinFunctionType)) or (
            callable(obj) and hasattr(obj, "__code__")
        ):
            fn = getattr(obj, "__func__", obj)
            self.put(
                "function", f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', '')}".encode()
            )
            if _user_code(fn):
                self.put("source", _source(fn).encode())
                for cell in getattr(fn, "__closure__", None) or ():
                    try:
                        value = cell.cell_contents
                    except ValueError:  # an empty cell
                        continue
                    try:
                        self.add(value, depth + 1)
                    except TypeError:
                        self.put("opaque", type(value).__qualname__.encode())
        elif hasattr(obj, "get_config"):  # Keras losses, optimizers, metrics, schedules, initializers
            self.add(type(obj), depth + 1)
            self.add(_without_names(obj.get_config()), depth + 1)
        else:
            raise TypeError(
                f"cannot fingerprint a {type(obj).__module__}.{type(obj).__qualname__}: pass what it is made of "
                "(arrays, numbers, functions) as key_data"
            )

    def model(self, model, depth: int) -> None:
        self.add(type(model), depth + 1)
        for layer in model._flatten_layers(include_self=False, recursive=True):
            self.add(type(layer), depth + 1)
            self.put("trainable", repr(layer.trainable).encode())
            try:
                cfg = _without_names(layer.get_config())
            except Exception:  # noqa: BLE001 - a custom layer without get_config: its class source is hashed
                cfg = None
            try:
                self.add(cfg, depth + 1)
            except TypeError:
                self.put("config", repr(sorted(cfg)).encode() if isinstance(cfg, dict) else b"?")
        for v in model.variables:  # weights, and the seed generators' states
            self.add(np.asarray(v.numpy() if hasattr(v, "numpy") else v), depth + 1)
        self.put("trainable_count", str(len(model.trainable_variables)).encode())

    def hexdigest(self) -> str:
        return self.h.hexdigest()


def fingerprint(*objs) -> str:
    """SHA-256 (hex) of values as the cache key sees them.

    Numbers, strings, arrays (their contents), lists, tuples and dicts, functions (their source code and the
    values they close over), classes (their source when the notebook or the course defined them), Keras models
    (layers, configurations without auto-generated names, variables' values) and anything with ``get_config``.

    Raises
    ------
    TypeError
        For a value it cannot see into (a ``tf.data.Dataset``, a generator ...).

    Examples
    --------
    >>> fingerprint([1, 2.0, "a"]) == fingerprint([1, 2.0, "a"])
    True
    >>> fingerprint(np.zeros(3)) == fingerprint(np.zeros(4))
    False
    """
    h = _Hasher()
    for obj in objs:
        h.add(obj)
    return h.hexdigest()


# ------------------------------------------------------------------------------------- random-number states
def rng_state() -> dict:
    """The states of the random-number generators that building and training a model draw from.

    Python's ``random`` (Keras draws default seeds from it), NumPy's global generator, TensorFlow's eager
    op-seed generator (``tf.data`` shuffling draws from it) and Keras's global ``SeedGenerator``. Saved with an
    entry and restored when it is loaded, so that what the notebook draws *after* a loaded training run is
    what it drew after the real one.
    """
    state: dict = {"python": random.getstate(), "numpy": np.random.get_state()}  # noqa: NPY002 - the legacy global generator is what is restored
    try:
        from tensorflow.python.eager import context

        rng = getattr(context.context(), "_rng", None)
        state["tf_ops"] = rng.getstate() if rng is not None else None
    except ImportError:  # pragma: no cover - TensorFlow is a dependency
        state["tf_ops"] = None
    try:
        from keras.src.backend.common import global_state
        from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR

        gen = global_state.get_global_attribute(GLOBAL_SEED_GENERATOR)
        state["keras"] = None if gen is None else np.asarray(gen.state.numpy())
    except ImportError:  # pragma: no cover - a Keras without these internals: not restored
        state["keras"] = None
    return state


def set_rng_state(state: dict) -> None:
    """Restore what :func:`rng_state` returned (after loading an entry)."""
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    np_state = state["numpy"]
    np.random.set_state((np_state[0], np.asarray(np_state[1], dtype=np.uint32), *np_state[2:]))  # noqa: NPY002
    if state.get("tf_ops") is not None:
        from tensorflow.python.eager import context

        ctx = context.context()
        if getattr(ctx, "_rng", None) is None:
            ctx._rng = random.Random()
        tf_ops = state["tf_ops"]
        ctx._rng.setstate((tf_ops[0], tuple(tf_ops[1]), tf_ops[2]))
    if state.get("keras") is not None:
        from keras.src.random.seed_generator import global_seed_generator

        global_seed_generator().state.assign(np.asarray(state["keras"]))


def _rng_to_files(state: dict) -> tuple[dict, dict]:
    """Split an RNG state into JSON-able parts and arrays (for ``meta.json`` and ``state.npz``)."""
    np_state = state["numpy"]
    meta = {
        "python": [state["python"][0], list(state["python"][1]), state["python"][2]],
        "numpy": [np_state[0], None, int(np_state[2]), int(np_state[3]), float(np_state[4])],
        "tf_ops": None
        if state.get("tf_ops") is None
        else [state["tf_ops"][0], list(state["tf_ops"][1]), state["tf_ops"][2]],
    }
    arrays = {"rng/numpy": np.asarray(np_state[1], dtype=np.uint32)}
    if state.get("keras") is not None:
        arrays["rng/keras"] = np.asarray(state["keras"])
    return meta, arrays


def _rng_from_files(meta: dict, arrays) -> dict:
    numpy_meta = list(meta["numpy"])
    numpy_meta[1] = arrays["rng/numpy"]
    return {
        "python": meta["python"],
        "numpy": tuple(numpy_meta),
        "tf_ops": meta.get("tf_ops"),
        "keras": arrays["rng/keras"] if "rng/keras" in arrays else None,
    }


# ------------------------------------------------------------------------------------------------ entries
def entry_name(name: str, key: str) -> str:
    """``<name>-<first 16 hex digits of the key>``, with the name made safe for a folder.

    Examples
    --------
    >>> entry_name("03 Tutorial denoiser", "0123456789abcdef" * 4)
    '03-tutorial-denoiser-0123456789abcdef'
    """
    if not re.fullmatch(r"[0-9a-f]{64}", key):
        raise ValueError(f"key must be 64 hex digits, got {key!r}")
    slug = re.sub(r"[^a-z0-9._-]+", "-", str(name).lower()).strip("-._") or "model"
    return f"{slug[:60]}-{key[:16]}"


def shown(path: Path) -> str:
    """A path as a notebook shows it: relative to the checkout when inside it (outputs do not name the machine)."""
    root = config.PROJECT_ROOT
    try:
        return str(Path(path).resolve().relative_to(root.resolve())) if root is not None else str(path)
    except ValueError:
        return str(path)


@contextlib.contextmanager
def _new_folder(folder: Path):
    """Yield a temporary sibling of ``folder`` to fill; on success it replaces ``folder`` in one rename, on any
    error (or a kernel interrupt) it is deleted: no half-written folder ever stands under ``folder``'s name."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".tmp-{folder.name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
        if folder.exists():  # another kernel wrote the same run: replace it
            old = folder.parent / f".old-{folder.name}-{uuid.uuid4().hex[:8]}"
            os.replace(folder, old)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_entry(folder: Path, meta: dict, arrays: dict[str, np.ndarray]) -> Path:
    """Write an entry atomically: into a temporary sibling folder, then renamed to ``folder``.

    If ``folder`` exists already (another kernel wrote the same run), it is replaced.
    """
    folder = Path(folder)
    with _new_folder(folder) as tmp:
        with open(tmp / STATE_NAME, "wb") as fh:
            # uncompressed: weights hardly compress (10 %), and zlib costs 20x the write
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        meta = {**meta, "format": FORMAT, "state_sha256": sha256_of(tmp / STATE_NAME)}
        with open(tmp / META_NAME, "w", encoding="utf-8") as fh:
            json.dump(meta, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
    return folder


def read_entry(folder: Path, key: str) -> tuple[dict, dict] | None:
    """Read a verified entry: ``(meta, arrays)``, or None when there is none.

    A damaged entry (unreadable ``meta.json``, a ``state.npz`` whose SHA-256 differs from the one recorded, or
    a key that is not the one asked for) is reported in one line and treated as missing.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return None
    try:
        meta = json.loads((folder / META_NAME).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("key") != key:
            raise ValueError("written for another key or format")
        actual = sha256_of(folder / STATE_NAME)
        if actual != meta.get("state_sha256"):
            raise ValueError(
                f"{STATE_NAME} has SHA-256 {actual[:12]}…, its meta.json says {str(meta.get('state_sha256'))[:12]}…"
            )
        with np.load(folder / STATE_NAME, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as err:
        _warn(f"ignoring the damaged cache entry {shown(folder)} ({err}); training instead")
        return None
    try:
        os.utime(folder / META_NAME)  # "last used": `make pretrained` packs the entries a course run used
    except OSError:
        pass
    return meta, arrays


# ------------------------------------------------------------------------------------------------ archives
def pack(entries: Iterable[Path], out: Path) -> str:
    """Pack cache entries into one tar archive with a SHA-256 manifest; return the archive's SHA-256.

    Parameters
    ----------
    entries : iterable of pathlib.Path
        Entry folders (``<name>-<key16>/`` with ``state.npz`` and ``meta.json``).
    out : pathlib.Path
        The archive to write (``course-models.tar``); written atomically.

    Raises
    ------
    ValueError
        If a folder is not an entry, or there are no entries.
    """
    entries = sorted(Path(e) for e in entries)
    if not entries:
        raise ValueError("no cache entries to pack")
    lines = []
    for e in entries:
        if not _ENTRY.match(e.name) or not (e / META_NAME).is_file() or not (e / STATE_NAME).is_file():
            raise ValueError(
                f"{e} is not a cache entry (a <name>-<key16>/ folder with {STATE_NAME} and {META_NAME})"
            )
        for f in (META_NAME, STATE_NAME):
            lines.append(f"{sha256_of(e / f)}  {e.name}/{f}")
    manifest = ("\n".join(lines) + "\n").encode()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}")
    try:
        with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size, info.mtime = len(manifest), int(time.time())
            tar.addfile(info, io.BytesIO(manifest))
            for e in entries:
                for f in (META_NAME, STATE_NAME):
                    tar.add(e / f, arcname=f"{e.name}/{f}", recursive=False)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    digest = sha256_of(out)
    out.with_name(out.name + ".sha256").write_text(f"{digest}  {out.name}\n", encoding="utf-8")
    return digest


_MANIFESTS: dict[tuple, dict[str, str] | None] = {}


def _manifest(archive: Path) -> dict[str, str] | None:
    st = archive.stat()
    memo = (str(archive.resolve()), st.st_size, st.st_mtime_ns)
    if memo not in _MANIFESTS:
        try:
            with tarfile.open(archive, "r:") as tar:
                fh = tar.extractfile(MANIFEST_NAME)
                text = fh.read().decode() if fh is not None else ""
            sums = {}
            for line in text.splitlines():
                digest, _, name = line.partition("  ")
                if not re.fullmatch(r"[0-9a-f]{64}", digest) or not name:
                    raise ValueError(f"bad manifest line {line!r}")
                sums[name] = digest
            _MANIFESTS[memo] = sums
        except (OSError, KeyError, ValueError, tarfile.TarError) as err:
            _warn(f"ignoring the archive {archive} (no readable {MANIFEST_NAME}: {err})")
            _MANIFESTS[memo] = None
    return _MANIFESTS[memo]


def extract_entry(archive: Path, entry: str, cache: Path) -> bool:
    """Copy one entry out of an archive into the cache, after checking each file against the manifest.

    Returns True when the entry is now in the cache, False when the archive does not hold it or a file of it
    does not match the manifest (reported in one line naming the file; nothing is written then).
    """
    sums = _manifest(archive)
    if sums is None:
        return False
    names = [f"{entry}/{f}" for f in (META_NAME, STATE_NAME)]
    if not all(n in sums for n in names):
        return False
    blobs = {}
    try:
        with tarfile.open(archive, "r:") as tar:
            for n in names:
                fh = tar.extractfile(n)
                if fh is None:
                    raise KeyError(n)
                blobs[n] = fh.read()
    except (OSError, KeyError, tarfile.TarError) as err:
        _warn(f"ignoring {archive}:{entry} (unreadable: {err}); training instead")
        return False
    for n, blob in blobs.items():
        actual = hashlib.sha256(blob).hexdigest()
        if actual != sums[n]:
            _warn(
                f"rejected {archive.name}:{n}: its SHA-256 is {actual[:12]}…, the manifest says {sums[n][:12]}… "
                "(the file was changed or damaged); training instead"
            )
            return False
    with _new_folder(Path(cache) / entry) as tmp:
        for n, blob in blobs.items():
            (tmp / n.split("/", 1)[1]).write_bytes(blob)
    return True


def _parse_url(url: str) -> tuple[str, str]:
    base, _, fragment = url.partition("#")
    match = re.fullmatch(r"sha256=([0-9a-fA-F]{64})", fragment)
    if not match:
        raise ValueError(f"a pretrained-models URL must end in #sha256=<64 hex digits>, got {url!r}")
    return base, match.group(1).lower()


_DOWNLOAD_TRIED: dict[str, Path | None] = {}


def archives() -> list[Path]:
    """The pretrained archives to look in: ``$COURSE_DATA_DIR/models/course-models.tar``, then the published
    one (downloaded once into the cache with :func:`keras.utils.get_file` and its SHA-256; never offline)."""
    cfg = config.get_config()
    found = []
    if cfg.data_dir is not None and (cfg.data_dir / "models" / ARCHIVE_NAME).is_file():
        found.append(cfg.data_dir / "models" / ARCHIVE_NAME)
    url = config.pretrained_url()
    if url and not cfg.offline:
        if url not in _DOWNLOAD_TRIED:
            _DOWNLOAD_TRIED[url] = _download(url)
        if _DOWNLOAD_TRIED[url] is not None:
            found.append(_DOWNLOAD_TRIED[url])
    return found


def _download(url: str) -> Path | None:
    try:
        origin, digest = _parse_url(url)
    except ValueError as err:
        _warn(str(err))
        return None
    import keras

    folder = config.model_cache_dir() / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        path = keras.utils.get_file(
            f"course-models-{digest[:12]}.tar",
            origin=origin,
            file_hash=digest,
            hash_algorithm="sha256",
            cache_dir=str(folder.parent),
            cache_subdir=folder.name,
        )
    except Exception as err:  # noqa: BLE001 - no network, a 404, a hash mismatch: train instead
        (folder / f"course-models-{digest[:12]}.tar").unlink(missing_ok=True)
        _warn(f"could not download the pretrained models from {origin} ({err}); training instead")
        return None
    return Path(path)


def find(entry: str, key: str) -> tuple[dict, dict, Path] | None:
    """Look for an entry: in the cache, then in the pretrained archives (copied into the cache when found)."""
    cache = config.model_cache_dir()
    got = read_entry(cache / entry, key)
    if got is not None:
        return (*got, cache / entry)
    for archive in archives():
        if extract_entry(archive, entry, cache):
            got = read_entry(cache / entry, key)
            if got is not None:
                return (*got, archive)
    return None


def used_since(start: float, cache: Path | None = None) -> list[Path]:
    """Entries of the cache written or loaded since ``start`` (a :func:`time.time`): what a course run used."""
    cache = config.model_cache_dir() if cache is None else Path(cache)
    if not cache.is_dir():
        return []
    return sorted(
        e
        for e in cache.iterdir()
        if _ENTRY.match(e.name) and (e / META_NAME).is_file() and (e / META_NAME).stat().st_mtime >= start - 1
    )


__all__ = [
    "ARCHIVE_NAME",
    "CacheWarning",
    "archives",
    "entry_name",
    "extract_entry",
    "find",
    "fingerprint",
    "pack",
    "read_entry",
    "rng_state",
    "set_rng_state",
    "used_since",
    "write_entry",
]
