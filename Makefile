# One entry point for people and CI. `make report` is the main job; `make test` runs everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := data/samples/aruvia
# every format; PDF only when chromium is there to print it
FORMATS := $$(command -v chromium >/dev/null 2>&1 && echo html,pdf,docx || echo html,docx)

.PHONY: setup browser postgres report app test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

## Debian chromium, for PDF reports and the browser tests (needs root or sudo)
browser:
	bash scripts/install_browser.sh

## Debian PostgreSQL binaries, for the collaborative store's server tests (needs root or sudo)
postgres:
	bash scripts/install_postgres.sh

## main job: validate the sample country and build its report (HTML, Word, and PDF when chromium is there; A4)
report: setup browser
	$(BIN)/lnob validate $(SAMPLE)
	$(BIN)/lnob report $(SAMPLE) --format $(FORMATS)
	@echo "Report: $(SAMPLE)/outputs/report/. Open the app with: $(BIN)/lnob app $(SAMPLE)"

## the browser app on 127.0.0.1:8866; it prints its address, token included, once it answers
app: setup
	$(BIN)/lnob app $(SAMPLE)

## every test: unit, reference values, notebooks (papermill and nbval), browser, PostgreSQL store
test: setup browser postgres
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest --nbval-lax --nbval-cell-timeout=300 workbooks

## performance figures (not timed tests)
bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(SAMPLE)/outputs .pytest_cache test-artifacts
