# Two entry points for a new machine; see README.md.
#   make serve   set up, build the example site and serve it with sign-in working
#   make test    set up everything the tests need (Python packages, Debian's chromium,
#                npm packages for the third-party OIDC provider) and run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: serve test setup setup-test bench clean

$(BIN)/atoll: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/atoll

setup: $(BIN)/atoll

setup-test: setup
	sh tools/setup-test.sh

serve: setup
	$(BIN)/atoll serve

test: setup-test
	$(BIN)/python -m pytest

clean:
	rm -rf dist .atoll
