# stepdeck: `make run` opens the app on the bundled demo site, `make test` runs every check.
# Both set up everything first on a fresh machine: Python 3.12+, .venv, Chromium.

SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed

# Python 3.12+: on PATH, or under pyenv (these machines keep 3.12/3.13 there).
PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 python3; do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; \
	done)

.PHONY: run test bench bench-peers lint fmt screenshots chromium setup clean serve sdk-venvs

run: setup
	$(BIN)/stepdeck demo

test: setup sdk-venvs
	$(BIN)/ruff check tui tests scripts
	$(BIN)/ruff format --check tui tests scripts
	$(BIN)/lint-imports
	@# Bytecode caches on even where PYTHONDONTWRITEBYTECODE is set: every worker and every
	@# `stepdeck serve` a test starts would compile tui and re-rewrite the tests' asserts anew.
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -q

bench: setup
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_records.py
	$(BIN)/python scripts/bench_agent.py
	$(BIN)/python scripts/soak.py

# Optional, not in make test: Notte's open engine and browser-use on the same pages as
# make bench, in their own virtualenv (their dependencies never touch .venv).
PEERS := .venv-peers
bench-peers: setup
	@test -x $(PEERS)/bin/python || $(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/pip install -q notte-browser==1.10.0 browser-use==0.13.14 selectolax==1.0.2
	$(PEERS)/bin/python scripts/bench_peers.py

screenshots: setup
	$(BIN)/python scripts/screenshots.py

serve: setup
	$(BIN)/stepdeck serve

fmt: setup
	$(BIN)/ruff format tui tests scripts
	$(BIN)/ruff check --fix tui tests scripts

# tui's bytecode, fresh, even where PYTHONDONTWRITEBYTECODE is set (as on these machines):
# without it every start compiles tui again, ~120-160 ms more to the first frame (measured
# with scripts/bench_paint.py, tui's caches removed and not). Only changed files compile.
setup: $(STAMP) chromium
	@$(BIN)/python -m compileall -q tui

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "stepdeck needs Python 3.12+: install it (pyenv install 3.12, or your OS package) and re-run make"; exit 1; }
	@echo "Using $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(STAMP)

# The official SDKs that cannot share .venv with notte-sdk (test oracles, tests/sdk/):
# multion 1.3.8, and Notte's first-API SDKs (notte 1.3.0 installed, 1.1.1 in a --target
# folder the driver puts first on sys.path; only their `notte.sdk` is imported). pip's
# cache keeps a rebuild fast.
sdk-venvs: .venv-multion/.installed .venv-notte-env/.installed

.venv-multion/.installed: tests/sdk/multion.txt
	@test -n "$(PYTHON)" || { echo "stepdeck needs Python 3.12+"; exit 1; }
	$(PYTHON) -m venv .venv-multion
	.venv-multion/bin/pip install -q -r tests/sdk/multion.txt
	@touch $@

.venv-notte-env/.installed: tests/sdk/notte-env.txt
	@test -n "$(PYTHON)" || { echo "stepdeck needs Python 3.12+"; exit 1; }
	$(PYTHON) -m venv .venv-notte-env
	.venv-notte-env/bin/pip install -q -r tests/sdk/notte-env.txt
	.venv-notte-env/bin/pip install -q --no-deps notte==1.3.0
	.venv-notte-env/bin/pip install -q --no-deps --target .venv-notte-env/notte-1.1.1 notte==1.1.1
	@touch $@

# Debian's headless shell is the engine's default (faster launch, ~3x less memory per
# session than full Chromium); full chromium is for --headed. Playwright's own build elsewhere.
chromium:
	@if [ -x /usr/lib/chromium/chromium-headless-shell ] || [ -x /usr/lib/chromium/chromium ] \
	    || ls $$HOME/.cache/ms-playwright/chromium* >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Chromium and fonts from Debian (one time)..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium-headless-shell chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null; \
	else \
	  $(BIN)/playwright install chromium; \
	fi

clean:
	rm -rf $(VENV) .venv-multion .venv-notte-env .pytest_cache .ruff_cache
