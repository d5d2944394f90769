# Two commands on a fresh machine: `make run` and `make test` (only Python 3.11 and make needed).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app alumni_app
CATALOGS := alumni_app/translations
PO := $(wildcard $(CATALOGS)/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test install translations extract-messages lint bench-throughput clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP) translations

%.mo: %.po
	$(BIN)/pybabel compile -i $< -o $@

translations: $(STAMP) $(MO)

# The web server and a worker side by side (bin/run-dev); Ctrl-C stops both.
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(BIN)/python bin/run-dev --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Refresh the catalogs after adding or changing user-facing strings.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs=".*" -o $(CATALOGS)/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i $(CATALOGS)/messages.pot -d $(CATALOGS) --no-fuzzy-matching --ignore-obsolete --width 100

lint: $(STAMP)
	$(BIN)/ruff check alumni_app tests bench config.py

bench-throughput: install
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) instance .pytest_cache
