# Rumah Belajar. `make run` serves the portal; `make test` runs the whole suite.
SHELL := /bin/bash
PY := .venv/bin/python
MANAGE := $(PY) manage.py
PORT ?= 8000
export PORT
# A fresh test database every run, so a migration edited during development can never leave a stale schema.
# -n auto: one pytest-xdist worker per core, each with its own test database (test_<name>_gw0, ...)
# and its own key prefix in the test Redis db; worksteal evens out the slow browser/worker tests.
# Serially: make test PYTEST_ARGS="--create-db -n 0"; another worker count: PYTEST_XDIST_AUTO_NUM_WORKERS=4
PYTEST_ARGS ?= --create-db -n auto --dist worksteal

.PHONY: run run-system-deps test lint bench drills setup deps system-deps migrate seed messages static translations format clean help

help:
	@echo "make run    set up (venv, npm, database, migrations, demo data) and serve web + worker + beat on :$(PORT)"
	@echo "make test   the whole suite against PostgreSQL and Redis, browser tests included"
	@echo "make lint   ruff, format check, mypy, templates, migrations, import contracts, compose schema"
	@echo "make bench  the benchmarks, printing a table"
	@echo "make drills fault drills (Redis, worker, PostgreSQL, poison uploads) on a stack of their own"
	@echo "make system-deps  install gettext and Chromium with apt-get (as root); make test only checks them"

# --- set-up (each step re-runs only when its inputs changed) ----------------------------------
.venv/.installed: requirements-dev.lock bin/setup-venv
	bin/setup-venv requirements-dev.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: .venv/.installed node_modules/.installed

# The Debian packages outside Python and npm: gettext (translations) and Chromium (browser tests).
# Only this target installs them; `make test` checks and says what is missing.
system-deps:
	bin/ensure-system-packages --install gettext chromium

.env: | .venv/.installed
	bin/write-dotenv

messages: .venv/.installed
	@bin/ensure-system-packages gettext
	@# Compiling catalogues needs no secrets: the test settings let it run before .env exists.
	@DJANGO_SETTINGS_MODULE=rumahbelajar.settings_test $(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v0

migrate: deps .env
	$(MANAGE) ensure_database
	$(MANAGE) migrate --no-input -v0

# Collected again only when our static files or the npm packages changed (it takes ~10 s).
STATIC_SOURCES := $(shell find static -type f 2>/dev/null)
staticfiles/.collected: $(STATIC_SOURCES) node_modules/.installed .venv/.installed | .env
	$(MANAGE) collectstatic --no-input -v0
	touch $@

static: deps .env staticfiles/.collected

setup: deps .env messages migrate static

seed: setup
	$(MANAGE) seed_demo

# The one-command set-up installs gettext itself when it runs as root with apt-get (as it always
# has, see README); anywhere else it says what to install.
run-system-deps:
	@bin/ensure-system-packages --install gettext

run: run-system-deps setup seed
	@echo "Rumah Belajar on http://127.0.0.1:$(PORT)/  (Ctrl-C stops web, worker and beat)"
	@mkdir -p var
	exec .venv/bin/honcho -f Procfile start

# --- checks -----------------------------------------------------------------------------------
# Checks gettext and Chromium but never installs them: `make system-deps` does, when asked.
test: deps messages
	@bin/ensure-system-packages chromium
	$(PY) -m pytest $(PYTEST_ARGS)

lint: deps
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy rumahbelajar notifications competency ebooks training reports
	.venv/bin/djlint templates --lint
	DJANGO_SETTINGS_MODULE=rumahbelajar.settings_test $(MANAGE) makemigrations --check --dry-run
	.venv/bin/lint-imports
	@# check-jsonschema ships the Compose Specification's schema: no file outside the repository.
	.venv/bin/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

# Refresh the catalogues after changing user-facing text, then translate locale/en.
translations: deps
	$(MANAGE) makemessages -l id -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles --no-obsolete
	$(MANAGE) makemessages -d djangojs -l id -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles --no-obsolete

format: deps
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench: setup
	$(PY) bench/run.py

# Not part of `make test` (minutes, not seconds): each drill starts its own PostgreSQL cluster,
# Redis, worker and gunicorn on free ports, and prints what was lost (exit 1 if anything).
drills: deps messages staticfiles/.collected
	$(PY) drills/run.py $(DRILLS)

clean:
	rm -rf .venv node_modules staticfiles
