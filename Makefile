# Two commands from a fresh clone:  make lab   |   make test
# Everything runs from .venv, created here on first use and refreshed only when
# requirements.txt or pyproject.toml change.
PYTHON ?= python3
# The oldest Python the lock is compiled for (`make lock`) and that setup accepts.
MIN_PYTHON := 3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Test tooling (playwright, uv) lives apart from the learner's venv (see requirements-browser.txt).
BROWSER_TOOLS := .browser-tools
BROWSER_STAMP := $(BROWSER_TOOLS)/.installed
UV := $(BROWSER_TOOLS)/bin/uv
LOCK_OUT ?= requirements.txt
HUB_LOCK_OUT ?= requirements-hub.txt
PORT     ?= 4566
LAB_PORT ?= 8888
# JupyterHub for tests/hub lives apart from the learner's venv, like .browser-tools: its proxy
# (configurable-http-proxy, npm; every version pinned by tests/hub/proxy/package-lock.json) and
# what requirements-hub.txt adds to the venv, in .hub-tools/python (tests/hub/hub_process.py).
HUB_TOOLS := .hub-tools
HUB_STAMP := $(HUB_TOOLS)/.installed
# MiniStack (LABKIT_BACKEND=ministack, and the peer `make bench` compares with) lives apart
# from the learner's venv too: requirements-ministack.txt says why.
MINISTACK       := .ministack
MINISTACK_STAMP := $(MINISTACK)/.installed

.PHONY: lab test test-quick setup serve doctor lock clean strip-outputs bench ministack

setup: $(STAMP)

PIP_INSTALL := -m pip install --quiet --disable-pip-version-check --no-compile
# requirements.txt is complete for every platform (`make lock` resolves it universally), so it is
# installed --no-deps: exactly what it pins, and not what requirements-excluded.txt leaves out.
# Bytecode is compiled after the install, in parallel, for everything but the packages' own test
# suites (~3,000 modules nobody imports: 50 MB of .venv). Not left to first import: Lambda
# workers run with PYTHONDONTWRITEBYTECODE, as graded notebooks run as another user, so a module
# only they import would be compiled again at every cold start.
COMPILE_VENV := -m compileall -q -j 0 -x '/(tests|testing)/'

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("labkit runs on Windows inside WSL2: see README, Windows" if sys.platform == "win32" else 0 if sys.version_info >= tuple(map(int, "$(MIN_PYTHON)".split("."))) else "labkit needs Python >= $(MIN_PYTHON)")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) $(PIP_INSTALL) --no-deps -r requirements.txt
	$(PY) $(PIP_INSTALL) --no-deps -e .
	$(PY) $(COMPILE_VENV) $(VENV)/lib
	@touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/labkit lab --port $(PORT) --lab-port $(LAB_PORT)

test: $(STAMP) $(BROWSER_STAMP) $(HUB_STAMP) $(MINISTACK_STAMP)
	$(PY) -m tests.run_suites

# The inner loop (<= 3 min): unit, conformance and the notebooks your working tree changes (uv, for
# the unit suite's lock tests, comes with .browser-tools).
test-quick: $(STAMP) $(BROWSER_STAMP)
	$(PY) -m tests.run_suites --quick

# From scratch: pip --target skips what already exists there (bin/, so a new tool's binary).
$(BROWSER_STAMP): requirements-browser.txt | $(STAMP)
	rm -rf $(BROWSER_TOOLS)
	$(PY) $(PIP_INSTALL) --no-deps --target $(BROWSER_TOOLS) -r requirements-browser.txt
	@touch $(BROWSER_STAMP)

serve: $(STAMP)
	$(VENV)/bin/labkit serve --port $(PORT)

doctor: $(STAMP)
	$(VENV)/bin/labkit doctor

bench: $(STAMP) $(MINISTACK_STAMP)
	$(PY) -m bench.run_all

ministack: $(MINISTACK_STAMP)

# From scratch, as for .browser-tools: pip --target skips what already exists there.
$(MINISTACK_STAMP): requirements-ministack.txt | $(STAMP)
	rm -rf $(MINISTACK)
	$(PY) $(PIP_INSTALL) --no-deps --target $(MINISTACK) -r requirements-ministack.txt
	@touch $(MINISTACK_STAMP)

.PHONY: hub-tools
hub-tools: $(HUB_STAMP)

$(HUB_STAMP): tests/hub/proxy/package.json tests/hub/proxy/package-lock.json requirements-hub.txt | $(STAMP)
	@command -v npm >/dev/null || { echo "make: tests/hub needs Node.js >= 20 and npm"; exit 1; }
	rm -rf $(HUB_TOOLS)/python
	mkdir -p $(HUB_TOOLS)
	$(PY) $(PIP_INSTALL) --no-deps --target $(HUB_TOOLS)/python -r requirements-hub.txt
	$(PY) $(COMPILE_VENV) $(HUB_TOOLS)/python
	cp tests/hub/proxy/package.json tests/hub/proxy/package-lock.json $(HUB_TOOLS)/
	cd $(HUB_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	@touch $(HUB_STAMP)

strip-outputs: $(STAMP)
	$(VENV)/bin/labkit strip-outputs notebooks labs solutions

# One lock for every platform: uv's universal resolution writes environment markers where a
# package is platform-specific (pip freeze only knows this machine). It keeps the versions
# already in $(LOCK_OUT) unless requirements.in moves them.
# The hub's lock: both files compiled together (seeded with both locks, so versions stay), less
# what requirements.txt pins (tests/hub_lock.py).
UV_COMPILE := $(UV) pip compile --quiet --universal --python-version $(MIN_PYTHON) --custom-compile-command "make lock" --excludes requirements-excluded.txt
lock: $(BROWSER_STAMP)
	$(UV_COMPILE) requirements.in -o $(LOCK_OUT)
	tmp=$$(mktemp -d) && cat $(LOCK_OUT) $(HUB_LOCK_OUT) > $$tmp/all.txt \
	  && $(UV_COMPILE) requirements.in requirements-hub.in -o $$tmp/all.txt \
	  && $(PY) -m tests.hub_lock $$tmp/all.txt $(LOCK_OUT) > $$tmp/hub.txt \
	  && mv $$tmp/hub.txt $(HUB_LOCK_OUT) && rm -rf $$tmp

clean:
	rm -rf $(VENV) $(BROWSER_TOOLS) $(HUB_TOOLS) $(MINISTACK) .pytest_cache test-output
