"""Benchmarks of the helper package on this machine; writes Markdown tables (``make benchmark``).

Timed claims live here, never in the tests. Each row is the median of several repeats. A second table times one
training step of three of the course's models with TensorFlow's oneDNN CPU kernels on and off (each setting in a
fresh process, since TensorFlow reads ``TF_ENABLE_ONEDNN_OPTS`` when it is imported)::

    python tools/benchmark.py                 # -> build/benchmarks.md
    python tools/benchmark.py --no-onednn     # without the oneDNN table (a minute quicker)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
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


def training_models():
    """Three models of the course, by name: the tutorial's denoiser (03), the strided denoiser (03), a dense AE."""
    import keras
    from keras import layers

    def tutorial_denoiser():
        x_in = keras.Input((28, 28, 1))
        h = x_in
        for f in (64, 32, 16):
            h = layers.MaxPooling2D(2, padding="same")(
                layers.Conv2D(f, 3, activation="relu", padding="same")(h)
            )
        for f in (16, 32):
            h = layers.UpSampling2D(2)(layers.Conv2D(f, 3, activation="relu", padding="same")(h))
        h = layers.UpSampling2D(2)(layers.Conv2D(64, 3, activation="relu")(h))
        return keras.Model(x_in, layers.Conv2D(1, 3, activation="sigmoid", padding="same")(h))

    def strided_denoiser():
        x_in = keras.Input((28, 28, 1))
        h = layers.Conv2D(32, 3, strides=2, activation="relu", padding="same")(x_in)
        h = layers.Conv2D(64, 3, strides=2, activation="relu", padding="same")(h)
        h = layers.Conv2DTranspose(32, 3, strides=2, activation="relu", padding="same")(h)
        return keras.Model(
            x_in, layers.Conv2DTranspose(1, 3, strides=2, activation="sigmoid", padding="same")(h)
        )

    def dense_autoencoder():
        x_in = keras.Input((28, 28, 1))
        h = layers.Flatten()(x_in)
        for units in (512, 256, 32, 256, 512):
            h = layers.Dense(units, activation="relu")(h)
        return keras.Model(x_in, layers.Reshape((28, 28, 1))(layers.Dense(784, activation="sigmoid")(h)))

    return {
        "tutorial denoiser (03: conv + pooling, 64-32-16 filters)": tutorial_denoiser,
        "strided denoiser (03: 2 strided convs, 2 transposed)": strided_denoiser,
        "dense AE 784-512-256-32-256-512-784": dense_autoencoder,
    }


def _step_times_here(steps: int) -> dict[str, float]:
    """Median milliseconds per training step (batch 128) of each model, in this process."""
    import numpy as np

    import course_utils as cu

    cu.setup(seed=0, banner=False)
    import keras

    x = np.random.default_rng(0).random((128 * 8, 28, 28, 1)).astype(np.float32)

    class StepClock(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.t = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.times.append(time.perf_counter() - self.t)

    out = {}
    for name, build in training_models().items():
        model = build()
        model.compile(optimizer="adam", loss="mse")
        clock = StepClock()
        clock.times = []
        model.fit(x, x, batch_size=128, epochs=max(1, steps // 8), verbose=0, callbacks=[clock])
        out[name] = 1000 * statistics.median(clock.times[8:])  # the first epoch compiles
    return out


def onednn_rows(steps: int = 64) -> list[tuple[str, float, float]]:
    """(model, ms per step with oneDNN on, ms per step off), each setting measured in a fresh process."""
    timings = {}
    for flag in ("1", "0"):
        env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": flag, "TF_CPP_MIN_LOG_LEVEL": "3"}
        code = (
            "import json, sys; sys.path.insert(0, 'tools'); import benchmark; "
            f"print(json.dumps(benchmark._step_times_here({steps})))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        timings[flag] = json.loads(done.stdout.strip().splitlines()[-1])
    return [(name, timings["1"][name], timings["0"][name]) for name in timings["1"]]


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
    parser.add_argument("--no-onednn", action="store_true", help="skip the oneDNN on/off training table")
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
    if not args.no_onednn:
        lines += [
            "",
            "## Training steps with oneDNN on and off",
            "",
            "Median milliseconds per training step (batch 128, Adam, MSE), first epoch left out; each setting in a",
            "fresh process. The course runs with oneDNN on (TensorFlow's default on x86 CPUs).",
            "",
            "| model | oneDNN on (ms) | off (ms) | off / on |",
            "|---|---:|---:|---:|",
        ]
        lines += [f"| {name} | {on:.1f} | {off:.1f} | {off / on:.2f}× |" for name, on, off in onednn_rows()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
