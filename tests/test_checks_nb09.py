"""course_utils.checks.nb09: the checks of notebook 09 pass right answers and give hints for typical mistakes."""

from __future__ import annotations

import inspect
import math
import zlib

import numpy as np
import pytest

from course_utils.checks import NotYet, nb09
from course_utils.data import FASHION_MNIST_CLASSES

CLASSES = list(FASHION_MNIST_CLASSES)


# ------------------------------------------------------------------------------------------------ exercise 1
ASKED = np.repeat(np.arange(10), 20)
MISSES = [2, 0, 9, 4, 5, 1, 14, 3, 6, 2]  # class 6 ("Shirt") is the hardest, class 1 ("Trouser") the easiest
SEEN = ASKED.copy()
for _c, _miss in enumerate(MISSES):
    SEEN[np.flatnonzero(ASKED == _c)[:_miss]] = (_c + 1) % 10
SEEN[np.flatnonzero(ASKED == 6)[:5]] = (
    2  # the shirts' wrong calls: 9 "Sneaker" (class 7), 5 "Pullover" (class 2)
)


def confusion_right(asked=ASKED, seen=SEEN):
    per_class = np.array([np.mean(seen[asked == c] == c) for c in range(10)])
    hardest = int(np.argmin(per_class))
    calls = np.bincount(seen[asked == hardest], minlength=10)
    calls[hardest] = 0
    return CLASSES[int(np.argmax(calls))], float(calls.max() / np.sum(asked == hardest))


def check_confusion(confused_as, confused_share):
    return nb09.exercise_1(confused_as, confused_share, asked=ASKED, seen=SEEN, classes=CLASSES)


def test_confusion_right_answer_passes(capsys):
    assert confusion_right() == ("Sneaker", 9 / 20)
    assert check_confusion(*confusion_right()) is True
    assert "✓ 09.1 right: Shirt samples become Sneaker 45%" in capsys.readouterr().out


@pytest.mark.parametrize(("name", "share"), [(None, None), ("Sneaker", None), (None, 0.45)])
def test_confusion_blank_answer_gets_a_hint(name, share):
    with pytest.raises(NotYet, match="is still None"):
        check_confusion(name, share)


@pytest.mark.parametrize(
    ("name", "share", "hint"),
    [
        (7, 0.45, "class index"),
        ("sneaker", 0.45, "one of the class names"),
        ("Sneaker", 45.0, "not a percentage"),
        ("Sneaker", 9, "not a count"),
        ("Shirt", 0.3, "hardest class itself"),
        ("Pullover", 0.25, "names another class more often than Pullover"),
        ("Trouser", 0.05, "names another class more often"),  # the class after the easiest, not the hardest
        ("Sneaker", 9 / 14, "share of the wrong calls only"),
        ("Sneaker", 14 / 20, "counts every wrong call"),
        ("Sneaker", 0.5, "is not the share"),
    ],
    ids=[
        "index",
        "not-a-name",
        "percent",
        "count",
        "hardest-itself",
        "second-most",
        "other-class",
        "of-wrong-calls",
        "all-wrong",
        "wrong-share",
    ],
)
def test_confusion_typical_mistakes_get_their_hint(name, share, hint):
    with pytest.raises(NotYet, match=hint):
        check_confusion(name, share)


# ------------------------------------------------------------------------------------------------ exercise 2
# A toy CVAE: 2-D codes, prior-like posteriors N(0, I); the decoder draws the item's class only for codes with
# |z| < 3 (blank otherwise), and the "referee" reads the class off the image. So the same-class fraction is
# P(|z| < 3) for z = 4 eps: 1 - exp(-9/32) = 0.245 at spread 4, 0.989 at spread 1.
class ToyCVAE:
    @staticmethod
    def encoder(inputs, training=False):
        x, _ = inputs
        return np.zeros((len(x), 2), np.float32), np.zeros((len(x), 2), np.float32)

    @staticmethod
    def decoder(inputs, training=False):
        z, c = inputs
        inside = np.linalg.norm(z, axis=1) < 3
        return np.where(inside[:, None], 20 * c - 10, -10.0)  # logits of a 10-pixel "image"


def toy_referee(images, training=False):
    return np.asarray(images)  # the class is the brightest pixel (pixel 0 if blank)


ITEMS = np.zeros((40, 784), np.float32)
LABELS = np.arange(40) % 9 + 1  # classes 1..9: a blank image is never in its item's class


