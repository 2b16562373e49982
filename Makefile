# creditlab — two commands on a fresh machine with Python 3.11, pip and make:
#   make demo   set up .venv, install, regenerate the demo year's county reports
#   make test   set up if needed, run every test (nbval included)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.creditlab-installed
YEAR ?= 2024
JOBS ?= 2

.PHONY: setup demo test lab app browser lint bench clean strip

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "creditlab needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The project's own kernel, inside the venv: notebooks and papermill never use a machine's python3 kernel.
	$(BIN)/creditlab kernel
	touch $(STAMP)

demo: setup
	$(BIN)/creditlab demo --year $(YEAR) --jobs $(JOBS)

# Headless Chromium and a CJK font for the browser checks (Debian packages; never a downloaded browser).
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk"; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else \
	    echo "note: chromium or a CJK font is missing and this is not root; browser tests will be skipped"; \
	  fi; \
	fi

test: setup browser
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile

lab: setup
	$(BIN)/jupyter lab --notebook-dir=.

# The scenario explorer and rubric browser as web pages without code (Voilà, 127.0.0.1, token in the URL).
app: setup
	$(BIN)/creditlab app

lint: setup
	$(BIN)/ruff check creditlab tests bench data parameterised notebooks

bench: setup
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

strip: setup
	$(BIN)/python -m creditlab.nbstrip notebooks/*.ipynb parameterised/*.ipynb

clean:
	rm -rf $(VENV) reports/[0-9]* reports/*-[0-9]* test-artifacts
