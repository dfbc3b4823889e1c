"""course_utils.checks.nb10: the checks of notebook 10 pass right answers and give hints for typical mistakes.

The right answers are built here (tests are not installed); the check module itself holds none of them.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from course_utils import compression as C
from course_utils.checks import NotYet, nb10

K = 8
RNG = np.random.default_rng(0)
# grids with structure: position-dependent frequencies and a dependence on the previous index
_base = RNG.integers(0, K, (1, 49))
IDX_TRAIN = (_base + RNG.integers(0, 2, (600, 49))) % K
IDX_TEST = (_base + RNG.integers(0, 2, (200, 49))) % K
NS = (10, 100, 600)


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    monkeypatch.setenv("COURSE_STRICT_CHECKS", "1")


# ------------------------------------------------------------------------------------------------ exercise 1
def _ex1(ce, ins):
    return nb10.exercise_1(ce, ins, idx_train=IDX_TRAIN, idx_test=IDX_TEST, n_codes=K, ns=NS)


def right_1():
    ce = {n: C.cross_entropy_bits(IDX_TRAIN[:n], IDX_TEST, K) for n in NS}
    ins = {n: C.entropy_bits(IDX_TRAIN[:n], K) for n in NS}
    return ce, ins


def test_rates_by_training_size_right_answer_passes(capsys):
    assert _ex1(*right_1()) is True
    assert "✓ 10.1 right: gap" in capsys.readouterr().out


def test_rates_by_training_size_computed_by_hand_pass():
    """An independent route: counting with np.unique instead of the course's functions."""

    def ce_hand(train, test, alpha=0.5):
        total = 0.0
        for j in range(train.shape[1]):
            counts = np.full(K, alpha)
            vals, c = np.unique(train[:, j], return_counts=True)
            counts[vals] += c
            total += -np.log2(counts[test[:, j]] / counts.sum()).mean()
        return total

    ce = {n: ce_hand(IDX_TRAIN[:n], IDX_TEST) for n in NS}
    ins = {n: ce_hand(IDX_TRAIN[:n], IDX_TRAIN[:n], alpha=0.0) for n in NS}
    assert _ex1(ce, ins) is True


@pytest.mark.parametrize("blank", [(None, None), ({}, {})])
def test_rates_by_training_size_blank_answer_gets_a_hint(blank):
    with pytest.raises(NotYet, match=r"^10\.1 not yet: .*(None|no entry)"):
        _ex1(*blank)


def test_rates_without_smoothing_get_a_hint():
    ce = {n: C.cross_entropy_bits(IDX_TRAIN[:n], IDX_TEST, K, alpha=0.0) for n in NS}
    ins = right_1()[1]
    with pytest.raises(NotYet, match="infinite|not the test rate"):
        _ex1(ce, ins)


def test_in_sample_entropy_of_the_test_grids_gets_a_hint():
    ce = right_1()[0]
    ins = {n: C.entropy_bits(IDX_TEST, K) for n in NS}
    with pytest.raises(NotYet, match="entropy of the test grids"):
        _ex1(ce, ins)


def test_a_shared_model_gets_a_hint():
    ins = right_1()[1]
    ce = {n: C.cross_entropy_bits(IDX_TRAIN[:n], IDX_TEST, K, per_position=False) for n in NS}
    with pytest.raises(NotYet, match="one categorical per position"):
        _ex1(ce, ins)


# ------------------------------------------------------------------------------------------------ exercise 2
IMAGES = np.clip(np.linspace(0, 255, 28)[None, None, :] + RNG.normal(0, 30, (4, 28, 28)), 0, 255).astype(
    np.uint8
)
QUALITIES = (10, 50)


def scan_bytes_right(data):
    i = 2
    while True:
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        i += 2 + length
        if marker == 0xDA:
            return len(data) - i - 2


def scan_bits(fn):
    out = []
    for q in QUALITIES:
        sizes = []
        for im in IMAGES:
            buf = io.BytesIO()
            Image.fromarray(im).save(buf, "JPEG", quality=q, streamtype=2)
            sizes.append(fn(buf.getvalue()))
        out.append(8 * np.mean(sizes))
    return np.array(out)


