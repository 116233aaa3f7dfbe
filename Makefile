# Two commands for a fresh machine: `make run` and `make test`. Both are safe to re-run:
# each step below is skipped when its stamp is newer than its inputs.
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
CONSULT := $(VENV)/bin/consult
STATIC  := consult/static
GOVUK   := node_modules/govuk-frontend/dist/govuk

.PHONY: run test install assets lint serve worker

run: install
	$(CONSULT) init-db
	$(CONSULT) surveys load
	$(VENV)/bin/flask --app consult run --host 127.0.0.1 --port 5000

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

install: $(VENV)/.stamp-install assets

# torch first, pinned to the CPU build: a looser pin pulls several GB of CUDA packages.
$(VENV)/.stamp-install: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[nlp,dev]'
	touch $@

assets: $(STATIC)/govuk/.stamp

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The GOV.UK Frontend stylesheet asks for /assets/fonts and /assets/images, so the static
# folder is served at /assets and holds those folders beside the compiled CSS and JS.
$(STATIC)/govuk/.stamp: node_modules/.stamp
	mkdir -p $(STATIC)/govuk
	cp -R $(GOVUK)/assets/fonts $(GOVUK)/assets/images $(GOVUK)/assets/manifest.json $(STATIC)/
	cp $(GOVUK)/govuk-frontend.min.css $(GOVUK)/govuk-frontend.min.js $(STATIC)/govuk/
	touch $@

lint: install
	$(VENV)/bin/ruff check .

# Production: gunicorn in front of the app (set SECRET_KEY and DATABASE_URL first).
serve: install
	$(VENV)/bin/gunicorn --workers 2 --threads 4 --bind 127.0.0.1:8000 'consult:create_app()'

worker: install
	$(CONSULT) worker
