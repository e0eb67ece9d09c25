"""Raw ML.ENERGY tables, one per file layout, loaded write-audit-publish one release at a time.

A release partition recognises its layout from its entry file and loads the tables of that
layout: v2's run files to `raw.mlenergy_runs` and `raw.mlenergy_models`, v3's task files to
`raw.mlenergy_configurations`. Each table's staged rows pass its blocking Great Expectations
suite before only this release's rows are replaced; tables of the other layout keep theirs and
their partition is materialised empty, saying so.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from energy_index.defs.mlenergy.archive import extract_archive, load_into
from energy_index.defs.mlenergy.layouts import RUN_FILES, configurations_frame, release_layout
from energy_index.defs.mlenergy.releases import RELEASES, SOURCE, Release, mlenergy_release_partitions
from energy_index.defs.mlenergy.source import FILES_KEY
from energy_index.defs.quality import mlenergy_suites as suites
from energy_index.defs.quality.audit import SUITE_CHECK, load_audited
from energy_index.defs.sources.fetcher import SourceError, SourceFetcher
from energy_index.metadata_tables import preview_table
from energy_index.warehouse import table_exists

RUNS_KEY = dg.AssetKey(["raw", "mlenergy_runs"])
MODELS_KEY = dg.AssetKey(["raw", "mlenergy_models"])
CONFIGURATIONS_KEY = dg.AssetKey(["raw", "mlenergy_configurations"])


@dataclass(frozen=True)
class RawTable:
    key: dg.AssetKey
    layout: str
    description: str
    id_column: str
    preview: str

    @property
    def table(self) -> str:
        return ".".join(self.key.path)


TABLES = (
    RawTable(RUNS_KEY, RUN_FILES, "One row per run JSON of a run-files release (v2: 474 runs), upstream field names; "
             "identity from the path `data/<family>/<task>/<GPU>/<org>/<model>/<config>.json` (task_family, task, "
             "gpu_name, model_id, config), source_path, source_commit, benchmark_release. `data/legacy/` (the v1 "
             "leaderboard) is not read.", "source_path",
             'select task, gpu_name, model_id, config, "Energy/req (J)", "Energy/image (J)", "Energy/video (J)"'),
    RawTable(MODELS_KEY, RUN_FILES, "Model metadata from each task's `models.json` of a run-files release: "
             "nickname, parameter counts, resolution.", "source_path",
             "select task_family, task, model_id, nickname, params_billion"),
    RawTable(CONFIGURATIONS_KEY, "task_configurations", "One row per configuration of a leaderboard-data release's "
             "task files (v3: 1,858), upstream field names: model, GPU and count, precision, architecture, total "
             "and active parameters, parallelism, batch, energy per token / request / image / video, power, "
             "throughput, inter-token latency percentiles; with task, task_family, source_file, "
             "configuration_index and source_configuration (`tasks/<task>.json#<index>`).", "source_configuration",
             "select task, gpu_model, model_id, weight_precision, num_gpus, energy_per_token_joules"),
)
SUITES: dict[dg.AssetKey, tuple[Callable, Callable]] = {
    RUNS_KEY: (suites.runs_expectations, suites.runs_audit_frame),
    MODELS_KEY: (lambda _columns: suites.models_expectations(), lambda frame: frame),
    CONFIGURATIONS_KEY: (suites.configurations_expectations, suites.configurations_audit_frame),
}


@dg.multi_asset(
    name="mlenergy_release",
    specs=[dg.AssetSpec(t.key, deps=[FILES_KEY], kinds={"duckdb"},
                        description=f"{t.description}\n\nOne partition per benchmark release replaces only its rows.")
           for t in TABLES],
    check_specs=[dg.AssetCheckSpec(SUITE_CHECK, asset=t.key, blocking=True, partitions_def=mlenergy_release_partitions,
                                   description="Great Expectations suite, run on the staged release before publish.")
                 for t in TABLES],
    partitions_def=mlenergy_release_partitions,
    can_subset=True,
    pool="warehouse",
)
def mlenergy_release(context: dg.AssetExecutionContext, fetcher: SourceFetcher, duckdb: DuckDBResource):
    """One registered ML.ENERGY release: its files to the raw tables of its layout, audited.

    A file that is not what its layout needs (no `configurations` list, a field that is a number in
    one configuration and text in another, a negative energy, an unknown precision, inter-token
    latency percentiles out of order...) fails this release alone with the file, the configuration
    and the field, and leaves its previous rows in place; the other release is untouched.
    """
    release = RELEASES[context.partition_key]
    loads = _loaders(fetcher, release)
    with duckdb.get_connection() as conn:
        _label_rows_from_before_releases(conn)
        for raw in TABLES:
            if raw.key not in context.selected_asset_keys:
                continue
            if raw.key in loads:
                yield from _load_table(conn, release, raw, loads[raw.key])
            else:
                yield _not_in_release(release, raw)


def _loaders(fetcher: SourceFetcher, release: Release) -> dict[dg.AssetKey, Callable]:
    """{raw table: load(conn, staged table)} for the layout of the release's cached files."""
    try:
        entry = fetcher.cached(SOURCE, release.entry_url)
        layout, families = release_layout(release, Path(entry.path))
        if layout == RUN_FILES:
            archive = extract_archive(Path(entry.path), entry.sha256, Path(fetcher.cache_dir))
            return {RUNS_KEY: lambda conn, staged: load_into(conn, staged, "mlenergy_runs.sql", archive.run_files,
                                                             archive.root, release),
                    MODELS_KEY: lambda conn, staged: load_into(conn, staged, "mlenergy_models.sql",
                                                               archive.model_files, archive.root, release)}
        frame = configurations_frame(release, {
            name: (Path(fetcher.cached(SOURCE, release.sibling_url(name)).path), family)
            for name, family in families.items()})
    except SourceError as exc:
        raise dg.Failure(description=f"{exc} ({release.origin})",
                         metadata={"release": release.release, "file": exc.location}) from exc
    return {CONFIGURATIONS_KEY: lambda conn, staged: conn.from_arrow(frame.to_arrow()).create(staged)}


