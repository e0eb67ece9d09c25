# Energy Index: two commands on a fresh machine, `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: run test coverage dev bench docs install instance clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m pip install --quiet --no-deps "rapidocr-onnxruntime==1.4.4"
	touch $(STAMP)

install: $(STAMP)

# DAGSTER_HOME/dagster.yaml for the warehouse profile (ENERGY_INDEX_WAREHOUSE): written every time,
# as the profile may have changed; `energy-index run` does the same.
instance: install
	$(BIN)/energy-index instance

run: install
	$(BIN)/energy-index run $(if $(filter-out 0,$(FULL)),--full,)

test: install
	$(BIN)/python -m pytest

# Line coverage of energy_index/ over the whole suite, subprocesses included (slower than `make test`).
coverage: install
	rm -f .coverage .coverage.*
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage combine -q
	$(BIN)/coverage report --sort=cover | tail -25

# The UI shows charts and labels by URL from the file server (energy_index/files.py), started beside it;
# dagster dev replaces the shell (exec), so a stop signal reaches it, and the file server stops with it.
dev: instance
	$(BIN)/energy-index files & exec env PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/dagster dev -w workspace.yaml $(DAGSTER_DEV_ARGS)

bench: install
	$(BIN)/python -m energy_index_bench

# dbt docs (catalog.json, manifest.json, index.html, static_index.html) for the warehouse `make run`
# built in ENERGY_INDEX_HOME (default ./data), written to dbt_project/target (or DBT_TARGET_PATH).
DOCS_HOME = $(or $(ENERGY_INDEX_HOME),$(CURDIR)/data)
docs: install
	@test -f "$(DOCS_HOME)/warehouse.duckdb" || \
		{ echo "no warehouse at $(DOCS_HOME)/warehouse.duckdb: run \`make run\` first" >&2; exit 1; }
	ENERGY_INDEX_HOME="$(DOCS_HOME)" $(BIN)/dbt docs generate --static --project-dir dbt_project --profiles-dir dbt_project
	@echo "dbt docs written to $${DBT_TARGET_PATH:-dbt_project/target}. Browse them with"
	@echo "  $(BIN)/dbt docs serve --project-dir dbt_project --profiles-dir dbt_project"
	@echo "or open $${DBT_TARGET_PATH:-dbt_project/target}/static_index.html in a browser (no server needed)."

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs .coverage .coverage.*
