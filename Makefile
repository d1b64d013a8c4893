# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate serve lint typecheck bench soak analyticsdb-stop clean

# What the app needs to run (make run), then the development and test tools
# (make test, lint, bench) on top.
$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed: $(VENV)/.runtime requirements-dev.txt
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# A local .env with a generated SECRET_KEY, written once and never committed.
.env:
	@echo "SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "# make run serves plain HTTP on 127.0.0.1: cookies cannot require HTTPS there." >> .env
	@echo "SESSION_COOKIE_SECURE=false" >> .env
	@echo "CSRF_COOKIE_SECURE=false" >> .env
	@echo "Wrote .env with a generated SECRET_KEY (see .env.example for every setting)."

migrate: $(VENV)/.runtime .env
	$(PY) manage.py migrate --noinput

# Ends with a summary: where to go, how to sign in, and what keeps running.
run: migrate
	@$(PY) manage.py ensure_admin --summary "http://$(HOST):$(PORT)/"
	$(PY) manage.py runserver --insecure $(HOST):$(PORT)

test: install
	$(PY) -m pytest

typecheck: install
	$(VENV)/bin/mypy --exclude bench .

lint: install typecheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The randomised cut-over fault test at length (make test runs 8 rounds).
ROUNDS ?= 200
soak: install
	AUNOO_FAULT_ROUNDS=$(ROUNDS) $(PY) -m pytest -q -s articles/tests/test_cutover_faults.py

bench: install
	@command -v pgloader >/dev/null || apt-get install -y -qq pgloader >/dev/null 2>&1 \
		|| echo "pgloader is not installed: the migration benchmark will skip it."
	$(PY) -m bench $(ARGS)

analyticsdb-stop: $(VENV)/.runtime
	$(PY) manage.py analyticsdb stop

clean:
	rm -rf $(VENV) test-artifacts