def _label_rows_from_before_releases(conn: duckdb.DuckDBPyConnection) -> None:
    """Tables loaded before releases were partitions hold v2's rows without a release column: say so,
    so this release's load replaces them instead of adding a second copy."""
    for raw in TABLES:
        if table_exists(conn, raw.table) and "benchmark_release" not in {
                row[0] for row in conn.execute(f"describe {raw.table}").fetchall()}:
            conn.execute(f"alter table {raw.table} add column benchmark_release varchar default 'v2'")


def _load_table(conn, release: Release, raw: RawTable, load: Callable):
    expectations, audit = SUITES[raw.key]
    check = yield from load_audited(
        conn, source=SOURCE, origin=release.origin, table=raw.table, key=raw.key,
        load=lambda staged: load(conn, staged), expectations=expectations, audit=audit, id_column=raw.id_column,
        replace_where=("benchmark_release", release.release))
    rows = conn.execute(f"select count(*) from {raw.table} where benchmark_release = ?",
                        [release.release]).fetchone()[0]
    yield dg.MaterializeResult(asset_key=raw.key, check_results=[check], metadata={
        "dagster/row_count": rows, "release": release.release, "commit": release.commit,
        "preview": preview_table(conn, f"{raw.preview} from {raw.table} where benchmark_release = "
                                       f"'{release.release}'"),
        **_counts(conn, raw, release)})


def _counts(conn, raw: RawTable, release: Release) -> dict:
    if raw.key == MODELS_KEY:
        return {}
    gpu = "gpu_name" if raw.key == RUNS_KEY else "gpu_model"
    return {"runs_by_family_and_gpu": preview_table(
        conn, f"select task_family, {gpu} as gpu, count(*) runs from {raw.table} "
              f"where benchmark_release = '{release.release}' group by all order by all", limit=50)}


def _not_in_release(release: Release, raw: RawTable) -> dg.MaterializeResult:
    """A table of the other layout: materialised with no rows of this release, saying so, so the
    refresh does not plan it as missing every night."""
    note = {"release": release.release, "dagster/row_count": 0,
            "files": dg.MetadataValue.text(f"{release.release} is not in the {raw.layout} layout")}
    return dg.MaterializeResult(asset_key=raw.key, metadata=note, check_results=[dg.AssetCheckResult(
        check_name=SUITE_CHECK, asset_key=raw.key, passed=True, metadata={**note, "rows_validated": 0})])
