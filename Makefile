# Two commands from a fresh clone:  make lab   |   make test
# Everything runs from .venv, created here on first use and refreshed only when
# requirements.txt or pyproject.toml change.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Browser-test tooling lives apart from the learner's venv (see requirements-browser.txt).
BROWSER_TOOLS := .browser-tools
BROWSER_STAMP := $(BROWSER_TOOLS)/.installed
PORT     ?= 4566
LAB_PORT ?= 8888

.PHONY: lab test setup serve doctor lock clean strip-outputs bench

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "labkit needs Python >= 3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/labkit lab --port $(PORT) --lab-port $(LAB_PORT)

test: $(STAMP) $(BROWSER_STAMP)
	$(PY) -m tests.run_suites

$(BROWSER_STAMP): requirements-browser.txt | $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --target $(BROWSER_TOOLS) -r requirements-browser.txt
	@touch $(BROWSER_STAMP)

serve: $(STAMP)
	$(VENV)/bin/labkit serve --port $(PORT)

doctor: $(STAMP)
	$(VENV)/bin/labkit doctor

bench: $(STAMP)
	$(PY) -m bench.run_all

strip-outputs: $(STAMP)
	$(VENV)/bin/labkit strip-outputs notebooks labs solutions

lock: $(STAMP)
	$(PY) -m pip freeze --exclude-editable | grep -v '^labkit' > requirements.lock.tmp && echo "review requirements.lock.tmp, then merge it into requirements.txt"

clean:
	rm -rf $(VENV) $(BROWSER_TOOLS) .pytest_cache test-output