def _ex2(fn, bits):
    return nb10.exercise_2(fn, bits, images_u8=IMAGES, qualities=QUALITIES)


def test_scan_bytes_right_answer_passes(capsys):
    assert _ex2(scan_bytes_right, scan_bits(scan_bytes_right)) is True
    assert "✓ 10.2 right: headers left" in capsys.readouterr().out


def test_scan_bytes_by_searching_for_the_last_sos_marker_passes():
    """Another right route: the scan header's length read at the SOS marker (FF DA cannot occur in the data)."""

    def by_search(data):
        at = data.rfind(b"\xff\xda")
        return len(data) - (at + 2 + int.from_bytes(data[at + 2 : at + 4], "big")) - 2

    assert _ex2(by_search, scan_bits(by_search)) is True


@pytest.mark.parametrize("blank", [(None, None), (scan_bytes_right, None)])
def test_scan_bytes_blank_answer_gets_a_hint(blank):
    with pytest.raises(NotYet, match=r"^10\.2 not yet: .*(None|function)"):
        _ex2(*blank)


def test_scan_bytes_counting_the_end_marker_gets_a_hint():
    def with_eoi(data):
        return scan_bytes_right(data) + 2

    with pytest.raises(NotYet, match="end-of-image"):
        _ex2(with_eoi, scan_bits(with_eoi))


def test_scan_bytes_with_a_fixed_header_size_gets_a_hint():
    def fixed(data):
        return (
            len(data) - 45
        )  # Pillow's abbreviated header for grey images: right by accident on its files only

    with pytest.raises(NotYet, match="segment's length"):
        _ex2(fixed, scan_bits(fixed))


def test_scan_bits_in_bytes_not_bits_gets_a_hint():
    with pytest.raises(NotYet, match="8 per byte"):
        _ex2(scan_bytes_right, scan_bits(scan_bytes_right) / 8)


# ------------------------------------------------------------------------------------------------ exercise 3
def markov_right(train, test, n_codes, alpha=0.5):
    train, test = np.asarray(train).reshape(len(train), -1), np.asarray(test).reshape(len(test), -1)
    first = C.categorical_model(train[:, :1], n_codes, alpha=alpha)[0]
    pairs = np.full((n_codes, n_codes), alpha)
    np.add.at(pairs, (train[:, :-1].ravel(), train[:, 1:].ravel()), 1)
    trans = pairs / pairs.sum(1, keepdims=True)
    return float((-np.log2(first[test[:, 0]]) - np.log2(trans[test[:, :-1], test[:, 1:]]).sum(1)).mean())


def _ex3(fn, rate):
    return nb10.exercise_3(
        fn,
        rate,
        idx_train=IDX_TRAIN,
        idx_test=IDX_TEST,
        n_codes=K,
        per_position_rate=C.cross_entropy_bits(IDX_TRAIN, IDX_TEST, K),
    )


def test_markov_right_answer_passes(capsys):
    assert _ex3(markov_right, markov_right(IDX_TRAIN, IDX_TEST, K)) is True
    assert "✓ 10.3 right" in capsys.readouterr().out


@pytest.mark.parametrize("blank", [(None, None), (markov_right, None)])
def test_markov_blank_answer_gets_a_hint(blank):
    with pytest.raises(NotYet, match=r"^10\.3 not yet: .*(None|function)"):
        _ex3(*blank)


def test_a_model_without_the_previous_index_gets_a_hint():
    def independent(train, test, n_codes):
        return C.cross_entropy_bits(train, test, n_codes)

    with pytest.raises(NotYet, match="condition each index on the one before"):
        _ex3(independent, independent(IDX_TRAIN, IDX_TEST, K))


def test_a_rate_per_position_instead_of_per_image_gets_a_hint():
    def per_position(train, test, n_codes):
        return markov_right(train, test, n_codes) / np.asarray(test).shape[1]

    with pytest.raises(NotYet, match="sum the code lengths over the positions"):
        _ex3(per_position, per_position(IDX_TRAIN, IDX_TEST, K))


def test_a_typed_in_rate_gets_a_hint():
    with pytest.raises(NotYet, match="markov_rate"):
        _ex3(markov_right, 1.0)
