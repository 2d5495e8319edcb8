# 勤e家 backend. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: run test lint format migrate seed bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## Start the server: SQLite + embedded Redis + fake WeChat unless configured otherwise.
run: $(VENV)/.runtime
	$(PY) -m server migrate
	$(PY) -m server seed-demo
	$(PY) -m server run $(RUN_ARGS)

migrate: $(VENV)/.runtime
	$(PY) -m server migrate

seed: $(VENV)/.runtime
	$(PY) -m server seed-demo

## The whole test suite (SQLite by default; TEST_DATABASE_URL / TEST_REDIS_URLS to use
## servers) on TEST_WORKERS xdist workers (0: one process). Three on the 2-core machine:
## the walks and process tests wait on Chromium and servers, and a third worker fills
## that time (measured on an idle machine: 5 min 08 s with 3, 5 min 05 s with 4 at 8% more
## CPU). TEST_REDIS_URLS, when set, names one Redis database per worker.
TEST_WORKERS ?= 3
test: $(VENV)/.dev
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(VENV)/.dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(VENV)/.dev
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
