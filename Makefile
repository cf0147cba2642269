# The two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml 2>/dev/null | cksum | cut -d' ' -f1)
CATALOGS := $(wildcard meetings/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test test-fast i18n lock bench js clean

install: $(STAMP) $(COMPILED)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed" if sys.version_info < (3, 11) else 0)'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q --upgrade pip
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $@

# Compiled catalogs are built from the committed .po files, never committed themselves.
meetings/translations/%/LC_MESSAGES/messages.mo: meetings/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d meetings/translations -l $* -f

# FLASK_RUN_HOST and FLASK_RUN_PORT for every step: the links the demo and the app write follow them.
run: export FLASK_RUN_HOST = $(HOST)
run: export FLASK_RUN_PORT = $(PORT)
run: install
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	$(FLASK) demo login
	$(FLASK) run --host $(HOST) --port $(PORT)

# Node packages used by the tests: ical.js (Thunderbird's parser) and axe-core.
js: tests/js/node_modules/.stamp
tests/js/node_modules/.stamp: tests/js/package.json tests/js/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/js --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: tests that need ical.js and axe-core will be skipped"; fi

# Two workers (pytest-xdist), each on databases of its own: the suite takes about half as long.
PYTEST_WORKERS ?= 2
test: install js
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2 -o meetings/translations/messages.pot --no-location --omit-header --sort-output .
	$(BIN)/pybabel update -i meetings/translations/messages.pot -d meetings/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d meetings/translations -f

# Re-pin every dependency from pyproject.toml into requirements.lock.
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/pip install -q --disable-pip-version-check '.[dev]'
	{ echo "# Pinned dependencies of the app and its tests; regenerate with 'make lock'."; \
	  .lockvenv/bin/pip freeze --disable-pip-version-check --exclude cluster-meetings; } > requirements.lock
	rm -rf .lockvenv build *.egg-info

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) tests/js/node_modules
