# The two quick-start commands: `make run` and `make test`. Both build the
# virtualenv they need from nothing but Python 3.11 and pip. `make test-fast` is the
# developer's inner loop (README, "Developing").
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast test-postgresql lint typecheck install dev chromium bench bench-service clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
	@command -v chromium >/dev/null || apt-get install -y chromium \
		|| (apt-get update && apt-get install -y chromium) \
		|| echo "chromium not installed: the browser tests will be skipped (fail under CI)"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev chromium

# The browser tests (marker `browser`) drive Debian's Chromium through Playwright; Playwright's
# own download cannot be used here. Installed when missing and we may (root); otherwise the
# browser tests skip, saying why.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get install -y chromium >/dev/null; } \
		|| echo "chromium is not installed: browser tests will be skipped (apt-get install -y chromium)"

run: install
	MEDIAMILL_DATA_DIR=$${MEDIAMILL_DATA_DIR:-./var} $(BIN)/mediamill serve --host 127.0.0.1 --port 8000

lint: dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: dev
	$(BIN)/mypy

# The whole suite, as CI runs it: every test on SQLite, then every database test (marker
# `db`, applied to each test that uses the Django database) again on PostgreSQL.
test: lint typecheck
	$(BIN)/pytest
	$(MAKE) --no-print-directory test-postgresql

test-postgresql: dev
	MEDIAMILL_TEST_DATABASE=postgresql $(BIN)/pytest -m db

# No server, no browser, no slow test: under a minute.
test-fast: dev
	$(BIN)/pytest -m "not slow and not services and not browser" --durations=5

bench: dev
	$(BIN)/python -m bench.transcode_vs_ffmpeg
	$(BIN)/python -m bench.api
	$(BIN)/python -m bench.web

# Needs PostgreSQL, RabbitMQ and disk space (a 2 GiB upload); takes a few minutes.
bench-service: dev
	$(BIN)/python -m bench.service

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
