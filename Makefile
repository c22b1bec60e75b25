# One entry point for people and CI. `make report` is the main job; `make test` runs everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := data/samples/aruvia

.PHONY: setup report test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

## main job: validate the sample country and write its Step 1 tables (aggregates only)
report: setup
	$(BIN)/lnob validate $(SAMPLE)
	$(BIN)/lnob tables $(SAMPLE)

## every test: unit, reference values, CLI
test: setup
	$(BIN)/python -m pytest

## performance figures (not timed tests)
bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(SAMPLE)/outputs .pytest_cache
