# Comptoir: two commands for a newcomer, `make run` and `make test`.
# Everything else here is what those two need: a virtualenv, the install, the database.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
COMPTOIR := $(VENV)/bin/comptoir
HOST ?= 127.0.0.1
PORT ?= 8000
SMTPD ?= 127.0.0.1:2525
PG_TEST_URL ?= postgres://root@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: run test install install-test setup lint security format pg-test sqlite-test clean messages

$(VENV)/.created:
	@PYBIN=$$(./scripts/find-python) && echo "Using $$PYBIN" && "$$PYBIN" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	@if ./scripts/ensure-ldap; then $(PY) -m pip install --quiet -e '.[ldap]' \
	  || echo "Could not install the ldap extra: the LDAP tests will be skipped."; fi
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## set-up: migrate, load the four presets and the demo (idempotent)
setup: install
	$(COMPTOIR) migrate --noinput
	$(COMPTOIR) createcachetable
	$(COMPTOIR) preset load spt ent itil n123
	$(COMPTOIR) demo

## make run: set up, then serve the app on http://$(HOST):$(PORT), with the worker, the
## scheduler and the SMTP receiver for the demo desks' addresses on $(SMTPD)
run: setup
	COMPTOIR_SMTPD=$(SMTPD) $(COMPTOIR) serve --host $(HOST) --port $(PORT)

lint: install-test
	$(VENV)/bin/ruff check comptoir
	$(VENV)/bin/ruff format --check comptoir

## Static security checks: bandit (any high-severity finding fails) and pip-audit (any
## known vulnerability in the installed, pinned dependencies fails; skipped with the reason
## when the vulnerability service cannot be reached).
security: install-test
	$(VENV)/bin/bandit --quiet --recursive comptoir --exclude '*/tests/*,*/migrations/*,comptoir/conftest.py' --severity-level high
	$(PY) scripts/audit_dependencies.py

format: install-test
	$(VENV)/bin/ruff format comptoir
	$(VENV)/bin/ruff check --fix comptoir

sqlite-test: install-test
	@./scripts/ensure-chromium
	@./scripts/ensure-dovecot
	DATABASE_URL= $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

## The suite again on PostgreSQL when one answers; a printed reason otherwise.
pg-test: install-test
	@if $(PY) scripts/pg_reachable.py "$(PG_TEST_URL)"; then \
	  COMPTOIR_CONN_MAX_AGE=0 DATABASE_URL="$(PG_TEST_URL)" $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS); \
	else echo "SKIPPED the PostgreSQL run: no PostgreSQL answers at $(PG_TEST_URL)"; fi

## make test: install the test dependencies, lint, the security checks, then the suite on
## SQLite and PostgreSQL
test: lint security sqlite-test pg-test

## Translators: refresh the French catalogue, then compile it (the .mo is committed, so
## neither `make run` nor `make test` needs GNU gettext on the machine).
messages: install
	cd comptoir && ../$(COMPTOIR) makemessages -l fr --ignore='*/tests/*' --ignore='conftest.py' --no-obsolete
	cd comptoir && ../$(COMPTOIR) compilemessages

clean:
	rm -rf $(VENV) var
