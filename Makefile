# Two commands for a fresh machine: `make run` and `make test`. Both are safe to re-run:
# each step below is skipped when its stamp is newer than its inputs.
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
CONSULT := $(VENV)/bin/consult
STATIC  := consult/static
GOVUK   := node_modules/govuk-frontend/dist/govuk

.PHONY: run test install assets lint serve worker security migration migration-initial constraints

# `PORT=5077 make run` serves on another port (default 5000).
PORT    ?= 5000
run: install
	$(CONSULT) init-db
	$(CONSULT) surveys load
	$(VENV)/bin/flask --app consult run --host 127.0.0.1 --port $(PORT)

# Everything: ruff, bandit and pip-audit, the import contracts (lint-imports: the layers in
# pyproject.toml), then the suite once (database tests run on SQLite and on PostgreSQL;
# browser tests drive /usr/bin/chromium). Each of those skips with a message where its
# server or browser is missing. Exit code 5 (no tests collected, e.g. a narrow PYTEST_ARGS)
# is not a failure.
test: install
	$(VENV)/bin/ruff check .
	$(MAKE) --no-print-directory security
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest $(PYTEST_ARGS) || test $$? -eq 5

# bandit: no high-severity findings. pip-audit: no known vulnerabilities (skips, saying so,
# where the advisory database cannot be reached).
security:
	@if [ -x $(VENV)/bin/bandit ]; then \
		$(VENV)/bin/bandit -q -r consult nlp surveys --severity-level high && echo "bandit: no high findings"; \
	elif [ "$$CI" = true ]; then echo "bandit is not installed: it belongs in the dev extra" >&2; exit 1; \
	else echo "bandit is not installed: skipped"; fi
	@$(PY) .ci/pip_audit.py $(if $(filter true,$(CI)),,--allow-missing)

install: $(VENV)/.stamp-install assets

# torch first, pinned to the CPU build: a looser pin pulls several GB of CUDA packages.
# constraints.txt pins every installed package, direct or not (`make constraints`).
$(VENV)/.stamp-install: pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt torch==2.13.0
	$(PIP) install --quiet -c constraints.txt -e '.[nlp,dev]'
	touch $@

# Regenerate constraints.txt from the virtualenv as it is (after adding or changing a
# dependency in pyproject.toml and installing it). The project itself is left out, and
# torch's local build label (+cpu), which is this machine's wheel, not a version.
constraints:
	@{ echo "# Every installed package, pinned: make installs with -c constraints.txt."; \
	  echo "# Regenerate with: make constraints (README, \"Dependencies\")."; \
	  $(PIP) freeze --exclude-editable | grep -v -i '^consult[= @]' \
	    | sed -E 's/^(torch|torchvision|torchaudio)==([^+]+)\+.*/\1==\2/'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	@echo "constraints.txt: $$(grep -c '==' constraints.txt) packages pinned"

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

# Production (README, "Production"): migrate, publish the surveys, then gunicorn. Set
# SECRET_KEY and DATABASE_URL first; behind a TLS proxy also CONSULT_HTTPS=1 and
# CONSULT_PROXY_COUNT=1. BIND and WORKERS override the defaults.
BIND    ?= 127.0.0.1:8000
WORKERS ?= 2
serve: install
	$(CONSULT) init-db
	$(CONSULT) surveys load
	$(VENV)/bin/gunicorn --config gunicorn.conf.py --workers $(WORKERS) --threads 4 --bind $(BIND) \
		--timeout 60 'consult:create_app()'

worker: install
	$(CONSULT) worker

# Schema migrations (Alembic, in consult/migrations/versions). Both compare the models with a
# scratch SQLite database, so your own database's state does not matter.
#   make migration MESSAGE="add school"  writes a new script for what changed in the models;
#   make migration-initial               rewrites the initial migration from scratch (only
#                                         while no deployment has run it).
migration: install
	@test -n "$(MESSAGE)" || { echo 'usage: make migration MESSAGE="what changed"' >&2; exit 2; }
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	export DATABASE_URL="sqlite:///$$tmp/scratch.sqlite3" CONSULT_INSTANCE_PATH="$$tmp" && \
	$(CONSULT) db upgrade && $(CONSULT) db revision -m "$(MESSAGE)"

migration-initial: install
	find consult/migrations/versions -name '*.py' ! -name '__init__.py' -delete
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	export DATABASE_URL="sqlite:///$$tmp/scratch.sqlite3" CONSULT_INSTANCE_PATH="$$tmp" && \
	$(CONSULT) db revision -m "initial schema"
