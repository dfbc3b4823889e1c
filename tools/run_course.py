"""Execute the course's notebooks and write a results table (``make course``).

Each notebook runs in a fresh kernel with ``COURSE_MODE`` set (full by default) and ``COURSE_RESULTS_FILE``
pointing at ``build/results/<notebook>.json`` (and ``COURSE_STRICT_CHECKS=1``: a solution whose self-check is not ✓
fails), where :func:`course_utils.metrics.record` writes its key figures.
The executed notebooks go to ``build/executed/``; ``build/results.md`` lists wall time and figures per notebook::

    python tools/run_course.py                      # every notebook, full mode
    python tools/run_course.py --only 00 01         # some of them
    python tools/run_course.py --mode smoke         # quick end-to-end check

Training goes through the trained-model cache (``cu.training.fit_or_load``): a notebook that trained anything is
a **cold** run, one that loaded every model is a **warm** run (``COURSE_RETRAIN=1`` forces cold). The latest cold
and warm run of each notebook are kept in ``build/runs.json``, and ``build/results.md`` shows their times side by
side, with whether the warm run recorded exactly the figures of the cold one.
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


def run_notebook(path: Path, build: Path, mode: str, timeout: int, env: dict[str, str] | None = None) -> dict:
    """Execute one notebook; return ``{"notebook", "seconds", "peak_mib", "status", "metrics"}``.

    ``peak_mib`` is the kernel's peak resident memory, read after every cell (the high-water mark only grows).
    ``env`` adds variables for the kernel alone (e.g. another ``COURSE_MODEL_CACHE``): this process's environment
    is the same afterwards, whatever happened.
    """
    # the kernel runs in the notebook's folder: a relative path would point there
    build = Path(build).resolve()
    results_file = build / "results" / (path.stem + ".json")
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.unlink(missing_ok=True)
    env_backup = dict(os.environ)
    # Strict checks: an exercise whose solution is not ✓ stops the notebook (and is reported), as in the tests.
    os.environ.update(
        {
            "COURSE_MODE": mode,
            "COURSE_RESULTS_FILE": str(results_file),
            "COURSE_STRICT_CHECKS": "1",
            **(env or {}),
        }
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
    trained, loaded = cache_lines(nb)
    row = {
        "notebook": path.stem,
        "mode": mode,
        "date": dt.date.today().isoformat(),
        "seconds": round(seconds, 1),
        "peak_mib": peak["mib"],
        "status": status,
        "trained": trained,
        "loaded": loaded,
        "cache": temperature(trained, loaded),
        "metrics": metrics,
    }
    results_file.write_text(json.dumps(row, indent=1, sort_keys=True))
    if status == "ok":
        remember(build, row)
    return row


def cache_lines(nb: nbformat.NotebookNode) -> tuple[int, int]:
    """How many cached runs of an executed notebook were made (trained, or computed by ``compute_or_load``),
    and how many were loaded from the cache."""
    text = "\n".join(
        o.get("text", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream"
    )
    made = len(re.findall(r"^cache: (?:trained|computed) ", text, re.M))
    return made, len(re.findall(r"^cache: loaded ", text, re.M))


def temperature(trained: int, loaded: int) -> str:
    """``cold`` (something trained), ``warm`` (every model loaded) or ``none`` (the notebook trains nothing)."""
    return "cold" if trained else "warm" if loaded else "none"


def remember(build: Path, row: dict) -> None:
    """Keep the latest cold and warm run of a notebook (per mode) in ``build/runs.json``."""
    path = build / "runs.json"
    runs = json.loads(path.read_text()) if path.is_file() else {}
    slot = runs.setdefault(row["notebook"], {}).setdefault(row["mode"], {})
    kinds = ("cold", "warm") if row["cache"] == "none" else (row["cache"],)
    for kind in kinds:
        slot[kind] = {k: row[k] for k in ("date", "seconds", "peak_mib", "trained", "loaded", "metrics")}
    path.write_text(json.dumps(runs, indent=1, sort_keys=True))


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


def same_figures(cold: dict, warm: dict) -> str:
    """``yes`` when a warm run recorded exactly the cold run's figures, else the names that differ."""
    names = sorted(set(cold) | set(warm))
    differ = [k for k in names if cold.get(k) != warm.get(k)]
    return "yes" if not differ else "no: " + ", ".join(differ[:4]) + (" ..." if len(differ) > 4 else "")


