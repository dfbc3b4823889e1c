"""Execute the course's notebooks and write a results table (``make course``).

Each notebook runs in a fresh kernel with ``COURSE_MODE`` set (full by default) and ``COURSE_RESULTS_FILE``
pointing at ``build/results/<notebook>.json`` (and ``COURSE_STRICT_CHECKS=1``: a solution whose self-check is not ✓
fails), where :func:`course_utils.metrics.record` writes its key figures.
The executed notebooks go to ``build/executed/``; ``build/results.md`` lists wall time and figures per notebook::

    python tools/run_course.py                      # every notebook, full mode
    python tools/run_course.py --only 00 01         # some of them
    python tools/run_course.py --mode smoke         # quick end-to-end check
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]


def kernel_peak_mib(client: NotebookClient) -> float | None:
    """The kernel's peak resident memory so far (Linux ``VmHWM``), in MiB, or None where it cannot be read."""
    try:
        pid = client.km.provisioner.process.pid
        status = Path(f"/proc/{pid}/status").read_text()
    except (AttributeError, OSError):
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return round(int(match.group(1)) / 1024, 1) if match else None


def run_notebook(path: Path, build: Path, mode: str, timeout: int) -> dict:
    """Execute one notebook; return ``{"notebook", "seconds", "peak_mib", "status", "metrics"}``.

    ``peak_mib`` is the kernel's peak resident memory, read after every cell (the high-water mark only grows).
    """
    # the kernel runs in the notebook's folder: a relative path would point there
    build = Path(build).resolve()
    results_file = build / "results" / (path.stem + ".json")
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.unlink(missing_ok=True)
    env_backup = dict(os.environ)
    # Strict checks: an exercise whose solution is not ✓ stops the notebook (and is reported), as in the tests.
    os.environ.update(
        {"COURSE_MODE": mode, "COURSE_RESULTS_FILE": str(results_file), "COURSE_STRICT_CHECKS": "1"}
    )
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    peak: dict[str, float | None] = {"mib": None}

    def read_peak(**_) -> None:
        peak["mib"] = kernel_peak_mib(client) or peak["mib"]

    client.on_cell_executed = read_peak  # the kernel is alive here (not any more in on_notebook_complete)
    start = time.perf_counter()
    status = "ok"
    try:
        client.execute()
    except CellExecutionError as err:
        last = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip().splitlines()[-1]  # no terminal colours
        status = "failed: " + last[:200]
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    seconds = time.perf_counter() - start
    out = build / "executed" / path.name
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    metrics = json.loads(results_file.read_text())["metrics"] if results_file.is_file() else {}
    row = {
        "notebook": path.stem,
        "mode": mode,
        "date": dt.date.today().isoformat(),
        "seconds": round(seconds, 1),
        "peak_mib": peak["mib"],
        "status": status,
        "metrics": metrics,
    }
    results_file.write_text(json.dumps(row, indent=1, sort_keys=True))
    return row


def collect(build: Path) -> list[dict]:
    """Every notebook's last row in ``build/results/``, in course order."""
    rows = []
    for f in sorted((build / "results").glob("[0-9][0-9]_*.json")):
        row = json.loads(f.read_text())
        if "seconds" in row:  # a finished run, not one cut off mid-notebook
            rows.append(row)
    return rows


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _version(*distributions: str) -> str:
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "not installed"


def machine_description() -> str:
    """CPU model, cores and the versions that matter for the timings, in one line."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            ln.split(":", 1)[1].strip()
            for ln in cpuinfo.read_text().splitlines()
            if ln.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return (
        f"{cpu} ({platform.machine()}), {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"TensorFlow {_version('tensorflow', 'tensorflow-cpu')}, Keras {_version('keras')}"
    )


def _mib(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 1024:.1f} GiB" if value >= 1024 else f"{value:.0f} MiB"


def results_markdown(rows: list[dict]) -> str:
    """The results table as Markdown: wall time and status per notebook, then each notebook's figures."""
    lines = [
        "# Course results",
        "",
        f"Machine: {machine_description()}.",
        "",
        "| notebook | mode | date | wall time | peak RAM | status |",
        "|---|---|---|---:|---:|---|",
    ]
    lines += [
        f"| {r['notebook']} | {r['mode']} | {r['date']} | {r['seconds']:.0f} s | {_mib(r.get('peak_mib'))} | "
        f"{r['status']} |"
        for r in rows
    ]
    total = sum(r["seconds"] for r in rows)
    lines += [f"| **total** | | | **{total:.0f} s** | | |", ""]
    for r in rows:
        lines += [f"## {r['notebook']}", ""]
        if r["metrics"]:
            lines += ["| figure | value |", "|---|---:|"]
            lines += [f"| {k} | {_fmt(v)} |" for k, v in sorted(r["metrics"].items())]
        else:
            lines.append("(no figures recorded)")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["full", "smoke"], default="full")
    parser.add_argument("--only", nargs="*", default=None, help="notebook number prefixes, e.g. 00 03")
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = parser.parse_args(argv)
    args.build = args.build.resolve()
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        paths = [p for p in paths if p.name[:2] in set(args.only)]
    if not paths:
        print("no notebooks selected", file=sys.stderr)
        return 2
    ok = True
    for path in paths:
        row = run_notebook(path, args.build, args.mode, args.timeout)
        print(
            f"{row['notebook']}: {row['seconds']:.0f} s, peak RAM {_mib(row['peak_mib'])}, {row['status']}, "
            f"{len(row['metrics'])} figures",
            flush=True,
        )
        ok = ok and row["status"] == "ok"
    report = args.build / "results.md"
    report.write_text(results_markdown(collect(args.build)))
    print(f"wrote {report}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
