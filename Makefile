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
## servers) on TEST_WORKERS xdist workers (0: one process).
TEST_WORKERS ?= 2
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
