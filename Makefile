# The README's two commands: `make run` and `make test`.
# Python 3.12 or newer: under load, 3.11's interpreter crashed the app's workers (a
# segfault while building big threads). The first of these that is 3.12+ makes the venv.
PYTHON_CANDIDATES := python3.14 python3.13 python3.12 python3 \
	$(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3)
PYTHON ?= $(firstword $(foreach candidate,$(PYTHON_CANDIDATES),$(shell \
	$(candidate) -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 \
	&& echo $(candidate))) python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Test processes running at once (pytest-xdist): one per CPU; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto

.PHONY: run test install install-test migrate seed bench bench-markdown bench-scale lint format clean lighthouse screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
		echo "$(VENV) was made with $$($(BIN)/python -V): run 'make clean', then again."; \
		exit 1; }
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed

run: seed
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

bench: bench-markdown
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Every list page for today's community and one 100x larger, on SQLite and PostgreSQL;
# BENCH_SCALE_ARGS="--scale 0.1" for a quick run.
bench-scale: install-test
	$(BIN)/python bench/scale.py $(BENCH_SCALE_ARGS)

bench-markdown: install-test
	$(BIN)/python bench/markdown.py $(BENCH_MARKDOWN_ARGS)

# Lighthouse (desktop and mobile) on the home page, the guide, mentors and events, with demo
# data served by gunicorn in production settings; needs npm and Chromium (CHROME_PATH).
bench/lighthouse/node_modules/.package-lock.json: bench/lighthouse/package-lock.json
	npm ci --prefix bench/lighthouse --no-audit --no-fund

lighthouse: install bench/lighthouse/node_modules/.package-lock.json
	$(BIN)/python bench/lighthouse/run.py $(LIGHTHOUSE_ARGS)

# The README's screenshots in docs/screenshots/, from demo data; needs Chromium (CHROMIUM_PATH).
screenshots: install-test
	$(BIN)/python bench/screenshots.py $(SCREENSHOTS_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
