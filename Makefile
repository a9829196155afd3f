# Two commands do everything on a fresh machine:  make run  and  make test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?=
ARGS ?=

.PHONY: run test test-slow lab lint format lock env bench clean synth

env: $(STAMP)

# (Re)build the environment when it is missing or when the pins or project metadata change.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name etwin --display-name "Python (etwin)" >/dev/null
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/etwin run --plan notebooks/runs.yaml --out reports $(if $(JOBS),--jobs $(JOBS)) $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 $(ARGS)

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow -n 2 $(ARGS)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the data bundled with the repository from its recorded seed.
synth: $(STAMP)
	$(BIN)/etwin synth --seed 2023 --out data/synthetic

lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock.new
	( echo '# Exact versions of every package in the environment (pip freeze). `make` installs from this file.'; \
	  echo '# Regenerate with `make lock` after changing dependencies in pyproject.toml.'; \
	  cat requirements.lock.new ) > requirements.lock && rm requirements.lock.new

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf reports .pytest_cache .ruff_cache
