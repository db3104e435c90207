# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# `make notebooks` executes notebooks/*.ipynb again from notebooks/build.py, `make docs`
# builds the documentation site into build/site (strict), `make dist` the wheel and sdist.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test bench lint format dot clean notebooks docs dist

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[plot,dev]'
	touch $(STAMP)

# Graphviz's `dot` renders the pictures. Installed with apt-get when we are root, else a hint.
dot:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Graphviz (dot) with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	else \
	  echo "Graphviz's dot is missing; pictures will be written as .dot only."; \
	  echo "  install it with: sudo apt-get install graphviz  (macOS: brew install graphviz; conda: conda install graphviz)"; \
	fi

demo: $(STAMP) dot
	$(PY) -m autograd_dnn demo --out out/

test: $(STAMP) dot
	$(PY) -m pytest -n 2 tests

# the frameworks the benchmarks compare with: for benchmarks only, never the package's dependencies
bench: $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check autograd mygrad torch==2.13.0
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m benchmarks.ops
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m benchmarks.train_step
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m benchmarks.overhead
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m benchmarks.gradcheck
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m benchmarks.sweep
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m benchmarks.conv --quick
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m benchmarks.rnn

notebooks: $(STAMP) dot
	$(PY) notebooks/build.py

docs: $(STAMP)
	$(PY) -m mkdocs build --strict

dist: $(STAMP)
	rm -rf dist
	$(PY) -m build --outdir dist .
	$(PY) -m twine check --strict dist/*

LINTED := autograd_dnn viz tests benchmarks examples notebooks/build.py

lint: $(STAMP)
	$(PY) -m ruff check $(LINTED)
	$(PY) -m ruff format --check $(LINTED)
	$(PY) -m mypy autograd_dnn viz

format: $(STAMP)
	$(PY) -m ruff format $(LINTED)
	$(PY) -m ruff check --fix $(LINTED)

clean:
	rm -rf $(VENV) out build dist *.egg-info .pytest_cache .hypothesis
