"""dbt models (dbt_project/) as Dagster assets: staging views and mart tables, tests as checks."""


import os
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.core.dbt_event_iterator import DbtEventIterator

from energy_index.defs.transform.translator import DomainTranslator
from energy_index.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR

GENERATED_DIRECTORIES = {"target", "logs", "dbt_packages"}
# The analyst views read the Python assets' marts too, so they are built by their own dbt
# invocation after those (energy_index/defs/analyst); inside dbt_models they would form a cycle.
ANALYST_VIEWS = "path:models/analyst"
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def prepare_manifest() -> None:
    """Parse the dbt project when its manifest is missing or older than any project file.

    `DbtProject.prepare_if_dev()` only acts under `dagster dev`; this covers `make run`,
    pytest and the daemon alike, and costs one stat per project file when nothing changed.
    """
    manifest = dbt_project.manifest_path
    if manifest.exists() and all(p.stat().st_mtime <= manifest.stat().st_mtime for p in _project_files()):
        return
    dbt_cli().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()


def _project_files() -> list[Path]:
    """The project's SQL, YAML and seed files; dbt's own output (target/, logs/) is never walked,
    so the check stays a few hundred stats however many runs those directories hold."""
    files = []
    for root, directories, names in os.walk(DBT_PROJECT_DIR):
        directories[:] = [d for d in directories if d not in GENERATED_DIRECTORIES]
        files += [Path(root, name) for name in names if name.endswith((".sql", ".yml", ".csv", ".md"))]
    return files


def dbt_cli() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


prepare_manifest()
translator = DomainTranslator(dbt_project)


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=translator,
            project=dbt_project, pool="warehouse", exclude=ANALYST_VIEWS)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Builds every dbt model, seed and test (staging views, marts tables) in the warehouse, each
    table reported with its row count and every model with its column schema."""
    yield from build_with_metadata(context, dbt)


def build_with_metadata(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build` of the context's selection; each table's row count and each model's column schema
    are read once dbt has exited: its process holds DuckDB's write lock on the warehouse while it
    runs, so dagster-dbt's fetches during the stream would be refused."""
    invocation = dbt.cli(["build"], context=context)
    events, failure = [], None
    try:
        events.extend(invocation.stream())
    except Exception as exc:  # a failed test or model: report what was built, then fail the step
        failure = exc
    described = 0
    try:
        for event in DbtEventIterator(iter(events), invocation).fetch_row_counts().fetch_column_metadata():
            described += 1
            yield event
    except Exception as exc:  # the metadata is a courtesy: never lose the events (or dbt's own failure) for it
        context.log.warning(f"row counts and column schemas not read ({exc}); the rest reported without them")
        yield from events[described:]
    finally:
        release_warehouse()
    if failure is not None:
        raise failure


def release_warehouse() -> None:
    """Close the DuckDB database dagster-dbt's adapter opened in this process to count rows and read
    columns. dbt-duckdb keeps it open for the process's life, and DuckDB then refuses the Python
    assets' own connections to the file (a different configuration), so the next asset in the same
    process (in-process runs, the footprint hook) could not open the warehouse."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager as manager

    with manager._LOCK:
        if manager._ENV is not None:
            manager._ENV.close()
            manager._ENV = None
