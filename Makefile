# Entry points: make test, make run (local stack), make lint, make build, make deploy, make bench.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Lambda runtime is python3.12: the first python3.12 that runs, from PATH, else the newest pyenv 3.12.x.
# (A pyenv shim can be on PATH and still fail, so each candidate is tried, not just found.)
PYTHON312 := $(firstword $(foreach p,$(shell command -v python3.12 2>/dev/null) $(shell ls -d $$(pyenv root 2>/dev/null)/versions/3.12.*/bin/python3.12 2>/dev/null | sort -V -r),$(shell $(p) -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && echo $(p))))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# sam build looks for python3.12 on PATH.
SAM_PATH := $(dir $(PYTHON312)):$(abspath $(BIN)):$(PATH)

.PHONY: help venv test unit integration e2e lint validate build deploy run bench clean openapi

help:
	@echo "make run      - the whole service locally (see README)"
	@echo "make test     - lint, template validation, unit and integration tests"
	@echo "make build    - sam build"
	@echo "make deploy   - sam build && sam deploy --guided"
	@echo "make bench    - throughput and memory on the local stack (BENCH_ARGS=\"--rows 200000\", see bench/README.md)"

# pip's output (on these machines ~160 lines of warnings, which --quiet keeps) goes to
# .venv/install.log: only its errors reach the terminal, and a failed install fails the make.
$(STAMP): requirements-dev.txt layers/common/requirements.txt pyproject.toml
	@test -n "$(PYTHON312)" || { echo "python3.12 not found on PATH or under pyenv"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON312) -m venv $(VENV)
	scripts/quietly $(VENV)/install.log $(BIN)/python -m pip install --quiet --upgrade pip
	scripts/quietly $(VENV)/install.log $(BIN)/python -m pip install --quiet -r requirements-dev.txt
	scripts/quietly $(VENV)/install.log $(BIN)/python -m pip install --quiet --no-deps -e .   # the csvimport command
	@touch $@

venv: $(STAMP)

# In-process tests (moto in each process) run on every core; the end-to-end tests, which start
# local stacks and watch imports in real time, run one at a time after them.
test: $(STAMP) lint validate
	@scripts/ensure-chromium
	$(BIN)/python -m pytest -n auto tests/unit tests/integration tests/cli
	$(BIN)/python -m pytest tests/e2e

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration tests/cli

e2e: $(STAMP)
	@scripts/ensure-chromium
	$(BIN)/python -m pytest tests/e2e

# The OpenAPI document is generated from the handlers and committed (tests/integration/test_openapi.py
# fails when it is stale).
openapi: $(STAMP)
	PYTHONPATH=layers/common $(BIN)/python -m devstack.openapi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy -p ingestion
	cd layers/common && ../../$(BIN)/lint-imports --config ../../pyproject.toml

validate: $(STAMP)
	PATH="$(SAM_PATH)" SAM_CLI_TELEMETRY=0 $(BIN)/sam validate --lint --region eu-west-2

build: $(STAMP)
	PATH="$(SAM_PATH)" SAM_CLI_TELEMETRY=0 $(BIN)/sam build

deploy: build
	PATH="$(SAM_PATH)" SAM_CLI_TELEMETRY=0 $(BIN)/sam deploy --guided

run: $(STAMP)
	$(BIN)/python -m devstack $(RUN_ARGS)

# Measures, asserts nothing: prints a table and writes bench/results.json (bench/README.md).
bench: $(STAMP)
	PYTHONPATH=layers/common $(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .ruff_cache
