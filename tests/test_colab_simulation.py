"""A fresh Google Colab runtime, simulated as far as this machine allows (``tools/colab_check.py``).

A new virtual environment gets Python 3.13 and only what Colab preinstalls, at Colab's versions
(``tools/colab-requirements.txt``: TensorFlow 2.20, Keras 3.13, NumPy 2.1, OpenCV 5, ipywidgets 7 …); then the
student editions of notebooks 00 (the tour, with imgaug's salt-and-pepper) and 08 (the VAE: a custom ``train_step``
and the ipywidgets latent explorer) run in it — what a student's Colab badge opens — each from its own Colab setup cell, which installs the
committed ``course_utils`` and ``imaug`` with ``--no-deps``. The test fails if a notebook raises, if the setup
cell changed any preinstalled package, or if a blank answer's check did not print its ✗ line
(``tests/test_student_runs.py`` leaves these two editions to this test on CI). The one difference of Colab's Keras
that the course meets, activity regularizers (Keras 3.13 adds their value as it is, 3.14 and later divide it by the
batch size: notebook 05), is checked directly under Colab's Keras, in seconds. The full notebooks, solutions
included, run there too with ``make colab-check``.

This is the one test that uses the network: pip fills the simulated runtime from the package index (the course's
data still comes from the offline copy). The environment is kept in ``build/colab/venv`` and reused while
``colab-requirements.txt`` is unchanged. Where the index cannot be reached the test is skipped on a laptop and
fails on CI (``CI`` set), where the package registries are open.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from tests.helpers import skip_here_fail_on_ci
from tests.test_student_runs import IN_COLAB_TEST, assert_blank_checks

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import colab_check  # noqa: E402

BUILD = ROOT / "build" / "colab"
NOTEBOOKS = ["00", "08"]  # 10-40 s each in smoke mode; the others run with `make colab-check ONLY=...`


def test_the_editions_left_to_this_test_are_the_ones_it_runs():
    assert IN_COLAB_TEST <= set(NOTEBOOKS)


def _index_reachable() -> bool:
    """Can pip fetch ``imaug`` (the package the setup cell installs from the index)?"""
    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-cache-dir",
                "-d",
                tmp,
                "imaug",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    return res.returncode == 0


def _require(condition: bool, why: str) -> None:
    if not condition:
        skip_here_fail_on_ci(why)


@pytest.fixture(scope="module")
def colab_python() -> Path:
    python = colab_check.find_python313()
    probe = subprocess.run([python, "--version"], capture_output=True, text=True)
    _require(
        probe.returncode == 0 and probe.stdout.startswith("Python 3.13"),
        f"no Python 3.13 interpreter to simulate Colab with ({python!r}: {probe.stdout or probe.stderr})",
    )
    _require(_index_reachable(), "the package index is unreachable, so a Colab runtime cannot be simulated")
    py = colab_check.build_env(BUILD / "venv", python)
    colab_check.reset(py)  # a reused environment: drop what an earlier run's setup cell installed
    return py


# One process under the simulated runtime: its versions, and what the course's sparsity penalties add to the loss
# there (Keras 3.13 adds an activity regularizer's value as it is, 3.14 and later divide it by the batch size; the
# course's regularizers make up for it, so a sparsity weight weighs the same under either: notebook 05).
_PROBE = """
import json, sys
import cv2, ipywidgets, keras, numpy as np, tensorflow
from course_utils import regularizers as reg

added = []
for batch in (4, 32):
    x = np.random.default_rng(2).normal(size=(batch, 6)).astype("float32")
    for regularizer, act, penalty in [
        (reg.L1Activity(0.01), "relu", reg.l1_activity),
        (reg.KLSparsity(0.01, rho=0.05), "sigmoid", lambda z: reg.kl_sparsity(0.05, reg.mean_activation(z))),
    ]:
        layer = keras.layers.Dense(5, activation=act, activity_regularizer=regularizer)
        z = layer(x)
        added.append([batch, float(layer.losses[0]), 0.01 * float(penalty(z))])
versions = [sys.version_info[:2], np.__version__, tensorflow.__version__, keras.__version__, cv2.__version__,
            ipywidgets.__version__]
print(json.dumps({"versions": versions, "divides": reg.keras_divides_activity_penalty_by_batch(), "added": added}))
"""


@pytest.fixture(scope="module")
def probe(colab_python, tmp_path_factory) -> dict:
    res = subprocess.run(
        [str(colab_python), "-c", _PROBE],
        capture_output=True,
        text=True,
        cwd=tmp_path_factory.mktemp("probe"),
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_simulated_runtime_has_colabs_versions(colab_python, probe):
    py, numpy, tf, keras, cv2, widgets = probe["versions"]
    assert tuple(py) == (3, 13)
    assert numpy.startswith("2.1.") and tf.startswith("2.20.") and keras.startswith("3.13.")
    assert cv2.startswith("5.") and widgets.startswith("7.")
    # the course itself is not preinstalled: the notebook's setup cell has to bring it
    res = subprocess.run(
        [str(colab_python), "-c", "import course_utils"], capture_output=True, text=True, cwd=BUILD / "venv"
    )
    assert res.returncode != 0


def test_sparsity_penalties_weigh_the_same_under_colabs_keras(probe):
    assert probe["versions"][3].startswith("3.13.") and probe["divides"] is False, probe
    for batch, loss, expected in probe["added"]:
        assert loss == pytest.approx(expected, rel=1e-5), (
            f"batch {batch}: the layer added {loss}, not {expected}"
        )


def test_notebook_runs_from_its_setup_cell_in_a_fresh_colab(colab_python):
    res = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "colab_check.py"),
            "--only",
            *NOTEBOOKS,
            "--edition",
            "student",
            "--build",
            str(BUILD),
        ],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    for number in NOTEBOOKS:
        name = next((ROOT / "student").glob(f"{number}_*.ipynb")).name
        line = next((ln for ln in res.stdout.splitlines() if ln.startswith(f"{name}: ok")), "")
        # the setup cell really installed the course and imaug (it only installs where google.colab imports)
        added = line.partition("(added: ")[2].lower().replace("_", "-")
        assert "course-utils" in added and "imaug" in added, res.stdout
        executed = nbformat.read(BUILD / ("executed_" + name), as_version=4)
        figures = sum("image/png" in o.get("data", {}) for c in executed.cells for o in c.get("outputs", []))
        assert figures >= 1
        assert_blank_checks(executed, f"{name} in the Colab simulation")
