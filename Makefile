# cryptoparty: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app cryptoparty
STAMP := $(VENV)/.installed

.PHONY: install translations db demo run serve test test-fast bench check-translations migration lint

$(STAMP): setup.cfg setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

translations: install
	$(BIN)/python -m cryptoparty.core.i18n_catalog compile

check-translations: install
	$(BIN)/python -m cryptoparty.core.i18n_catalog check

db: translations
	$(FLASK) init-db

demo: db
	$(FLASK) demo

run: demo
	@echo ""
	@echo "  cryptoparty is starting on http://127.0.0.1:5000"
	@echo "  Back office: http://127.0.0.1:5000/login  (login: demo, password: demo-cryptoparty)"
	@echo "  At the door: http://127.0.0.1:5000/login  (login: accueil, password: accueil-cryptoparty; check-in of the day only)"
	@echo ""
	$(FLASK) run --host 127.0.0.1 --port 5000

serve: db
	$(FLASK) purge
	$(BIN)/gunicorn --config gunicorn.conf.py 'cryptoparty:create_app()'

test: translations
	$(BIN)/python -m pytest

# Static checks, separate from `make test` (.ci/run calls both): ruff, bandit
# (medium severity and up), pip-audit (warns, without failing, when it cannot audit).
lint: install
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r cryptoparty -ll
	$(BIN)/python scripts/audit-dependencies

bench: translations
	$(BIN)/python -m bench

migration: install
	scripts/regenerate-initial-migration
