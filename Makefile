# One task runner for people and CI. `make demo` sets everything up and runs the
# main job; `make test` runs the whole suite. Both start Docker when needed.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
SCC := $(VENV)/bin/scc
# TLS-intercepting networks need their CA inside builds and sandboxes; by
# default trust the host's own bundle.
SCC_CA_CERT ?= $(wildcard /etc/ssl/certs/ca-certificates.crt)
export SCC_CA_CERT

.PHONY: setup venv docker images demo test test-fast lint format bench clean

setup: docker venv images

docker:
	@bash scripts/ensure-docker.sh

$(VENV)/.installed: pyproject.toml guard/pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed

images: docker venv
	@$(SCC) image build all

demo: setup
	@$(PY) scripts/demo.py

test: setup
	@$(PY) -m pytest $(PYTEST_ARGS)

test-fast: venv
	@$(PY) -m pytest -m 'not docker' $(PYTEST_ARGS)

lint: venv
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy

format: venv
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

bench: setup
	@$(PY) scripts/bench.py $(BENCH)

clean:
	@$(SCC) prune --all || true
