# caseflow — the two set-up commands are `make run` and `make test`; `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# pytest arguments; `make test PYTEST_ARGS="-n auto -m 'not slow'"` skips the slow suites locally.
PYTEST_ARGS ?= -n auto

.DEFAULT_GOAL := help
.PHONY: help run test lint format translations i18n worker check clean-venv

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip

$(VENV)/.installed: requirements.txt $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(VENV)/.installed ## compile the zh_CN and en message catalogues
	$(BIN)/pybabel compile --use-fuzzy -d caseflow/translations

i18n: $(VENV)/.installed ## extract messages and merge them into the zh_CN and en catalogues
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --omit-header -o caseflow/translations/messages.pot .
	$(BIN)/pybabel update -N --ignore-obsolete -i caseflow/translations/messages.pot -d caseflow/translations

run: $(VENV)/.installed translations ## create the venv, migrate the embedded database, seed demo data, serve on 127.0.0.1:5000
	$(FLASK) db upgrade
	$(FLASK) caseflow seed-demo --if-empty
	$(FLASK) caseflow check
	$(FLASK) caseflow serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev translations ## lint and run the whole test suite (SQLite + PostgreSQL + Redis)
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev ## apply ruff formatting
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: $(VENV)/.installed ## run an RQ worker with the periodic schedule (needs CASEFLOW_REDIS_URL)
	$(FLASK) caseflow worker

check: $(VENV)/.installed translations ## validate configuration, workflows and the database migration state
	$(FLASK) caseflow check

clean-venv: ## remove the virtual environment
	rm -rf $(VENV)
