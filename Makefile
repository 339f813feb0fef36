# Seedbed: `make demo` runs it, `make test` tests it. `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= --durations=25
TORCH_INDEX_URL ?=
PYTEST_WORKERS ?= 2
# Settings for throwaway production checks (never used to serve anything).
DEPLOY_CHECK_ENV := DJANGO_DEBUG=false DJANGO_SECRET_KEY=deploy-check-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n') SEEDBED_AUDIT_KEY=deploy-check-audit-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n') DJANGO_ALLOWED_HOSTS=seedbed.example.org

.PHONY: help venv frontend system-deps demo serve test test-fast test-postgres lint check deploy-check clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Seedbed needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	# The CPU build of PyTorch first, so sentence-transformers does not pull CUDA packages. Where the
	# package index serves the CUDA build by default, point TORCH_INDEX_URL at a CPU-only index
	# (e.g. make venv TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu); the check after the
	# install stops the build if a CUDA build arrived anyway.
	$(BIN)/pip install --quiet torch==2.13.0 $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL))
	$(BIN)/python -c "import sys, torch; sys.exit(0 if torch.version.cuda is None else 'PyTorch ' + torch.__version__ + ' is a CUDA build; set TORCH_INDEX_URL to a CPU-only index')"
	$(BIN)/pip install --quiet -e '.[text,report,spark,test,dev]'
	touch $(STAMP)

venv: $(STAMP) ## Create the virtual environment and install Python dependencies

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch node_modules/.package-lock.json

frontend: node_modules/.package-lock.json ## Build the front end (GOV.UK Frontend + Sass, Arial)
	node frontend/build.mjs

system-deps: ## Install Debian packages the tests need (Chromium, Pango for PDF, Java for Spark)
	@need=""; \
	[ -x /usr/bin/chromium ] || need="$$need chromium"; \
	ls /usr/lib/x86_64-linux-gnu/libpango-1.0.so.0 >/dev/null 2>&1 || need="$$need libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"; \
	command -v java >/dev/null || need="$$need openjdk-17-jre-headless"; \
	fc-list 2>/dev/null | grep -qi "liberation sans" || need="$$need fonts-liberation"; \
	if [ -n "$$need" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get install -y -q $$need; \
	  else echo "Please install:$$need (sudo apt-get install$$need)"; exit 1; fi; \
	fi

demo: venv frontend ## Set up everything and serve the demo on http://127.0.0.1:8000
	DJANGO_DEBUG=true $(BIN)/seedbed demo

serve: venv frontend ## Serve without loading demo data
	DJANGO_DEBUG=true $(BIN)/seedbed serve

test: venv frontend system-deps ## Run the whole test suite (SQLite)
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-fast: venv frontend ## Run the suite without slow and browser tests
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not slow and not browser" $(PYTEST_ARGS)

# The framework-free engines' own suites (stats, pb, text) never open a database, so running
# them again here would prove nothing new; everything that touches a database runs on both.
# Nor does any other test that asks for no database fixture (pytest-django refuses its queries)
# and no PostgreSQL one: tests/conftest.py marks those `database_free`, and they run on SQLite only.
# The PostgreSQL leg runs every database-touching test once more, except those that test the
# browser, the HTTP load path and the API fuzzing: they exercise pages and the server, not the
# database, and run once, on SQLite (the database `make demo` uses).
PG_SKIP := --ignore=tests/stats --ignore=tests/pb --ignore=tests/text --ignore=tests/browser \
	--ignore=tests/api/test_schema_fuzz.py --ignore=tests/participation/test_load.py \
	-m "not browser and not database_free"

test-postgres: venv frontend system-deps ## Run every database-touching test against a local PostgreSQL (started if needed)
	url=$$(bash .ci/postgres.sh) && \
	DATABASE_URL=$$url SEEDBED_TEST_POSTGRES_URL=$$url $(BIN)/pytest -n $(PYTEST_WORKERS) $(PG_SKIP) $(PYTEST_ARGS)

lint: venv ## ruff, mypy and the import-linter contracts
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

deploy-check: venv ## `manage.py check --deploy` under production settings
	$(DEPLOY_CHECK_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING

check: lint test ## Lint, types, import contracts and tests

clean: ## Remove the virtual environment, node_modules, builds and var/
	rm -rf $(VENV) node_modules frontend/build var
