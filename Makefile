# Energy Index: two commands on a fresh machine, `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: run test coverage dev bench docs docs-serve install instance clean

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

# The docs site (MkDocs Material) in ./site, for the warehouse `make run` built in ENERGY_INDEX_HOME
# (default ./data): first the dbt docs (catalog, manifest, static_index.html) into <home>/dbt-docs,
# which the site embeds, then `mkdocs build --strict`, which generates the reference pages and the
# published index from the lake's latest snapshot and executes the notebook tour.
DOCS_HOME = $(or $(ENERGY_INDEX_HOME),$(CURDIR)/data)
DBT_DOCS = $(or $(DBT_TARGET_PATH),$(DOCS_HOME)/dbt-docs)
SITE_DIR ?= $(CURDIR)/site
# MkDocs 1.6 and Material print banners about their successors on every build: not this build's news.
DOCS_QUIET = NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true
docs: install
	@test -f "$(DOCS_HOME)/warehouse.duckdb" || \
		{ echo "no warehouse at $(DOCS_HOME)/warehouse.duckdb: run \`make run\` first" >&2; exit 1; }
	ENERGY_INDEX_HOME="$(DOCS_HOME)" $(BIN)/dbt docs generate --static --project-dir dbt_project \
		--profiles-dir dbt_project --target-path "$(DBT_DOCS)"
	ENERGY_INDEX_HOME="$(DOCS_HOME)" ENERGY_INDEX_DBT_DOCS="$(DBT_DOCS)" ENERGY_INDEX_DOCS_EXECUTE=$${ENERGY_INDEX_DOCS_EXECUTE:-true} \
		$(DOCS_QUIET) $(BIN)/mkdocs build --strict --site-dir "$(SITE_DIR)"
	@echo "docs site written to $(SITE_DIR) (open $(SITE_DIR)/index.html, or \`make docs-serve\`);"
	@echo "the dbt catalog is at $(SITE_DIR)/dbt/index.html, dbt's own files in $(DBT_DOCS)."

# The docs site served on http://127.0.0.1:8000, rebuilt on every edit.
docs-serve: docs
	ENERGY_INDEX_HOME="$(DOCS_HOME)" ENERGY_INDEX_DBT_DOCS="$(DBT_DOCS)" $(DOCS_QUIET) $(BIN)/mkdocs serve

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs site .coverage .coverage.*
