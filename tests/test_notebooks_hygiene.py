"""Every notebook is stored clean and starts the same way (title, badge, setup cell, objectives, setup())."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import stamp_notebooks  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FORBIDDEN = {
    "tf.compat.v1": "TF1 API",
    "add_loss(": "add_loss on symbolic tensors (use a custom train_step / compute_loss)",
    "layers.Lambda(": "Lambda layers around Python functions (write a small Layer)",
    "jit_compile=True": "XLA (6x slower for small convnets on CPU)",
    "verbose=1": "Keras progress bars (they store backspaces in outputs); use verbose=0 or 2",
}


def test_notebooks_are_numbered_from_00_in_course_order():
    """NN_name.ipynb, unique numbers from 00 (a lesson not written yet leaves its number free)."""
    assert NOTEBOOKS, "no notebooks"
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers[0] == 0 and len(set(numbers)) == len(numbers) and numbers == sorted(numbers)
    for p in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name), p.name


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def nb(request):
    path = request.param
    return path, nbformat.read(path, as_version=4)


def test_notebook_is_valid_and_stored_without_outputs(nb):
    path, book = nb
    nbformat.validate(book)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip outputs"
    assert book.metadata.get("kernelspec", {}).get("name") == "python3"


def test_notebook_opens_with_title_badge_setup_and_objectives(nb):
    path, book = nb
    first = book.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {path.name[:2]} · ")
    assert stamp_notebooks.badge(stamp_notebooks.repository_url(), path.name) in first.source
    setup = [c for c in book.cells if stamp_notebooks.SETUP_TAG in c.metadata.get("tags", [])]
    assert len(setup) == 1 and setup[0].source == stamp_notebooks.setup_source(
        stamp_notebooks.repository_url()
    )
    text = "\n".join(c.source for c in book.cells[:4] if c.cell_type == "markdown")
    assert "What you will learn" in text
    code = [c.source for c in book.cells if c.cell_type == "code"]
    first_real = next(s for s in code if stamp_notebooks.SETUP_TAG not in s and "google.colab" not in s)
    assert "setup(seed=" in first_real, f"{path.name}: the first code cell after Colab's must call setup()"


def test_notebook_uses_modern_idioms_only(nb):
    path, book = nb
    source = "\n".join(c.source for c in book.cells if c.cell_type == "code")
    for needle, why in FORBIDDEN.items():
        assert needle not in source, f"{path.name} uses {needle}: {why}"


def test_notebooks_are_stamped_for_the_repository_in_pyproject():
    assert stamp_notebooks.main(["--check"]) == 0


import markdown_numbers  # noqa: E402


def test_markdown_holds_no_unmarked_measured_number(nb):
    """A number from a run is printed by the run; markdown keeps only marked constants, definitions and citations
    (``<!-- constant: 0.1 -->``, ``<!-- cited Burda et al. (2016): 86.76 -->``; see tools/markdown_numbers.py)."""
    path, _ = nb
    found = list(markdown_numbers.problems(path))
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        ("The model gains 4.9 dB.", "'4.9' looks measured"),
        ("It is about 30 times faster and 79 s long.", "'30' looks measured"),
        ("We use $p = 0.1$ here.", "'0.1' looks measured"),
        ("Burda reports 86.76. <!-- cited : 86.76 -->", "must name its source"),
        ("Noise p = 0.2. <!-- constant: 0.1 -->", "lists '0.1'"),
    ],
)
def test_markdown_number_check_catches_typed_numbers(tmp_path, source, complaint):
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source)])
    path = tmp_path / "99_x.ipynb"
    nbformat.write(book, path)
    assert any(complaint in line for line in markdown_numbers.problems(path))


def test_marked_constants_and_citations_pass(tmp_path):
    source = (
        "Noise $p = 0.1$, at most 10 minutes; Burda et al. report 86.76 nats; exercise 08.1; `lr = 2e-3`.\n"
        "<!-- constant: 0.1, 10 minutes -->\n<!-- cited Burda, Grosse & Salakhutdinov (2016), Table 1: 86.76 -->"
    )
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source)])
    path = tmp_path / "99_x.ipynb"
    nbformat.write(book, path)
    assert list(markdown_numbers.problems(path)) == []
