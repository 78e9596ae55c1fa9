# Two commands matter: `make run` and `make test`. Everything they need is installed from here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres lint bench bench-quick install services browser clean messages catalogues screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) catalogues

# The Russian catalogues (.po, in the repo) compiled into .mo for the app.
catalogues: $(STAMP)
	$(BIN)/python -m tightnut.web.messages compile

# After marking new text with _() in templates or N_() in code: add it to the .po files.
messages: $(STAMP)
	$(BIN)/python -m tightnut.web.messages update
	$(BIN)/python -m tightnut.web.messages check

run: export TIGHTNUT_SECURE_COOKIES ?= false
run: $(STAMP) catalogues
	$(BIN)/tightnut db upgrade
	$(BIN)/tightnut demo load --if-empty
	@echo "Tightnut starting (TIGHTNUT_HOST, TIGHTNUT_PORT); stop with Ctrl-C"
	$(BIN)/tightnut serve

services:
	bash scripts/ensure-postgres.sh

browser:
	bash scripts/ensure-chromium.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/ruff format --check src tests bench migrations
	$(BIN)/mypy

test-sqlite: $(STAMP) catalogues browser
	$(BIN)/pytest -q

test-postgres: $(STAMP) catalogues services browser
	TIGHTNUT_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q -m db

bench-quick: $(STAMP)
	$(BIN)/python bench/gate_board.py --quick
	$(BIN)/python bench/orlib.py --quick
	$(BIN)/python bench/due_engine.py --quick
	$(BIN)/python bench/load.py --quick
	$(BIN)/python bench/pages.py --quick

test: lint test-sqlite test-postgres bench-quick

bench: $(STAMP)
	$(BIN)/python bench/gate_board.py
	$(BIN)/python bench/orlib.py
	$(BIN)/python bench/due_engine.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/pages.py

# The main pages, desktop and phone, English and Russian, under var/screenshots/.
screenshots: $(STAMP) catalogues browser
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) var/*.db var/*.db-wal var/*.db-shm .pytest_cache .mypy_cache .ruff_cache
