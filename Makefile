# Tutela: two commands on a fresh machine (see README.md).
#   make run   set everything up, load the demo operation, serve http://127.0.0.1:$(PORT) + worker
#   make test  set everything up and run the whole suite (lint, types, SQLite, PostgreSQL, browser)
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
XDIST ?= -n 2

.PHONY: run test setup lint typecheck test-sqlite test-postgres test-browser bench messages clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	bash scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

setup: $(STAMP) messages

# Compiled translations are build products (.mo files are not committed).
messages: $(STAMP)
	TUTELA_DEBUG=1 $(BIN)/tutela compilemessages -v0 --ignore '.venv'

run: setup
	PORT=$(PORT) bash scripts/run.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy tutela config

test-sqlite: setup
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/tutela makemigrations --check --dry-run -v0
	$(BIN)/pytest $(XDIST) -q

test-postgres: setup
	bash scripts/with-postgres.sh $(BIN)/pytest $(XDIST) -q -m "not browser and not schemathesis"

test: setup lint typecheck test-sqlite test-postgres

# Benchmarks print their figures (see bench/README.md), then one table of issue 18's goals
# (bench_summary.py). BENCH_SIZES: the 5W and monitoring sizes (1M takes long on 2 cores);
# BENCH_DIR: where the generated data and the figures are kept.
BENCH_SIZES ?= 20000 200000 1000000
BENCH_DIR ?= /tmp/tutela-bench
BENCH_ENV = TUTELA_BENCH_DIR=$(abspath $(BENCH_DIR))
bench: setup
	cd bench && for n in $(BENCH_SIZES); do $(BENCH_ENV) ../$(BIN)/python bench_5w_pivot.py --rows $$n || exit 1; done
	cd bench && $(BENCH_ENV) ../$(BIN)/python bench_5w_import.py
	cd bench && for n in $(BENCH_SIZES); do $(BENCH_ENV) ../$(BIN)/python bench_monitoring.py --rows $$n || exit 1; done
	cd bench && $(BENCH_ENV) bash ../scripts/with-postgres.sh sh -c \
	  'for n in $(BENCH_SIZES); do ../$(BIN)/python bench_5w_pivot.py --rows $$n || exit 1; done; \
	  ../$(BIN)/python bench_5w_import.py \
	  && for n in $(BENCH_SIZES); do ../$(BIN)/python bench_monitoring.py --rows $$n || exit 1; done'
	cd bench && $(BENCH_ENV) ../$(BIN)/python bench_summary.py


clean:
	rm -rf $(VENV) var/static .pytest_cache .mypy_cache .ruff_cache