def answer(spread=4.0, labels=LABELS, seed=5):
    """The exercise's recipe on the toy CVAE."""
    onehot = np.eye(10, dtype=np.float32)[labels]
    mu, log_var = ToyCVAE.encoder([ITEMS, onehot])
    eps = np.random.default_rng(seed).standard_normal((8, *mu.shape))
    z = (mu + spread * np.exp(0.5 * log_var) * eps).reshape(-1, 2)
    decoded = ToyCVAE.decoder([z, np.tile(np.eye(10, dtype=np.float32)[labels], (8, 1))])
    return float(np.mean(toy_referee(decoded).argmax(1) == np.tile(LABELS, 8)))


def check_same_class(value):
    return nb09.exercise_2(
        value, cvae=ToyCVAE, referee=toy_referee, items=ITEMS, labels=LABELS, n_variations=8, plain=0.1
    )


def test_cvae_same_class_right_answer_passes(capsys):
    assert abs(answer() - (1 - math.exp(-9 / 32))) < 0.1
    check_same_class(answer())
    assert "at s = 4, the plain VAE for 10%" in capsys.readouterr().out


def test_cvae_same_class_blank_answer_gets_a_hint():
    with pytest.raises(NotYet, match="`cvae_same_class` is still None"):
        nb09.exercise_2(
            None, cvae=object(), referee=object(), items=None, labels=None, n_variations=8, plain=0.1
        )


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (answer() * 100, "not a percentage"),
        (answer(spread=1.0), r"posterior's own spread \(s = 1\)"),
        (answer(spread=2.0) * 0.7, "higher than the CVAE gives"),
        (answer(labels=(LABELS % 9) + 1), "lower than the CVAE gives"),
    ],
    ids=["percent", "spread-1", "too-high", "wrong-labels"],
)
def test_cvae_same_class_typical_mistakes_get_their_hint(value, hint):
    with pytest.raises(NotYet, match=hint):
        check_same_class(value)


# ------------------------------------------------------------------------------------------------ exercise 3
def toy_images(n_ink: np.ndarray, seed: int) -> np.ndarray:
    """Flat binary images with n_ink random pixels on each (the rest 0): more ink, longer zlib output."""
    rng = np.random.default_rng(seed)
    out = np.zeros((len(n_ink), 784))
    for row, k in zip(out, n_ink, strict=True):
        row[rng.choice(784, k, replace=False)] = 1.0
    return out


def zlib_codes(images: np.ndarray, *, packed: bool = False, level: int = 9) -> list[bytes]:
    """One byte per pixel (or eight pixels per byte), compressed with zlib."""
    rows = [np.packbits(a.astype(np.uint8)) if packed else a.astype(np.uint8) for a in images]
    return [zlib.compress(r.tobytes(), level) for r in rows]


def nats_of(codes: list[bytes]) -> np.ndarray:
    return np.array([8 * math.log(2) * len(c) for c in codes])


RNG = np.random.default_rng(1)
N_EACH = 60
IMAGES = toy_images(np.r_[RNG.integers(40, 90, N_EACH), RNG.integers(20, 70, N_EACH)], seed=2)
LABELS3 = np.r_[np.zeros(N_EACH), np.ones(N_EACH)]  # the simple images (less ink) are the anomalies
CODES = zlib_codes(IMAGES)
LENGTH = nats_of(CODES)
NEG_ELBO = LENGTH + RNG.normal(0, 60, 2 * N_EACH) + 70 * LABELS3  # -ELBO = complexity + what the model adds
GREY_IMAGES = IMAGES * RNG.uniform(0.2, 1.0, IMAGES.shape)  # the grey-level versions of the same images
GREY_NEG_ELBO = NEG_ELBO + RNG.normal(0, 80, 2 * N_EACH) - 40 * LABELS3  # a grey-level model's scores


def auroc(scores):
    """P(anomaly scores above a normal image), by brute force over all pairs (ties count half)."""
    a, n = scores[LABELS3 == 1], scores[LABELS3 == 0]
    return float(np.mean((a[:, None] > n[None]) + 0.5 * (a[:, None] == n[None])))


def check_auc(value, code_nats=LENGTH, codes=CODES, images=IMAGES):
    return nb09.exercise_3(
        value,
        code_nats,
        codes,
        labels=LABELS3,
        neg_elbo=NEG_ELBO,
        images=images,
        grey_neg_elbo=GREY_NEG_ELBO,
        grey_images=GREY_IMAGES,
    )


