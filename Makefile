# Agent LMS. `make run` serves the demo on http://127.0.0.1:$(LMS_PORT); `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LMS_PORT ?= 5000
WORKERS ?= 4
export FLASK_APP := lms
export LMS_PORT

PO_FILES := $(wildcard lms/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test e2e lint format serve translations bench install clean

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask lms demo
	$(BIN)/flask lms reindex
	@echo "Agent LMS: http://127.0.0.1:$(LMS_PORT)  (stop with Ctrl+C)"
	$(BIN)/flask run --host 127.0.0.1 --port $(LMS_PORT)

test: install
	$(BIN)/pytest

e2e: install
	$(BIN)/pytest -m e2e tests/e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

serve: install
	$(BIN)/flask db upgrade
	$(BIN)/gunicorn --workers $(WORKERS) --timeout 120 --bind 127.0.0.1:$(LMS_PORT) wsgi:app

bench: install
	$(BIN)/python -m bench

install: $(VENV)/.installed $(MO_FILES)

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

# Extract every marked string, merge it into the catalogues (English filled from the
# source), compile them. Untranslated Russian fails tests/core/test_translations.py.
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k _n:1,2 --no-location -o lms/translations/messages.pot lms
	$(BIN)/pybabel update --no-fuzzy-matching -i lms/translations/messages.pot -d lms/translations
	$(BIN)/python scripts/fill_english.py lms/translations/en/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile --statistics -d lms/translations

clean:
	rm -rf $(VENV) instance .pytest_cache
