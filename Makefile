# Two entry points for a new machine; see README.md.
#   make serve   set up, build the example site and serve it with sign-in working
#   make test    set up everything the tests need (Python packages, Debian's chromium,
#                npm packages for the third-party OIDC provider) and run the whole suite
# And for working on Atoll:
#   make lint       ruff and mypy --strict (what CI runs before the tests)
#   make test-fast  the suite without the browser tests and the slow ones
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: serve test test-fast lint setup setup-test clean

$(BIN)/atoll: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,dev]'
	touch $(BIN)/atoll

setup: $(BIN)/atoll

setup-test: setup
	sh tools/setup-test.sh

serve: setup
	$(BIN)/atoll serve

lint: setup
	$(BIN)/ruff check generator example tests bench
	$(BIN)/mypy

# Two test processes (pytest-xdist): most tests wait on servers and chromium, so two
# cores get through the suite faster (4 to 6 minutes on this 2-core machine, from 242 s to
# 363 s of tests in the runs of 1 Dec 2026).
test: setup-test
	$(BIN)/python -m pytest -n 2

test-fast: setup
	$(BIN)/python -m pytest -n 2 -m "not browser and not slow"

clean:
	rm -rf dist .atoll
