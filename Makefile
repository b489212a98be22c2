# Ribambelle: `make demo` and `make test` work on a fresh machine with Python >= 3.12.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# First interpreter >= 3.12 that actually runs (pyenv shims exist for versions that are not enabled).
PYTHON ?= $(shell for c in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 python3; do \
	  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then command -v $$c; break; fi; done)
BENCH_HOUSEHOLDS ?= 5000
# The Nu HTML Checker (npm package vnu-jar, run with Java) for the tests; without npm the test
# that runs it skips, except in CI.
NPM := $(shell command -v npm 2>/dev/null)

.PHONY: demo test lint format bench rush messages clean

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python >= 3.12 introuvable (python3.13, python3.12 ou pyenv)." >&2; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# make demo PORT=8080: the server's port, and the address put in the demo's e-mail links.
PORT ?= 8000
DEMO_URL ?= http://127.0.0.1:$(PORT)
DEMO_ENV := DEBUG=1 SITE_URL=$(DEMO_URL)

demo: $(VENV)/.installed
	$(BIN)/python -m ribambelle.core.catalogues
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Ribambelle tourne sur $(DEMO_URL)/demo/"
	@echo "  Boîte aux lettres de développement : $(DEMO_URL)/dev/courriels/"
	@echo ""
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed
	@if [ -n "$(NPM)" ]; then $(MAKE) --no-print-directory node_modules/.installed; fi
	$(BIN)/python -m ribambelle.core.catalogues
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# mypy loads the settings through django-stubs: production settings want a SECRET_KEY.
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SECRET_KEY=$${SECRET_KEY:-lint-not-a-secret} $(BIN)/mypy ribambelle

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Page timings and query counts in-process (docs/performance.md); BENCH_ARGS="--http" measures the
# pages over HTTP against gunicorn too, e.g. make bench BENCH_HOUSEHOLDS=300 BENCH_ARGS="--repeat 5 --http".
bench: $(VENV)/.installed
	SECRET_KEY=$${SECRET_KEY:-bench-not-a-secret} RIBAMBELLE_VAR_DIR=$${RIBAMBELLE_VAR_DIR:-var/bench} $(BIN)/python manage.py bench --households $(BENCH_HOUSEHOLDS) $(BENCH_ARGS)

# The deadline rush (docs/performance.md): gunicorn on PostgreSQL, 200 parents over 60 s by default;
# e.g. make rush RUSH_ARGS="--parents 20 --seconds 10 --households 300", or --restart, --kill-worker.
RUSH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ribambelle_rush
rush: $(VENV)/.installed
	DATABASE_URL=$(RUSH_DATABASE_URL) SECRET_KEY=$${SECRET_KEY:-rush-not-a-secret} RIBAMBELLE_VAR_DIR=$${RIBAMBELLE_VAR_DIR:-var/rush} $(BIN)/python manage.py rush $(RUSH_ARGS)

messages: $(VENV)/.installed
	cd ribambelle && ../$(BIN)/django-admin makemessages -l en --no-obsolete --ignore 'tests/*' --ignore '*/tests/*' --ignore 'testing/*'
	$(BIN)/python -m ribambelle.core.catalogues

# --ignore-scripts: vnu-jar's install script would download a Java runtime; the system's is used.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

clean:
	rm -rf $(VENV) var .pytest_cache node_modules
