"""Raw tables of published training figures and accelerator specs, loaded write-audit-publish."""

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from energy_index.assumptions import ASSUMPTIONS_KEY, seed_key
from energy_index.defs.estimates.inputs import InputError, read_accelerators, read_reference
from energy_index.defs.quality import training_suites as suites
from energy_index.defs.quality.audit import SUITE_CHECK, load_audited, suite_check_spec
from energy_index.defs.sources.fetcher import SourceError
from energy_index.defs.sources.upstream import file_version, observation, upstream_source
from energy_index.metadata_tables import preview_table
from energy_index.settings import TRAINING_ENV
from energy_index.warehouse import replace_table

SOURCE = "training_reference"
REFERENCE_KEY = dg.AssetKey(["raw", "training_reference"])
SPECS_KEY = dg.AssetKey(["raw", "accelerator_specs"])
UPSTREAM_KEY = dg.AssetKey(["upstream", "training_reference"])


class TrainingReference(dg.ConfigurableResource):
    """Where the published training figures are: a directory with `reference.csv` and
    `gpu_specs.csv` (ENERGY_INDEX_TRAINING_DIR, by default ../shared/training)."""

    directory: str | None = None

    def path(self, name: str) -> Path | None:
        return Path(self.directory) / name if self.directory else None


NOT_CONFIGURED = (f"no training reference configured: set {TRAINING_ENV} to a directory holding "
                  f"reference.csv and gpu_specs.csv (the published tables stay as they were)")


def _load(conn: duckdb.DuckDBPyConnection, staged: str, read, path: Path) -> None:
    try:
        frame: pl.DataFrame = read(path)
    except InputError as exc:
        raise SourceError(SOURCE, str(path), str(exc)) from exc
    replace_table(conn, staged, frame.with_columns(pl.lit(str(path)).alias("source_file")))


def _loaded(conn, table: str, key: dg.AssetKey, path: Path | None, read, expectations, id_column: str):
    if path is None:  # a machine without the figures still refreshes and publishes everything else
        yield dg.MaterializeResult(asset_key=key, metadata={"status": NOT_CONFIGURED}, check_results=[
            dg.AssetCheckResult(check_name=SUITE_CHECK, asset_key=key, passed=True, metadata={"skipped": NOT_CONFIGURED})])
        return
    check = yield from load_audited(conn, source=SOURCE, origin=str(path), table=table, key=key,
                            load=lambda staged: _load(conn, staged, read, path), expectations=expectations,
                            id_column=id_column)
    yield dg.MaterializeResult(check_results=[check], metadata={
        "dagster/row_count": conn.execute(f"select count(*) from {table}").fetchone()[0],
        "file": str(path), "preview": preview_table(
            conn, f"select * exclude (source, source_file) from {table}", limit=40)})


@upstream_source(UPSTREAM_KEY)
def upstream_training_reference(training: TrainingReference) -> dg.ObserveResult:
    """The published training figures and accelerator specs on disk now (each file's sha256)."""
    return observation({name: file_version(training.path(name)) for name in ("reference.csv", "gpu_specs.csv")})


@dg.asset(key=REFERENCE_KEY, deps=[UPSTREAM_KEY, ASSUMPTIONS_KEY], kinds={"duckdb"}, check_specs=[suite_check_spec(REFERENCE_KEY)],
          pool="warehouse")
def training_reference(training: TrainingReference, duckdb: DuckDBResource):
    """Published training figures, one row per model or training run, exactly as their sources
    state them (GPU-hours, hardware and TDP, energy in MWh, PUE, grid kg/kWh, tCO2e location-
    and market-based, year, source and where in it). Empty cells stay empty: the estimator
    fills gaps in its model, never in the data. A file with missing columns, non-numbers,
    values outside their unit's range or a row without a source is rejected naming the field,
    and the previous table is kept."""
    with duckdb.get_connection() as conn:
        yield from _loaded(conn, "raw.training_reference", REFERENCE_KEY, training.path("reference.csv"),
                           read_reference, suites.reference, "model")


@dg.asset(key=SPECS_KEY, deps=[UPSTREAM_KEY, seed_key("accelerator_peak_flops")], kinds={"duckdb"}, check_specs=[suite_check_spec(SPECS_KEY)],
          pool="warehouse")
def accelerator_specs(training: TrainingReference, duckdb: DuckDBResource):
    """Accelerators' TDP (W) and memory from `gpu_specs.csv`, each with its source, joined to the
    peak dense throughput (FLOP/s) of the project's `accelerator_peak_flops` seed."""
    with duckdb.get_connection() as conn:
        yield from _loaded(conn, "raw.accelerator_specs", SPECS_KEY, training.path("gpu_specs.csv"),
                           read_accelerators, suites.accelerator_specs, "gpu")
