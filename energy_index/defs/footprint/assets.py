"""The footprint's raw table as an asset: rows are appended by the job hooks as steps end; this
asset makes sure the table exists for dbt and reports what the recorded runs used."""

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from energy_index.defs.footprint.recording import SCHEMA, TABLE
from energy_index.metadata_tables import frame_table
from energy_index.warehouse import table_exists

PIPELINE_EMISSIONS_KEY = dg.AssetKey(["raw", "pipeline_emissions"])


def ensure_table(conn) -> None:
    """The empty table with its columns, so dbt can build on it before any step was recorded."""
    if not table_exists(conn, TABLE):
        conn.execute("create schema if not exists raw")
        conn.register("_empty", pl.DataFrame(schema=SCHEMA).to_arrow())
        try:
            conn.execute(f"create table {TABLE} as select * from _empty")
        finally:
            conn.unregister("_empty")


MEASURES_CHECK = "measurements_are_physical"


@dg.asset(key=PIPELINE_EMISSIONS_KEY, kinds={"duckdb"}, pool="warehouse", check_specs=[dg.AssetCheckSpec(
    MEASURES_CHECK, asset=PIPELINE_EMISSIONS_KEY,
    description="Every recorded step has a non-negative energy (kWh), emissions (gCO2e) and duration.")])
def pipeline_emissions(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Our own footprint: one row per run, step and asset, appended by the hooks on every job as
    each step ends (CodeCarbon's offline tracker: energy of CPU, RAM and GPU, duration, gCO2e on
    the ENERGY_INDEX_COUNTRY grid, and the measurement mode it could use). A multi-asset step's
    figures are shared equally among its assets. This asset creates the table when it is
    missing and reports the latest recorded runs."""
    with duckdb.get_connection() as conn:
        ensure_table(conn)
        recent = conn.sql(f"""select run_id, job_name, min(recorded_at) as started, count(distinct step_key) as steps,
                round(sum(energy_kwh) * 1000, 3) as wh, round(sum(gco2e), 3) as gco2e, any_value(mode) as mode,
                any_value(coalesce(country_iso, 'world average')) as country
            from {TABLE} group by 1, 2 order by started desc limit 10""").pl()
        rows, impossible = conn.execute(f"""select count(*), count(*) filter (where energy_kwh < 0
            or gco2e < 0 or duration_s < 0) from {TABLE}""").fetchone()
    check = dg.AssetCheckResult(check_name=MEASURES_CHECK, passed=impossible == 0,
                                metadata={"rows": rows, "impossible_rows": impossible})
    return dg.MaterializeResult(metadata={"dagster/row_count": rows, "recent_runs": frame_table(recent)},
                                check_results=[check])
