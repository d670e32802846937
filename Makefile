# cryptoparty: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app cryptoparty
STAMP := $(VENV)/.installed

.PHONY: install translations vendor db demo run serve test test-fast bench check-translations migration lint

$(STAMP): setup.cfg setup.py pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

translations: install
	$(BIN)/python -m cryptoparty.core.i18n_catalog compile

# OpenPGP.js for the back office's in-browser reading of contacts, from npm into
# static/vendor/ (served from this origin, never a CDN); skipped without npm.
vendor:
	scripts/vendor-openpgp

check-translations: install
	$(BIN)/python -m cryptoparty.core.i18n_catalog check

db: translations
	$(FLASK) init-db

demo: db
	$(FLASK) demo

run: demo vendor
	@echo ""
	@echo "  cryptoparty is starting on http://127.0.0.1:5000"
	@echo "  Back office: http://127.0.0.1:5000/login  (login: demo, password: demo-cryptoparty)"
	@echo "  Fediverse: @biblinsa@127.0.0.1:5000 (the federation worker runs beside the server)"
	@echo "  At the door: http://127.0.0.1:5000/login  (login: accueil, password: accueil-cryptoparty; check-in of the day only)"
	@echo ""
	scripts/with-federation-worker $(FLASK) run --host 127.0.0.1 --port 5000

serve: db vendor
	$(FLASK) purge
	scripts/with-federation-worker $(BIN)/gunicorn --config gunicorn.conf.py 'cryptoparty:create_app()'

# The whole suite, and the one entry point (.ci/run calls it): installs what the
# tests need, finds PostgreSQL and Redis, ends with the parts that ran and were
# skipped. Pass pytest arguments with PYTEST_ARGS='tests/views -x'.
PYTEST_ARGS ?=
test: translations vendor
	PYTHON=$(BIN)/python scripts/test-all $(PYTEST_ARGS)

# The inner loop: SQLite only, without the slow and e2e tests.
test-fast: translations
	PYTHON=$(BIN)/python scripts/test-all --fast $(PYTEST_ARGS)

# Static checks, separate from `make test` (.ci/run calls both): ruff, the import
# contracts between areas (import-linter, .importlinter), bandit (medium severity
# and up), pip-audit (warns, without failing, when it cannot audit).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r cryptoparty -ll
	$(BIN)/python scripts/audit-dependencies

bench: translations
	$(BIN)/python -m bench

migration: install
	scripts/regenerate-initial-migration
