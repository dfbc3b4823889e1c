"""Benchmarks of the helper package on this machine; writes a Markdown table (``make benchmark``).

Timed claims live here, never in the tests. Each row is the median of several repeats::

    python tools/benchmark.py                 # -> build/benchmarks.md
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(fn, repeats: int = 5) -> float:
    fn()  # warm-up (graph tracing, caches)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def small_decoder():
    import keras

    z = keras.Input((2,))
    h = keras.layers.Dense(7 * 7 * 32, activation="relu")(z)
    h = keras.layers.Reshape((7, 7, 32))(h)
    h = keras.layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(h)
    h = keras.layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu")(h)
    out = keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")(h)
    return keras.Model(z, out)


def run(repeats: int) -> list[tuple[str, float, str]]:
    import numpy as np

    import course_utils as cu

    cu.setup(seed=0, banner=False)
    rows = []
    decoder = small_decoder()
    codes = cu.plotting.latent_grid(30)

    rows.append(
        (
            "manifold 30×30, one batched decode + figure (`cu.plotting.manifold`)",
            median_seconds(
                lambda: cu.plotting.manifold(lambda z: decoder.predict(z, verbose=0), n=30), repeats
            ),
            "the course's way",
        )
    )
    per_cell = median_seconds(lambda: [decoder.predict(c[None], verbose=0) for c in codes[:100]], 1)
    rows.append(
        (
            "manifold 30×30, one `predict` per cell (anti-pattern)",
            9 * per_cell,
            "100 calls timed, ×9",
        )
    )
    if os.environ.get("COURSE_DATA_DIR") or (ROOT / "data" / "fashion-mnist").is_dir():
        rows.append(
            (
                "`load_fashion_mnist(smoke=False)` (60k + 10k, checksums memoized)",
                median_seconds(lambda: cu.data.load_fashion_mnist(smoke=False), repeats),
                "IDX .gz parse",
            )
        )
    rng = np.random.default_rng(0)
    x = rng.random((1000, 28, 28)).astype(np.float32)
    y = np.clip(x + 0.05, 0, 1)
    rows.append(
        ("`cu.metrics.psnr`, 1000 images", median_seconds(lambda: cu.metrics.psnr(x, y), repeats), "")
    )
    rows.append(
        ("`cu.metrics.ssim`, 1000 images", median_seconds(lambda: cu.metrics.ssim(x, y), repeats), "")
    )
    rows.append(
        (
            "`cu.corruptions.salt_and_pepper`, 10k images",
            median_seconds(
                lambda: cu.corruptions.salt_and_pepper(np.repeat(x, 10, axis=0), 0.1, seed=0),
                max(1, repeats // 2),
            ),
            "imgaug (imaug fork)",
        )
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "benchmarks.md")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    rows = run(args.repeats)
    lines = [
        "# Benchmarks",
        "",
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}. Median of {args.repeats} runs after a warm-up.",
        "",
        "| what | seconds | note |",
        "|---|---:|---|",
    ]
    lines += [f"| {what} | {sec:.3f} | {note} |" for what, sec, note in rows]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
