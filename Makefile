# Khusela: `make run` serves the app with demo data; `make test` runs every check.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
PYTEST_ARGS ?=
# pytest-xdist processes per database run: 2 on a 2-core machine (README, "Testing", has the timings).
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -q -n $(PYTEST_WORKERS)
# Some machines set PYTHONDONTWRITEBYTECODE, which also stops pytest caching its rewritten test
# modules: every run, in every worker, would rewrite all of them again (about 6 s).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test lint typecheck migrations-check test-sqlite test-postgres system-packages bench clean

$(BIN)/python:
	python3 -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# `make run ORGANISATION=municipality`: the Thabachweu Local Municipality's demo, in a database of its own.
ORGANISATION ?= province
ifeq ($(ORGANISATION),municipality)
run: export DATABASE_URL ?= sqlite:///$(CURDIR)/instance/municipality.db
endif
run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty --organisation $(ORGANISATION)
	@echo
	@$(FLASK) demo-logins --organisation $(ORGANISATION)
	@echo "Khusela is starting on http://127.0.0.1:$(PORT)  (Ctrl+C stops it and its scheduler)"
	@# The scheduled jobs run in their own process next to gunicorn (its workers never run them).
	@$(FLASK) scheduler run --standby & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null || true' EXIT; \
	$(BIN)/gunicorn --workers 2 --threads 2 --timeout 120 --bind 127.0.0.1:$(PORT) \
		--access-logfile - wsgi:app

system-packages:
	scripts/ensure-system-packages

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .

# mypy over app/ (pyproject.toml, [tool.mypy], lists the modules still excluded).
typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

# The models and migrations/ must agree: upgrade a fresh database, then ask Alembic for drift.
migrations-check: $(VENV)/.dev-installed
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	DATABASE_URL="sqlite:///$$tmp/check.db" $(FLASK) db upgrade >/dev/null 2>&1 && \
	DATABASE_URL="sqlite:///$$tmp/check.db" $(FLASK) db check 2>&1 | tail -1

test-sqlite: $(VENV)/.dev-installed
	KHUSELA_REQUIRE_BROWSER=1 $(PYTEST) $(PYTEST_ARGS)

test-postgres: $(VENV)/.dev-installed
	KHUSELA_REQUIRE_BROWSER=1 scripts/with-postgres $(PYTEST) $(PYTEST_ARGS)

test:
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory system-packages lint typecheck migrations-check test-sqlite test-postgres; \
	echo "All checks passed on SQLite and PostgreSQL in $$(( $$(date +%s) - start )) s."

bench: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/artifacts
