"""Checks for the exercises of notebook 10 (autoencoders as compressors).

How the answers are checked (not what they are): 10.1 by recomputing the rates with the course's own bit-counting
functions on the notebook's index grids; 10.2 by running the learner's parser on byte strings built here with a
known scan length (segments of random lengths, stuffed bytes, restart markers) and on real Pillow files, whose
complete and abbreviated versions must give the same scan; 10.3 by running the learner's Markov code length on
synthetic grids whose ideal rate is known (independent uniform symbols; a deterministic chain), then on the
notebook's grids.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from course_utils import compression
from course_utils.checks import answered, answered_function, as_number, attempt, exercise, require


def _by_n(answer: Any, name: str, ns) -> dict[int, float]:
    answered(answer, name, "a dict {n: bits per image} for every n of NS")
    require(isinstance(answer, Mapping), f"`{name}` must be a dict {{n: bits}}, got {type(answer).__name__}")
    missing = [n for n in ns if n not in answer]
    require(not missing, f"`{name}` has no entry for n = {missing}: one value per training-set size of NS")
    return {int(n): as_number(answer[n], f"{name}[{n}]") for n in ns}


@exercise("10.1")
def exercise_1(ce_by_n, in_sample_by_n, *, idx_train, idx_test, n_codes: int, ns) -> str:
    """``ce_by_n[n]``: test bits per image under a per-position model fitted on the first n training grids
    (``alpha=0.5``); ``in_sample_by_n[n]``: the in-sample entropy of those n training grids."""
    ce = _by_n(ce_by_n, "ce_by_n", ns)
    ins = _by_n(in_sample_by_n, "in_sample_by_n", ns)
    idx_train, idx_test = np.asarray(idx_train), np.asarray(idx_test)
    require(
        all(math.isfinite(v) for v in ce.values()),
        "a cross-entropy is infinite: a code unseen in the training grids got probability 0 (smooth the counts)",
    )
    for n in ns:
        fit = idx_train[:n]
        own = compression.entropy_bits(fit, n_codes)
        require(
            not math.isclose(ins[n], compression.entropy_bits(idx_test, n_codes), rel_tol=1e-6),
            f"in_sample_by_n[{n}] is the entropy of the test grids: the in-sample rate is that of the grids the "
            "model was fitted on",
        )
        require(
            math.isclose(ins[n], own, rel_tol=1e-6, abs_tol=1e-6),
            f"in_sample_by_n[{n}] is not the in-sample entropy of the first {n} training grids (bits per image, "
            "summed over the 49 positions, each position with its own frequencies)",
        )
        honest = compression.cross_entropy_bits(fit, idx_test, n_codes, alpha=0.5)
        require(
            not math.isclose(
                ce[n],
                compression.cross_entropy_bits(fit, idx_test, n_codes, alpha=0.5, per_position=False),
                rel_tol=1e-6,
            ),
            f"ce_by_n[{n}] uses one model for all positions: fit one categorical per position",
        )
        require(
            math.isclose(ce[n], honest, rel_tol=1e-6, abs_tol=1e-6),
            f"ce_by_n[{n}] is not the test rate of a per-position model fitted on the first {n} training grids "
            "(smoothing alpha = 0.5, test grids coded, mean bits per image)",
        )
    gaps = [ce[n] - ins[n] for n in ns]
    return "gap between honest and in-sample rate: " + ", ".join(
        f"n={n}: {g:.1f} bits" for n, g in zip(ns, gaps, strict=True)
    )


# ------------------------------------------------------------------------------------------------ exercise 2
def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def _synthetic_jpeg(rng: np.random.Generator) -> tuple[bytes, int]:
    """A byte string laid out like a JPEG file, and the length of its entropy-coded scan (known by construction)."""
    head = b"\xff\xd8"
    for marker in rng.permutation([0xE0, 0xDB, 0xC0, 0xC4, 0xC4, 0xFE])[: rng.integers(2, 7)]:
        head += _segment(int(marker), bytes(rng.integers(0, 256, rng.integers(1, 120)).astype(np.uint8)))
    head += _segment(0xDA, bytes(rng.integers(0, 256, 8).astype(np.uint8)))
    scan = bytearray()
    for _ in range(rng.integers(20, 300)):
        b = int(rng.integers(0, 256))
        scan += b"\xff\x00" if b == 0xFF else bytes([b])  # a 0xFF in the data is stuffed with 0x00
        if rng.random() < 0.02:
            scan += bytes([0xFF, 0xD0 + int(rng.integers(0, 8))])  # a restart marker belongs to the scan
    return head + bytes(scan) + b"\xff\xd9", len(scan)


@exercise("10.2")
def exercise_2(scan_bytes, scan_bits_by_quality, *, images_u8, qualities) -> str:
    """``scan_bytes(data)``: the bytes of entropy-coded image data in a JPEG byte string (after the SOS segment,
    before EOI); ``scan_bits_by_quality``: 8 x its mean over ``images_u8`` for each quality."""
    from PIL import Image

    answered_function(scan_bytes, "scan_bytes")
    answered(scan_bits_by_quality, "scan_bits_by_quality", "an array of mean scan bits, one per quality")
    rng = np.random.default_rng(10)
    for _ in range(20):
        data, length = _synthetic_jpeg(rng)
        got = attempt(scan_bytes, data, call="`scan_bytes(data)` on a JPEG-like byte string")
        got = as_number(got, "scan_bytes(data)")
        require(
            got != length + 2,
            "scan_bytes counts the end-of-image marker (FF D9): it ends the file, it is not image data",
        )
        require(
            got == length,
            "scan_bytes is wrong on a file laid out like a JPEG: read each segment's length (2 bytes, big-endian, "
            "counting themselves) to jump to the next marker; the scan starts after the SOS segment (FF DA)",
        )
    img = np.asarray(images_u8)[:1].reshape(28, 28)
    full, short = io.BytesIO(), io.BytesIO()
    Image.fromarray(img).save(full, "JPEG", quality=50)
    Image.fromarray(img).save(short, "JPEG", quality=50, streamtype=2)
    require(
        scan_bytes(full.getvalue()) == scan_bytes(short.getvalue()),
        "a complete file and its abbreviated stream hold the same image data: scan_bytes must agree on both",
    )
    bits = np.asarray(scan_bits_by_quality, dtype=np.float64).ravel()
    require(
        bits.shape == (len(qualities),),
        f"scan_bits_by_quality must have one value per quality ({len(qualities)})",
    )
    ours = []
    for q in qualities:
        sizes = []
        for im in np.asarray(images_u8).reshape(-1, 28, 28):
            buf = io.BytesIO()
            Image.fromarray(im).save(buf, "JPEG", quality=int(q), streamtype=2)
            sizes.append(scan_bytes(buf.getvalue()))
        ours.append(8 * np.mean(sizes))
    require(
        np.allclose(bits, ours, rtol=1e-6),
        "scan_bits_by_quality does not match scan_bytes on the images at each quality: bits (8 per byte), mean over "
        "the images, one value per quality in the order given",
    )
    stream = [
        compression.jpeg_roundtrip(np.asarray(images_u8), int(q), abbreviated=True)[0].mean()
        for q in qualities
    ]
    return f"headers left in the abbreviated stream: {np.mean(stream) - np.mean(ours):.0f} bits per image"


# ------------------------------------------------------------------------------------------------ exercise 3
def _call(fn, train, test, k: int, what: str) -> float:
    out = attempt(fn, train, test, k, call=f"`markov_bits(train, test, {k})` on {what}")
    require(np.ndim(out) == 0, "`markov_bits` must return one number: the mean bits per test image")
    return float(out)


@exercise("10.3")
def exercise_3(
    markov_bits, markov_rate, *, idx_train, idx_test, n_codes: int, per_position_rate: float
) -> str:
    """``markov_bits(train, test, n_codes)``: mean bits per test grid under a raster-order Markov model (first index
    per-position categorical, then p(i_t | i_(t-1)) shared by all positions), counts + 0.5; ``markov_rate``: it on the
    notebook's grids."""
    answered_function(markov_bits, "markov_bits")
    answered(markov_rate, "markov_rate", "the Markov rate of the test grids in bits per image")
    rng = np.random.default_rng(3)
    k, p = 4, 10
    iid_train, iid_test = rng.integers(0, k, (20000, p)), rng.integers(0, k, (5000, p))
    iid = _call(markov_bits, iid_train, iid_test, k, "independent uniform symbols")
    require(
        abs(iid - p * math.log2(k)) < 0.1,
        f"on independent uniform symbols over {k} codes at {p} positions the ideal rate is {p} x log2({k}) bits; yours "
        "is off: does your result sum the code lengths over the positions and average over the test images?",
    )
    start = rng.integers(0, k, 20000)
    chain = (start[:, None] + np.arange(p)[None, :]) % k  # every next index is the previous one + 1
    det = _call(markov_bits, chain[:15000], chain[15000:], k, "a deterministic chain")
    require(
        det < math.log2(k) + 0.05 * p,
        "on grids where each index determines the next one, a Markov model should pay only for the first index: "
        "condition each index on the one before it (raster order)",
    )
    require(det > math.log2(k) - 0.1, "a deterministic chain still costs the first index: log2(k) bits")
    rate = as_number(markov_rate, "markov_rate")
    own = _call(markov_bits, np.asarray(idx_train), np.asarray(idx_test), n_codes, "the notebook's grids")
    require(
        math.isclose(rate, own, rel_tol=1e-6),
        "`markov_rate` is not `markov_bits(idx_train, idx_test, K_CODES)`",
    )
    return f"{rate:.1f} bits per image against {per_position_rate:.1f} for the per-position model"
