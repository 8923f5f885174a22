# Korlantas Digital — the two commands a new user needs are `make run` and `make test`.
# Everything they need is installed from this repository's own files into .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# The test suite runs against real services: the machine's PostgreSQL and Redis unless
# DATABASE_URL / REDIS_URL say otherwise. (`make run` uses its embedded ones.)
TEST_ENV := DJANGO_ENV=test \
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/korlantas}" \
	REDIS_URL="$${REDIS_URL:-redis://127.0.0.1:6379/0}"

.PHONY: run test lint typecheck pytest messages migrations clean-var help

help:
	@echo "make run   - the whole portal on this machine (embedded PostgreSQL and Redis, Celery, web)"
	@echo "make test  - install dev requirements, then ruff, mypy, bandit, pip-audit, check --deploy and pytest"
	@echo "make screenshots - pictures of the main pages and of every kind of PDF into docs/screenshots/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamp files re-run pip only when a requirements file changes.
$(VENV)/.embedded-installed: requirements.txt requirements-embedded.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-embedded.txt
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-embedded.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

run: $(VENV)/.embedded-installed
	$(BIN)/python -m korlantas.embedded

test: $(VENV)/.dev-installed
	$(TEST_ENV) $(BIN)/python scripts/check_test_services.py
	@# The browser journeys (docs/e2e.md) need Debian's Chromium: installed here when missing and allowed.
	bash scripts/ensure_chromium.sh
	@# The card test looks at the e-SIM as an image (pdftoppm, Debian's poppler-utils).
	bash scripts/ensure_package.sh pdftoppm poppler-utils test "the card test"
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	@# Supply chain and deployment (docs/security-scans.md): bandit, pip-audit, check --deploy.
	$(BIN)/bandit -c pyproject.toml -r . -q
	$(BIN)/python scripts/audit_dependencies.py
	PYTHON=$(BIN)/python bash scripts/check_deploy.sh
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run --settings=tests.settings
	@# pytest exits 5 when it collects no test (e.g. a -k filter that matches nothing).
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy .

pytest: $(VENV)/.dev-installed
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# The README's pictures (docs/e2e.md, "Screenshots"): a live portal of its own (database, Redis
# keys, web server, worker; all removed afterwards), Chromium at 1280 and 360 px, pdftoppm for PDFs.
.PHONY: screenshots
screenshots: $(VENV)/.dev-installed
	$(TEST_ENV) $(BIN)/python scripts/check_test_services.py
	bash scripts/ensure_chromium.sh screenshots
	bash scripts/ensure_package.sh pdftoppm poppler-utils screenshots "the PDF pictures"
	$(TEST_ENV) $(BIN)/python -m tests.e2e.screenshots

messages: $(VENV)/.dev-installed
	$(BIN)/python manage.py makemessages --locale id --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(BIN)/python manage.py compilemessages --locale id --ignore '.venv/*'

migrations: $(VENV)/.dev-installed
	$(BIN)/python manage.py makemigrations

clean-var:
	@echo "Remove var/ (embedded database, Redis, mail, SMS and uploads) with: rm -rf var/"

# The portal under load (docs/benchmarks.md, "The portal under load"): gunicorn under
# benchmarks.settings, locust headless, a table written into docs/benchmarks.md. Environment:
# BENCH_DATABASE_URL (default korlantas_bench), BENCH_DURATION (s per read scenario, 30),
# BENCH_WRITE_DURATION (s of the submission and mixed profile, 60), BENCH_WORKERS (cores),
# BENCH_USERS (8), BENCH_LATENCY_USERS (workers) and BENCH_LATENCY_DURATION (15) for the
# unqueued pass, BENCH_SCENARIOS (all), BENCH_DRAFTS (3000), BENCH_MIXED_DRAFTS (1500).
# bench-growth: the queue pages at korlantas_bench_10k (made with SIZE=10000 if missing) and at
# BENCH_DATABASE_URL, their ratio written into docs/benchmarks.md.
.PHONY: bench bench-growth
$(VENV)/.bench-installed: requirements.txt requirements-embedded.txt requirements-dev.txt requirements-bench.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-bench.txt
	@touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)

bench-growth: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks.bench --growth $(BENCH_ARGS)

# Realistic data at scale (docs/benchmarks.md, "Seeding the benchmark database"): creates the
# database if missing, migrates it, loads the reference data, then bulk-loads SIZE applications
# with their citizens, vehicles, licences, bills, history and audit (replacing earlier bench rows).
SIZE ?= 1000000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/korlantas_bench
# The real `pdf` Celery worker rendering e-SIM cards, one then two processes (docs/benchmarks.md,
# "The PDF worker"): its own database korlantas_bench_pdf, seeded once with 10,000 applications.
.PHONY: bench-pdf
bench-pdf: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.pdf_worker $(BENCH_PDF_ARGS)

.PHONY: bench-data
bench-data: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.seed_data --create-database --database-url "$(BENCH_DATABASE_URL)"
	DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python manage.py migrate --no-input -v 0
	DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python manage.py seed --no-demo -v 0
	DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python -m benchmarks.seed_data --size $(SIZE)
