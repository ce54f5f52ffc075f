# peacegraph — the two commands of the README, and a few helpers.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STORE  ?= .peacegraph/store
PORT   ?= 8501

.PHONY: run check test venv bench clean

$(BIN)/peacegraph: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

venv: $(BIN)/peacegraph

## run: set up, build the store from the bundled data (when it changed), open the app
run: venv
	$(BIN)/peacegraph --store $(STORE) load
	$(BIN)/peacegraph --store $(STORE) app --port $(PORT)

## check: build the store, validate it (SHACL, OWL, quotes) and show a summary
check: venv
	$(BIN)/peacegraph --store $(STORE) load
	$(BIN)/peacegraph --store $(STORE) validate
	$(BIN)/peacegraph --store $(STORE) stats

## test: set up and run the whole test suite (type checks of graph/, loaders/, ontology/ first)
test: venv
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .peacegraph .pytest_cache