def results_markdown(rows: list[dict], runs: dict | None = None) -> str:
    """The results table as Markdown: wall time and status per notebook, then each notebook's figures.

    With ``runs`` (``build/runs.json``), a second table gives each notebook's latest cold and warm times.
    """
    lines = [
        "# Course results",
        "",
        f"Machine: {machine_description()}.",
        "",
        "| notebook | mode | date | wall time | cache | peak RAM | status |",
        "|---|---|---|---:|---|---:|---|",
    ]
    lines += [
        f"| {r['notebook']} | {r['mode']} | {r['date']} | {r['seconds']:.0f} s | {r.get('cache', 'n/a')} | "
        f"{_mib(r.get('peak_mib'))} | {r['status']} |"
        for r in rows
    ]
    total = sum(r["seconds"] for r in rows)
    lines += [f"| **total** | | | **{total:.0f} s** | | | |", ""]
    if runs:
        lines += [
            "## Cold and warm",
            "",
            "Cold: the notebook trained its models. Warm: it loaded every one of them from the trained-model cache.",
            "",
            "| notebook | mode | cold | warm | warm figures = cold figures |",
            "|---|---|---:|---:|---|",
        ]
        totals = {"cold": 0.0, "warm": 0.0}
        for r in rows:
            slot = runs.get(r["notebook"], {}).get(r["mode"], {})
            cold, warm = slot.get("cold"), slot.get("warm")
            for kind, run in (("cold", cold), ("warm", warm)):
                totals[kind] += run["seconds"] if run else 0.0
            cold_s = f"{cold['seconds']:.0f} s" if cold else "not run"
            warm_s = f"{warm['seconds']:.0f} s" if warm else "not run"
            equal = same_figures(cold["metrics"], warm["metrics"]) if cold and warm else "n/a"
            lines.append(f"| {r['notebook']} | {r['mode']} | {cold_s} | {warm_s} | {equal} |")
        lines += [f"| **total** | | **{totals['cold']:.0f} s** | **{totals['warm']:.0f} s** | |", ""]
    for r in rows:
        lines += [f"## {r['notebook']}", ""]
        if r["metrics"]:
            lines += ["| figure | value |", "|---|---:|"]
            lines += [f"| {k} | {_fmt(v)} |" for k, v in sorted(r["metrics"].items())]
        else:
            lines.append("(no figures recorded)")
        lines.append("")
    return "\n".join(lines)


EXPECTED = ROOT / "course_utils" / "expected_times.json"


def record_expected(runs: dict, path: Path = EXPECTED) -> Path:
    """Write the full-mode cold and warm time and peak RAM of every notebook measured both ways.

    Raises
    ------
    ValueError
        If a notebook of the course has no full-mode cold and warm run in ``runs``.
    """
    notebooks = {}
    for nb in sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        slot = runs.get(nb, {}).get("full", {})
        if "cold" not in slot or "warm" not in slot:
            raise ValueError(
                f"{nb} has no full-mode {'cold' if 'cold' not in slot else 'warm'} run in runs.json"
            )
        cold, warm = slot["cold"], slot["warm"]
        peak = max(r["peak_mib"] or 0 for r in (cold, warm)) / 1024
        notebooks[nb[:2]] = {
            "cold_s": round(cold["seconds"]),
            "warm_s": round(warm["seconds"]),
            "peak_gib": round(peak, 1),
            "trains": cold["trained"] > 0,
            "date": cold["date"],
        }
    machine = machine_description().split(";")[0]
    table = {"machine": machine, "date": max(r["date"] for r in notebooks.values()), "notebooks": notebooks}
    path.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["full", "smoke"], default="full")
    parser.add_argument("--only", nargs="*", default=None, help="notebook number prefixes, e.g. 00 03")
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    parser.add_argument(
        "--record-expected",
        action="store_true",
        help="after the run, write the full-mode cold and warm times of build/runs.json into "
        "course_utils/expected_times.json (what each notebook's setup cell prints)",
    )
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
    runs_file = args.build / "runs.json"
    runs = json.loads(runs_file.read_text()) if runs_file.is_file() else None
    report.write_text(results_markdown(collect(args.build), runs))
    print(f"wrote {report}")
    if args.record_expected:
        print(f"wrote {record_expected(runs or {})}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
