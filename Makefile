# The course's commands. `make lab` to learn, `make test` to check everything (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.installed
# The notebook tools (stamp, student) need only nbformat and nbconvert, not the 3.5 GB course environment.
TOOLS_READY := $(VENV)/.tools-installed
# JupyterLab refuses to start as root (containers, lab images) unless told it may.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
# Notebooks run in parallel on 3 workers, one more than the reference machine's 2 cores: the simulated Colab's
# downloads and the kernels' start-ups wait on the network and the disk, and a third worker fills that time (9 min
# 52 s against 10 min 45 s with 2, from a clean clone and a cold uv cache). Each notebook stays on one worker (its
# cells run in order). The order is conftest.py's (longest notebooks first, the book last): xdist would otherwise
# sort modules by their test count.
PYTEST_NOTEBOOKS := --nbval-lax --nbval-current-env -n 3 --dist loadscope --no-loadscope-reorder

.PHONY: install lab test unit notebooks course pretrained check-machine site student assignment data stamp colab-check reproducible lint benchmark clean

$(READY): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# uv fills the 3.3 GB environment in about 30 s (pip: 70 s or more), trusting the system's certificates as pip
	# does; where uv cannot be had or fails, pip installs the same (--no-compile: Python compiles what it imports
	# on first use; compiling all 3 GB up front costs ~20 s)
	( $(BIN)/python -m pip install -q uv && UV_SYSTEM_CERTS=1 UV_NATIVE_TLS=1 $(BIN)/uv pip install -q -p $(BIN)/python -e ".[dev]" ) \
		|| $(BIN)/python -m pip install -q --no-compile -e ".[dev]"
	touch $(READY)

install: $(READY)  ## create .venv and install the course with its test tools

$(TOOLS_READY):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "nbformat>=5.9" "nbconvert>=7.0"
	touch $(TOOLS_READY)

lab: install  ## open JupyterLab on the notebooks (full mode)
	$(BIN)/jupyter lab notebooks/ $(ROOT_FLAG)

test: install  ## unit tests + docstring examples + every notebook top to bottom in smoke mode (offline)
	COURSE_MODE=smoke COURSE_OFFLINE=1 $(BIN)/python -m pytest tests course_utils notebooks --doctest-modules $(PYTEST_NOTEBOOKS)

unit: install  ## unit tests only (without the notebook runs: student editions, nbgrader)
	COURSE_MODE=smoke COURSE_OFFLINE=1 $(BIN)/python -m pytest tests course_utils --doctest-modules -n 2 \
		--ignore=tests/test_student_runs.py --deselect tests/test_assignment.py::test_nbgrader_grades_the_solution_full_the_blank_zero_and_a_wrong_answer_partly

notebooks: install  ## notebooks only, smoke mode
	COURSE_MODE=smoke COURSE_OFFLINE=1 $(BIN)/python -m pytest notebooks $(PYTEST_NOTEBOOKS)

course: install  ## every notebook in full mode -> build/executed/, build/results.md (RETRAIN=1: ignore the model cache)
	$(if $(RETRAIN),COURSE_RETRAIN=1 )$(BIN)/python tools/run_course.py --mode full

pretrained: install  ## run the course in full mode, pack the trained models it used -> build/pretrained/course-models.tar
	$(BIN)/python tools/pretrained.py

# The notebook with the longest full-mode run and the largest peak RAM on the reference machine (README).
HEAVIEST ?= 03
check-machine: install  ## can this machine run the course? The heaviest notebook in full mode: time and peak RAM
	# it trains (COURSE_RETRAIN=1): a cached model would say nothing about this machine
	COURSE_RETRAIN=1 $(BIN)/python tools/run_course.py --mode full --only $(HEAVIEST) --build build/check-machine

site: install  ## the course book (Sphinx, offline) from build/executed/ -> build/site/ (MODE=smoke: execute in smoke mode first)
	$(if $(MODE),$(BIN)/python tools/run_course.py --mode $(MODE)$(if $(ONLY), --only $(ONLY)))
	$(BIN)/python tools/build_site.py

student: $(TOOLS_READY)  ## student editions (no solutions, badges opening themselves) -> student/ (tracked: commit it)
	$(BIN)/python tools/student_edition.py

assignment: install  ## nbgrader course folder: source/ and release/ of every notebook -> build/nbgrader/
	$(BIN)/python tools/assignment.py$(if $(ONLY), --only $(ONLY))

data: install  ## download MNIST and Fashion-MNIST into data/ (checksummed) for offline use
	$(BIN)/python -c "import course_utils.data as d; d.load_mnist(smoke=False); d.load_fashion_mnist(smoke=False); print('data/ is ready')"

stamp: $(TOOLS_READY)  ## re-stamp Colab badges and setup cells from pyproject's repository URL (and student/)
	$(BIN)/python tools/stamp_notebooks.py
	$(BIN)/python tools/student_edition.py

benchmark: install  ## time the helpers on this machine -> build/benchmarks.md
	$(BIN)/python tools/benchmark.py

colab-check: install  ## run notebooks (ONLY="00 05", MODE=full) in a simulated fresh Colab (Python 3.13, TF 2.20 ...); needs PyPI
	$(BIN)/python tools/colab_check.py --only $(or $(ONLY),00)$(if $(MODE), --mode $(MODE))

reproducible: install  ## do notebooks (ONLY="03 04") record the same figures on a quiet and a busy machine? (smoke)
	$(BIN)/python tools/reproducibility.py --only $(or $(ONLY),03 04)$(if $(MODE), --mode $(MODE))

lint: install
	$(BIN)/ruff check course_utils tests tools notebooks docs
	$(BIN)/ruff format --check course_utils tests tools notebooks docs

clean:
	rm -rf build .pytest_cache
