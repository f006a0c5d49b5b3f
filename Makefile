# Showroom. `make run` serves the demo; `make test` runs every check. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: run test lint types imports pytest install bench screenshots clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The pages' front-end assets (htmx, Alpine, ECharts; axe-core for the accessibility tests),
# pinned by package-lock.json and served by the app itself from /static.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20+ with npm is needed (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed node_modules/.installed

run: install
	$(BIN)/showroom run --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

pytest: install
	$(BIN)/pytest

test: lint types imports pytest

# The benchmark suite (small by default; `make bench BENCH_ARGS=--full` is the 1M-event run).
BENCH_ARGS ?=
bench: install
	$(BIN)/showroom bench $(BENCH_ARGS)

# Every page at a phone size and a desktop size, into screenshots/ (needs /usr/bin/chromium).
screenshots: install
	$(BIN)/python -m tests.browser.screenshots screenshots

clean:
	rm -rf $(VENV) node_modules screenshots var .pytest_cache .mypy_cache .ruff_cache
