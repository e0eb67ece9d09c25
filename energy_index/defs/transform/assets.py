"""dbt models (dbt_project/) as Dagster assets: staging views and mart tables, tests as checks."""


import fcntl
import importlib.metadata
import os
import shutil
import time
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from packaging import version

from energy_index.defs.transform.metadata import with_warehouse_metadata
from energy_index.defs.transform.translator import DomainTranslator
from energy_index.integrity import atomic_path
from energy_index.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, DBT_TARGET_ENV

GENERATED_DIRECTORIES = {"target", "logs", "dbt_packages"}
KEPT_INVOCATIONS = 20  # the latest dbt invocations' target directories (logs, compiled SQL) kept to inspect
PARSE_STATE = "partial_parse.msgpack"
# The analyst views read the Python assets' marts too, so they are built by their own dbt
# invocation after those (energy_index/defs/analyst); inside dbt_models they would form a cycle.
ANALYST_VIEWS = "path:models/analyst"
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def prepare_manifest() -> None:
    """Parse the dbt project when its manifest is missing or older than any project file.

    `DbtProject.prepare_if_dev()` only acts under `dagster dev`; this covers `make run`,
    pytest and the daemon alike, and costs one stat per project file when nothing changed. A
    lock keeps processes loading the code at once (test workers, the UI beside a refresh) from
    parsing into the same target directory together.
    """
    manifest = dbt_project.manifest_path
    if _manifest_current(manifest):
        return
    target = dbt_project.project_dir / dbt_project.target_path
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".parse.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _manifest_current(manifest):  # another process may have parsed while this one waited
            dbt_cli().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()


def _manifest_current(manifest: Path) -> bool:
    return manifest.exists() and all(p.stat().st_mtime <= manifest.stat().st_mtime for p in _project_files())


def _project_files() -> list[Path]:
    """The project's SQL, YAML and seed files; dbt's own output (target/, logs/) is never walked,
    so the check stays a few hundred stats however many runs those directories hold."""
    files = []
    for root, directories, names in os.walk(DBT_PROJECT_DIR):
        directories[:] = [d for d in directories if d not in GENERATED_DIRECTORIES]
        files += [Path(root, name) for name in names if name.endswith((".sql", ".yml", ".csv", ".md"))]
    return files


class WarehouseDbtResource(DbtCliResource):
    """dagster-dbt's CLI resource without two steps it takes before every invocation, which this
    project does not use and which cost 3 s per dbt step: `dbt --version` in a subprocess (the dbt
    beside this interpreter is the installed dbt-core, whose version the package metadata gives) and
    an in-process dbt adapter with every macro loaded (used only by dagster-dbt's own row-count and
    column fetches; transform/metadata.py reads those from the warehouse directly)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_cli() -> DbtCliResource:
    return WarehouseDbtResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


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
    are read once dbt has exited (its process holds DuckDB's write lock on the warehouse while it
    runs), in two queries (transform/metadata.py)."""
    start_from_project_parse()
    invocation = dbt.cli(["build"], context=context)
    events, failure = [], None
    try:
        events.extend(invocation.stream())
    except Exception as exc:  # a failed test or model: report what was built, then fail the step
        failure = exc
    try:
        described = list(with_warehouse_metadata(events, invocation.manifest))
    except Exception as exc:  # the metadata is a courtesy: never lose the events (or dbt's own failure) for it
        context.log.warning(f"row counts and column schemas not read ({exc}); the rest reported without them")
        described = events
    yield from described
    if failure is not None:
        raise failure
    keep_partial_parse(Path(invocation.target_path))


def dbt_target() -> Path:
    """Where dbt invocations keep their artefacts and parse state: `<home>/dbt` (settings.py)."""
    configured = os.environ.get(DBT_TARGET_ENV)
    return Path(configured) if configured else dbt_project.project_dir / dbt_project.target_path


def start_from_project_parse() -> None:
    """A home's first invocation starts from the parse the code location made (dbt keeps it only
    if the profile is the same, and parses in full otherwise)."""
    home_state, project_state = dbt_target() / PARSE_STATE, dbt_project.project_dir / dbt_project.target_path / PARSE_STATE
    if not home_state.exists() and project_state.exists() and home_state != project_state:
        _copy_atomically(project_state, home_state)


def keep_partial_parse(invocation_target: Path) -> None:
    """Make this invocation's parse state the one the home's next invocation starts from, and drop
    old invocations' directories.

    dagster-dbt gives each invocation a target directory of its own, seeded with the target
    directory's `partial_parse.msgpack`, and never copies the new one back: every invocation after
    a change of a model parsed the project from scratch. The state is per home (DBT_TARGET_PATH is
    `<home>/dbt`): dbt discards it when the warehouse path in the profile differs."""
    if (invocation_target / PARSE_STATE).exists():
        _copy_atomically(invocation_target / PARSE_STATE, dbt_target() / PARSE_STATE)
    cutoff = time.time() - 3600  # another process may still be using a recent one
    invocations = sorted((d for d in dbt_target().iterdir() if d.is_dir() and "-" in d.name),
                         key=lambda d: d.stat().st_mtime, reverse=True)
    for old in invocations[KEPT_INVOCATIONS:]:
        if old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)


def _copy_atomically(source: Path, target: Path) -> None:
    with atomic_path(target) as partial:
        shutil.copyfile(source, partial)
        partial.chmod(0o644)
