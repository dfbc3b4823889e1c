"""Does a notebook record the same figures on a quiet and on a busy machine? (``make reproducible``)

Training in the course runs by work (epochs, steps), never by a clock, so every figure a notebook records except
its times must come out the same however fast the machine is. This tool runs the chosen notebooks twice in the
chosen mode, the second time with busy loops competing for every core, and compares every recorded figure whose
name does not mark it as a time (``_s``, ``_ms``, ``_seconds``, ``_per_step``)::

    python tools/reproducibility.py --only 03 04            # smoke mode, the default
    python tools/reproducibility.py --only 03 --busy 0      # twice in a row, both on a quiet machine

Exit status 0 when every compared figure agrees (to ``--rtol``), 1 otherwise.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_course  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TIME_SUFFIXES = ("_s", "_ms", "_seconds", "_per_step")


def is_time(name: str) -> bool:
    """True for figures that are measured times (they may differ between runs).

    Examples
    --------
    >>> [is_time(n) for n in ("train_cpu_s", "seconds_per_step", "race_psnr_db", "sparsity")]
    [True, True, False, False]
    """
    return name.endswith(TIME_SUFFIXES) or name.startswith("seconds_")


def differences(first: dict, second: dict, *, rtol: float = 1e-6) -> list[str]:
    """One line per figure (times left out) that is missing from one run or differs by more than ``rtol``.

    Examples
    --------
    >>> differences({"mse": 0.01, "fit_s": 3.0}, {"mse": 0.01, "fit_s": 9.0})
    []
    >>> differences({"mse": 0.01}, {"mse": 0.02})
    ['mse: 0.01 then 0.02']
    """
    lines = []
    for name in sorted(set(first) | set(second)):
        if is_time(name):
            continue
        if name not in first or name not in second:
            lines.append(f"{name}: recorded in only one run")
            continue
        a, b = first[name], second[name]
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            if not math.isclose(a, b, rel_tol=rtol, abs_tol=1e-12):
                lines.append(f"{name}: {a:.6g} then {b:.6g}")
        elif a != b:
            lines.append(f"{name}: {a!r} then {b!r}")
    return lines


def _burn(stop) -> None:  # a busy loop: one core's worth of competition
    x = 0
    while not stop.is_set():
        x = (x * 31 + 7) % 1_000_003


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", required=True, help="notebook number prefixes, e.g. 03 04")
    parser.add_argument("--mode", choices=["full", "smoke"], default="smoke")
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 2, help="busy loops in the second run")
    parser.add_argument("--rtol", type=float, default=1e-6)
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks", help="folder of the notebooks")
    args = parser.parse_args(argv)
    paths = [p for p in sorted(args.notebooks.glob("[0-9][0-9]_*.ipynb")) if p.name[:2] in args.only]
    if not paths:
        print("no notebooks selected", file=sys.stderr)
        return 2
    ok = True
    with tempfile.TemporaryDirectory() as tmp:

        def run(path: Path, kind: str) -> dict:
            # each run in a cache of its own, so both train: a cached model would make the busy run a copy
            cache = {"COURSE_MODEL_CACHE": f"{tmp}/models-{kind}"}
            return run_course.run_notebook(path, Path(tmp) / kind, args.mode, args.timeout, env=cache)

        for path in paths:
            quiet = run(path, "quiet")
            stop = mp.Event()
            burners = [mp.Process(target=_burn, args=(stop,), daemon=True) for _ in range(args.busy)]
            for b in burners:
                b.start()
            try:
                busy = run(path, "busy")
            finally:
                stop.set()
                for b in burners:
                    b.join()
            diffs = differences(quiet["metrics"], busy["metrics"], rtol=args.rtol)
            compared = sum(not is_time(k) for k in quiet["metrics"])
            failed = [r["status"] for r in (quiet, busy) if r["status"] != "ok"]
            verdict = "same" if not diffs and not failed and compared else "DIFFERENT"
            print(
                f"{path.stem}: {verdict} — {compared} figures compared; {quiet['seconds']:.0f} s quiet, "
                f"{busy['seconds']:.0f} s with {args.busy} busy loops"
            )
            for line in failed + diffs:
                print(f"  {line}")
            ok = ok and verdict == "same"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
