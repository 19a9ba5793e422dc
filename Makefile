PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
UPWATCH_HOST ?= 127.0.0.1
UPWATCH_PORT ?= 8000
export UPWATCH_HOST UPWATCH_PORT

FLEET_DATABASE ?= upwatch
FLEET_POSTGRES ?= postgresql://postgres@127.0.0.1:5432
FLEET_BROKER ?= redis://127.0.0.1:6379/0

.PHONY: run test lint format install clean fleet check-deploy bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/upwatch serve --host $(UPWATCH_HOST) --port $(UPWATCH_PORT)

test: $(STAMP) $(CHROMIUM)
	$(BIN)/pytest $(PYTEST_ARGS)

# The browser tests (tests/web/ui) drive Debian's Chromium; installed once where it is missing.
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# api + 2 schedulers + 2 workers on the local PostgreSQL and Redis; Ctrl-C stops them all.
fleet: $(STAMP)
	psql "$(FLEET_POSTGRES)/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$(FLEET_DATABASE)'" | grep -q 1 \
		|| psql "$(FLEET_POSTGRES)/postgres" -c 'CREATE DATABASE "$(FLEET_DATABASE)"'
	UPWATCH_DATABASE_URL=$(FLEET_POSTGRES)/$(FLEET_DATABASE) $(BIN)/upwatch db upgrade
	UPWATCH_BIN=$(abspath $(BIN)) UPWATCH_DATABASE_URL=$(FLEET_POSTGRES)/$(FLEET_DATABASE) \
		UPWATCH_BROKER_URL=$(FLEET_BROKER) UPWATCH_LOG_FORMAT=console \
		$(BIN)/honcho -f Procfile.fleet start

# Benchmarks (bench/, results appended to docs/benchmarks.md); not part of `make test` or CI.
# BENCH_ARGS: --quick (a few minutes), --only NAME (repeatable), --healthchecks PATH, --no-record.
bench: $(STAMP)
	command -v nginx >/dev/null && command -v wrk >/dev/null || apt-get install -y nginx wrk
	$(BIN)/python -m bench $(BENCH_ARGS)

# Offline checks of the container, Terraform and workflow files (docs/deploy-aws.md).
check-deploy: $(STAMP)
	bash deploy/check.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .ruff_cache .pytest_cache