def test_auc_complexity_right_answer_passes(capsys):
    assert check_auc(auroc(NEG_ELBO - LENGTH)) is True
    assert "with the complexity correction" in capsys.readouterr().out


def test_auc_complexity_with_packed_bits_passes():
    codes = zlib_codes(IMAGES, packed=True)
    assert check_auc(auroc(NEG_ELBO - nats_of(codes)), nats_of(codes), codes) is True


def test_auc_complexity_right_answer_passes_without_the_grey_scores(capsys):
    value = auroc(NEG_ELBO - LENGTH)
    assert nb09.exercise_3(value, LENGTH, CODES, labels=LABELS3, neg_elbo=NEG_ELBO, images=IMAGES) is True


@pytest.mark.parametrize(
    ("auc", "nats", "codes"), [(None, None, None), (0.7, None, CODES), (0.7, LENGTH, None)]
)
def test_auc_complexity_blank_answer_gets_a_hint(auc, nats, codes):
    with pytest.raises(NotYet, match="is still None"):
        nb09.exercise_3(auc, nats, codes, labels=object(), neg_elbo=object(), images=object())


def test_auc_complexity_needs_binary_images():
    with pytest.raises(NotYet, match="binarized test images"):
        check_auc(auroc(NEG_ELBO - LENGTH), images=GREY_IMAGES)


def test_auc_complexity_codes_must_decode_to_the_images():
    grey_codes = [zlib.compress(np.round(g * 255).astype(np.uint8).tobytes(), 9) for g in GREY_IMAGES]
    with pytest.raises(NotYet, match="grey 8-bit images"):
        check_auc(auroc(NEG_ELBO - nats_of(grey_codes)), nats_of(grey_codes), grey_codes)
    shuffled = CODES[1:] + CODES[:1]
    with pytest.raises(NotYet, match="do not decompress to their binary image"):
        check_auc(auroc(NEG_ELBO - LENGTH), LENGTH, shuffled)
    with pytest.raises(NotYet, match="list of 120 zlib codes"):
        check_auc(auroc(NEG_ELBO - LENGTH), LENGTH, CODES[:-1])
    raw = [a.astype(np.uint8).tobytes() for a in IMAGES]  # not compressed
    with pytest.raises(NotYet, match="do not decompress"):
        check_auc(auroc(NEG_ELBO - nats_of(raw)), nats_of(raw), raw)


def test_auc_complexity_codes_must_be_level_9():
    codes = zlib_codes(IMAGES, level=1)
    with pytest.raises(NotYet, match="level 9"):
        check_auc(auroc(NEG_ELBO - nats_of(codes)), nats_of(codes), codes)


@pytest.mark.parametrize(
    ("nats", "hint"),
    [
        (LENGTH / (8 * math.log(2)), "in bytes"),
        (LENGTH / math.log(2), "in bits"),
        (LENGTH / math.log(2) ** 2, "wrong way round"),
        (LENGTH[:-1], "one length per image"),
        (np.full(len(LENGTH), 500.0), "not the length of `codes` in nats"),  # typed in
    ],
    ids=["bytes", "bits", "bits-over-log2", "length", "made-up"],
)
def test_auc_complexity_code_length_mistakes_get_their_hint(nats, hint):
    with pytest.raises(NotYet, match=hint):
        check_auc(auroc(NEG_ELBO - LENGTH), nats)


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (auroc(NEG_ELBO - LENGTH) * 100, r"in \[0, 1\]"),
        (auroc(NEG_ELBO), "AUROC of -ELBO alone"),
        (auroc(-LENGTH), "compressor alone"),
        (auroc(LENGTH - NEG_ELBO), "points the wrong way"),
        (auroc(NEG_ELBO + LENGTH), "not added"),
        (auroc(GREY_NEG_ELBO - LENGTH), "comes from the grey-level model"),
        (0.5, "not the AUROC of S"),
    ],
    ids=["percent", "elbo-alone", "length-alone", "reversed", "added", "grey-elbo", "other"],
)
def test_auc_complexity_typical_mistakes_get_their_hint(value, hint):
    with pytest.raises(NotYet, match=hint):
        check_auc(value)


def test_auc_complexity_hint_never_shows_the_reference_value():
    with pytest.raises(NotYet) as err:
        check_auc(0.5)
    assert f"{auroc(NEG_ELBO - LENGTH):.2f}" not in str(err.value)


def test_the_check_module_compresses_nothing():
    source = inspect.getsource(nb09)
    assert "zlib.compress(" not in source and "rankdata" not in source and "_compressed_nats" not in source
