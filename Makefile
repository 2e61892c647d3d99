# townhall: `make demo` serves the platform with demo data; `make test` runs the whole suite.

# The newest Python >= 3.12 on PATH (pyenv users get the one .python-version selects).
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; \
	then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# A fresh PostgreSQL database name per run, so parallel runs never share one.
PG_URL ?= postgres://postgres@127.0.0.1:5432/townhall_$(shell date +%s)_$$$$

.PHONY: demo test lint typecheck pytest test-postgres migrate serve worker openapi lock clean

$(STAMP): pyproject.toml constraints.txt
	@if [ -z "$(PYTHON)" ]; then \
		echo "townhall needs Python 3.12 or newer: install it (e.g. 'pyenv install 3.13' or your package manager's python3.13) and run make again." >&2; \
		exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/townhall keys init
	$(BIN)/townhall migrate --verbosity 0
	@echo "Starting a background worker (it publishes the demo videos), then the server at http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@$(BIN)/townhall worker & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/townhall demo-data --wait 300 && \
		$(BIN)/townhall serve --host $(HOST) --port $(PORT)

migrate: $(STAMP)
	$(BIN)/townhall keys init
	$(BIN)/townhall migrate

serve: $(STAMP)
	$(BIN)/townhall serve --host $(HOST) --port $(PORT)

worker: $(STAMP)
	$(BIN)/townhall worker

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check townhall tests $(wildcard bench)
	$(BIN)/ruff format --check townhall tests $(wildcard bench)
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy townhall

pytest: $(STAMP)
	$(BIN)/pytest

# The same suite on PostgreSQL (127.0.0.1:5432, user postgres). Skipped, loudly, when no server
# answers, except under CI=true where a missing server is a failure.
test-postgres: $(STAMP)
	@if $(BIN)/python -c "import psycopg; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=postgres', connect_timeout=3).close()" >/dev/null 2>&1; then \
		echo "== Running the suite on PostgreSQL ($(PG_URL))"; \
		TOWNHALL_DATABASE_URL=$(PG_URL) $(BIN)/pytest --create-db; \
	elif [ "$$CI" = "true" ]; then \
		echo "FAILED: PostgreSQL is not reachable on 127.0.0.1:5432 and CI=true" >&2; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL suite — no server on 127.0.0.1:5432 (user postgres)."; \
	fi

openapi: $(STAMP)
	$(BIN)/townhall export_openapi_schema --api townhall.api.api.api --indent 2 --sorted --output docs/api/openapi.json

# Regenerate constraints.txt from what is installed in the virtual environment.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable --exclude townhall | grep -v '^-e ' > constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
