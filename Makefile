# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make run    serve the app on the embedded SQLite database
#   make test   run every test (installs Chromium and PostgreSQL if missing)
#   make serve-replicas DATABASE_URL=postgresql+psycopg://... [N=2] [PORT=8443]
#               N app processes behind nginx (HTTPS, sticky sessions) on one database (README)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
UV_VERSION := 0.13.9
export OVERSIGHT_DATA_DIR ?= $(abspath ../shared/data)

.PHONY: setup run serve-replicas test test-fast lint bench system-deps clean

AXE := tools/axe/node_modules/axe-core/axe.min.js

setup: $(STAMP)

# Bytecode is compiled at install (--compile-bytecode): where PYTHONDONTWRITEBYTECODE=1 is set (this
# machine), every process (the app, each command, each test server) would otherwise compile every
# module again at start-up, about 2 s each.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: setup
	$(BIN)/streamlit run app.py

# One process per core behind nginx, on one (PostgreSQL) database: `oversight serve`. The URL goes
# through the environment, not the command line, so its password is in neither make's echo nor `ps`.
N ?= 2
PORT ?= 8443
serve-replicas: setup
	@test -n "$(DATABASE_URL)" || { echo "make serve-replicas: set DATABASE_URL (e.g. postgresql+psycopg://user@host/db)" >&2; exit 2; }
	@echo "$(BIN)/oversight serve --processes $(N) --port $(PORT)"
	@OVERSIGHT_DATABASE_URL='$(DATABASE_URL)' $(BIN)/oversight serve --processes $(N) --port $(PORT)

system-deps:
	bash scripts/system-deps.sh

# axe-core for the accessibility audit, pinned with its integrity hash in tools/axe.
$(AXE): tools/axe/package.json tools/axe/package-lock.json
	cd tools/axe && npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

test: setup system-deps $(AXE)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# Without the browser and PostgreSQL tests (still run by `make test` and CI).
test-fast: setup
	$(BIN)/python -m pytest -m "not browser and not postgres"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup system-deps
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache tests/artifacts tools/axe/node_modules
