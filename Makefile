# Two commands on a fresh machine: `make run` and `make test` (only Python 3.11 and make needed).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: serving needs the package alone, the tests and lint their extras on top.
SERVE_STAMP := $(VENV)/.installed-serve
TEST_STAMP := $(VENV)/.installed-test
FLASK := $(BIN)/flask --app alumni_app
CATALOGS := alumni_app/translations
# The app's catalogs, and the fact sheet's own (Japanese: reports/translations).
PO := $(wildcard $(CATALOGS)/*/LC_MESSAGES/messages.po) \
	$(wildcard alumni_app/reports/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)
STATIC_SOURCES := $(shell find alumni_app/static -type f)
STATIC_MANIFEST := alumni_app/static_build/manifest.json
PORT ?= 5000

.PHONY: run test install install-serve static translations extract-messages lint bench-throughput clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(SERVE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(SERVE_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# What serving needs: the package, its compiled catalogs, its hashed and compressed static files.
install-serve: $(SERVE_STAMP) translations static

# A developer's machine: serving plus the test and lint tools.
install: install-serve $(TEST_STAMP)

%.mo: %.po
	$(BIN)/pybabel --quiet compile -i $< -o $@

translations: $(SERVE_STAMP) $(MO)

$(STATIC_MANIFEST): $(STATIC_SOURCES) | $(SERVE_STAMP)
	$(BIN)/python -m alumni_app.static_files

static: $(STATIC_MANIFEST)

# `make run PORT=5001` serves on another port. The seed prints the logins last; then the web
# server and a worker start side by side (bin/run-dev), and Ctrl-C stops both.
run: install-serve
	@$(FLASK) seed-demo --migrate --url http://127.0.0.1:$(PORT)/
	@$(BIN)/python bin/run-dev --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Refresh the catalogs after adding or changing user-facing strings.
extract-messages: $(SERVE_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs=".*" -o $(CATALOGS)/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i $(CATALOGS)/messages.pot -d $(CATALOGS) --no-fuzzy-matching --ignore-obsolete --width 100

lint: $(TEST_STAMP)
	$(BIN)/ruff check alumni_app tests bench config.py

bench-throughput: install
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) instance .pytest_cache alumni_app/static_build
