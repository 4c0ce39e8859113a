# Entry points: `make` lists them (each target with a "## " note); make run and make test are the two that matter.
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

# `make` or `make help` lists the targets that carry a "## " note (the README's Development table is
# the same list: tests/unit/test_makefile.py keeps them one).
help:
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z0-9-]+):.*## /\1\t/' | \
		awk -F'\t' '{ line = sprintf("make %-11s %s", $$1, $$2) } \
			$$1 == "run" || $$1 == "test" { print line; next } { rest = rest line "\n" } END { printf "%s", rest }'

# pip's output (on these machines ~160 lines of warnings, which --quiet keeps) goes to
# .venv/install.log: only its errors reach the terminal, and a failed install fails the make.
$(STAMP): requirements-dev.txt layers/common/requirements.txt pyproject.toml
	@test -n "$(PYTHON312)" || { echo "python3.12 not found on PATH or under pyenv"; exit 1; }
	@echo "building $(VENV) from the pinned requirements (first run only: about a minute; pip's output goes to $(VENV)/install.log)"
	@test -x $(BIN)/python || $(PYTHON312) -m venv $(VENV)
	@echo "  1/3 pip itself"
	@scripts/quietly $(VENV)/install.log $(BIN)/python -m pip install --quiet --upgrade pip
	@echo "  2/3 the service's and the tools' packages (requirements-dev.txt)"
	@scripts/quietly $(VENV)/install.log $(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@echo "  3/3 the csvimport command"
	@scripts/quietly $(VENV)/install.log $(BIN)/python -m pip install --quiet --no-deps -e .
	@echo "$(VENV) is ready"
	@touch $@

venv: $(STAMP) ## the virtualenv alone (.venv, from the pinned requirements; make run and make test build it too)

# In-process tests (moto in each process) run on every core; then the end-to-end tests, which start
# local stacks and watch imports in real time, two at a time (each worker its own local stack: they
# mostly wait on imports, so two share 2 cores without slowing each other much).
test: $(STAMP) lint validate ## everything CI runs (.ci/run calls it): lint, validate, unit, integration, CLI, e2e and browser tests (about 15 minutes on 2 cores)
	@scripts/ensure-chromium
	$(BIN)/python -m pytest -n auto tests/unit tests/integration tests/cli
	$(BIN)/python -m pytest -n 2 tests/e2e

unit: $(STAMP) ## the unit tests (pure logic, no AWS)
	$(BIN)/python -m pytest tests/unit

integration: $(STAMP) ## the integration and CLI tests (the real handlers in-process against moto)
	$(BIN)/python -m pytest tests/integration tests/cli

e2e: $(STAMP) ## the end-to-end and browser tests (HTTP against local stacks, two at a time; about 6 minutes)
	@scripts/ensure-chromium
	$(BIN)/python -m pytest -n 2 tests/e2e

# The OpenAPI document is generated from the handlers and committed (tests/integration/test_openapi.py
# fails when it is stale).
openapi: $(STAMP) ## regenerate functions/status/openapi.json from the handlers
	PYTHONPATH=layers/common $(BIN)/python -m devstack.openapi

lint: $(STAMP) ## ruff check, ruff format --check, mypy on the layer, the import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy -p ingestion
	cd layers/common && ../../$(BIN)/lint-imports --config ../../pyproject.toml

validate: $(STAMP) ## sam validate --lint on template.yaml
	PATH="$(SAM_PATH)" SAM_CLI_TELEMETRY=0 $(BIN)/sam validate --lint --region eu-west-2

build: $(STAMP) ## sam build
	PATH="$(SAM_PATH)" SAM_CLI_TELEMETRY=0 $(BIN)/sam build

deploy: build ## sam build, then sam deploy --guided (docs/deploy.md)
	PATH="$(SAM_PATH)" SAM_CLI_TELEMETRY=0 $(BIN)/sam deploy --guided

run: $(STAMP) ## the whole service locally, a line per job event (RUN_ARGS=--verbose for the JSON lines; docs/local.md)
	$(BIN)/python -m devstack $(RUN_ARGS)

# Measures, asserts nothing: prints a table and writes bench/results.json (bench/README.md).
bench: $(STAMP) ## throughput, memory and cost of an import on the local stack (BENCH_ARGS="--rows 200000"; bench/README.md)
	PYTHONPATH=layers/common $(BIN)/python -m bench $(BENCH_ARGS)

clean: ## remove .venv and the build and tool caches
	rm -rf $(VENV) .aws-sam .pytest_cache .ruff_cache
