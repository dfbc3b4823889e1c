"""Simulate a fresh Colab runtime and run notebooks through their own Colab setup cell (``make colab-check``).

What is simulated: Python 3.13 with Colab's preinstalled stack at Colab's versions (``colab-requirements.txt``:
TensorFlow 2.20, Keras 3.13, NumPy 2.1, OpenCV 5 …) in a fresh virtual environment; ``google.colab`` imported at
kernel start (as in Colab), so each notebook's setup cell really runs its ``%pip install --no-deps`` line. What is
not: GitHub itself; the setup cell's ``git+https://github.com/OWNER/REPO@main`` is pointed at this checkout's
committed HEAD (``git+file://…``), so only committed work is tested. The simulated runtime and ``imaug`` come
from the package index, so this check needs it; ``tests/test_colab_simulation.py`` runs a few notebooks
(its ``NOTEBOOKS``) this way within ``make test``.

The check fails if a notebook raises, or if the setup cell changed any preinstalled package's version::

    python tools/colab_check.py --only 00 03                    # the full notebooks (strict self-checks)
    python tools/colab_check.py --only 05 --edition student     # what a student's badge opens: blank answers
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "tools" / "colab-requirements.txt"

RUNNER = textwrap.dedent(
    """
    import json, re, subprocess, sys
    import nbformat
    from nbclient import NotebookClient

    def freeze():
        out = subprocess.run([sys.executable, "-m", "pip", "freeze"], capture_output=True, text=True).stdout
        # "name==version", or "name @ git+file://..." for what pip installed from a URL (the course itself)
        return dict(re.split(r"==| @ ", line, maxsplit=1) for line in out.splitlines() if re.search("==| @ ", line))

    path, out_path = sys.argv[1], sys.argv[2]
    nb = nbformat.read(path, as_version=4)
    before = freeze()
    NotebookClient(nb, timeout=1800, kernel_name="python3").execute()
    after = freeze()
    nbformat.write(nb, out_path)
    changed = {k: (before[k], after.get(k)) for k in before if after.get(k) != before[k]}
    added = sorted(set(after) - set(before))
    print(json.dumps({"changed": changed, "added": added}))
    """
)


def find_python313() -> str:
    """A real Python 3.13 interpreter (pyenv's shims only work where pyenv selects that version)."""
    for candidate in sorted(Path.home().glob(".pyenv/versions/3.13*/bin/python3.13")):
        return str(candidate)
    return shutil.which("python3.13") or "python3.13"


def build_env(venv: Path, python: str) -> Path:
    """Create (or reuse) the Colab-like venv; return its python."""
    marker = venv / ".requirements"
    wanted = REQUIREMENTS.read_text()
    py = venv / "bin" / "python"
    if marker.is_file() and marker.read_text() == wanted and py.exists():
        return py
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    # uv (the test extra has it) fills the 2.7 GB runtime in about 10 s where pip takes about 50 s, and compiles
    # nothing up front either. It trusts the system's certificate store (a proxy's CA, as pip.conf's `cert` does);
    # if it fails for any reason, pip does the job. The venv keeps its own pip: the setup cells use %pip.
    env = dict(os.environ, UV_SYSTEM_CERTS="1", UV_NATIVE_TLS="1")
    install = [uv, "pip", "install", "-q", "-p", str(py), "--upgrade", "pip", "-r", str(REQUIREMENTS)]
    if uv is None or subprocess.run(install, env=env).returncode != 0:
        if uv is not None:
            print("uv could not fill the simulated runtime; pip does it instead", file=sys.stderr)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        # --no-compile: only what the notebooks import gets compiled, on first use (saves ~20 s of a fresh build)
        subprocess.run(
            [str(py), "-m", "pip", "install", "-q", "--no-compile", "-r", str(REQUIREMENTS)], check=True
        )
    marker.write_text(wanted)
    return py


def reset(py: Path) -> None:
    """Back to Colab's preinstalled stack: uninstall what a notebook's setup cell installed."""
    subprocess.run([str(py), "-m", "pip", "uninstall", "-q", "-y", "course-utils", "imaug"], check=False)


def fake_colab(sim: Path) -> dict[str, str]:
    """A ``google.colab`` namespace module and an IPython startup file that imports it, as Colab does."""
    pkg = sim / "site" / "google" / "colab"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text('"""Stand-in for Colab\'s module (simulation)."""\n')
    startup = sim / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-colab.py").write_text("import google.colab  # noqa: F401\n")
    return {"PYTHONPATH": str(sim / "site"), "IPYTHONDIR": str(sim / "ipython")}


def localize(nb_path: Path, dest: Path, commit: str) -> None:
    """Point the setup cell's GitHub URL at this checkout's commit."""
    text = nb_path.read_text()
    text, n = re.subn(r"git\+https://github\.com/[\w.-]+/[\w.-]+@main", f"git+file://{ROOT}@{commit}", text)
    if n != 1:
        raise ValueError(f"{nb_path.name}: expected one Colab install line, found {n}")
    dest.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=["00"], help="notebook number prefixes (default: 00)")
    parser.add_argument("--python", default=find_python313())
    parser.add_argument("--build", type=Path, default=ROOT / "build" / "colab")
    parser.add_argument("--mode", choices=["smoke", "full"], default="smoke")
    parser.add_argument(
        "--edition",
        choices=["notebooks", "student"],
        default="notebooks",
        help="notebooks/ (with solutions; a check that is not ✓ fails) or student/ (blank answers print ✗)",
    )
    args = parser.parse_args(argv)
    args.build = args.build.resolve()

    py = build_env(args.build / "venv", args.python)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    env = dict(os.environ, COURSE_MODE=args.mode, **fake_colab(args.build / "sim"))
    for name in (
        "VIRTUAL_ENV",
        "MPLBACKEND",
        "COURSE_RESULTS_FILE",
        "COURSE_STRICT_CHECKS",
    ):  # not set in Colab (the tests set MPLBACKEND and strict checks)
        env.pop(name, None)
    if args.edition == "notebooks":  # the solutions must all be ✓
        env["COURSE_STRICT_CHECKS"] = "1"
    (args.build / "run.py").write_text(RUNNER)
    content = args.build / "sim" / "content"
    content.mkdir(parents=True, exist_ok=True)
    failures = 0
    for path in sorted((ROOT / args.edition).glob("[0-9][0-9]_*.ipynb")):
        if path.name[:2] not in set(args.only):
            continue
        reset(py)  # each notebook starts from Colab's stack
        src = args.build / path.name
        localize(path, src, commit.stdout.strip())
        res = subprocess.run(
            [str(py), str(args.build / "run.py"), str(src), str(args.build / ("executed_" + path.name))],
            env=env,
            cwd=content,  # like Colab's /content: not this checkout, whose course_utils/ would shadow the install
            capture_output=True,
            text=True,
        )
        if res.returncode != 0:
            failures += 1
            print(f"{path.name}: FAILED\n{res.stderr[-3000:]}")
            continue
        report = json.loads(res.stdout.strip().splitlines()[-1])
        bad = {k: v for k, v in report["changed"].items() if k.lower().replace("_", "-") != "course-utils"}
        if bad:
            failures += 1
            print(f"{path.name}: the setup cell changed preinstalled packages: {bad}")
        else:
            print(
                f"{path.name}: ok in the Colab simulation (added: {', '.join(report['added']) or 'nothing'})"
            )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
