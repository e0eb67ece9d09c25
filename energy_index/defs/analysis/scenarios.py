"""What-if scenarios over the measured benchmark runs, written to `marts.fct_scenarios`."""

# No `from __future__ import annotations` here: Dagster reads the Config field types at runtime.

import dagster as dg
import duckdb as duckdb_module
from dagster_duckdb import DuckDBResource
from pydantic import Field

from energy_index.metadata_tables import preview_table
from energy_index.settings import SQL_DIR
from energy_index.warehouse import row_count

SCENARIO_DIR = SQL_DIR / "scenarios"
TABLE = "marts.fct_scenarios"
WORKLOAD_ENERGY = dg.AssetKey(["marts", "fct_workload_energy"])
GPU_COMPARISON = dg.AssetKey(["marts", "fct_gpu_comparison"])


class ScenarioConfig(dg.Config):
    latency_limit_s: float = Field(
        default=0.1, description="Largest time per output token (s) an LLM configuration may have (v2: average "
                                 "TPOT; v3: median inter-token latency).")
    max_denoising_steps: int = Field(
        default=25, description="Largest number of denoising steps a diffusion run may use.")


def scenario_parameters(config: ScenarioConfig) -> dict[str, dict]:
    """Each scenario's SQL file under sql/scenarios/ and the $parameters it takes (DuckDB rejects extras)."""
    return {
        "newer_gpu": {},
        "lowest_energy_config_under_latency_limit": {"latency_limit_s": config.latency_limit_s},
        "cap_denoising_steps": {"max_denoising_steps": config.max_denoising_steps},
    }


def build_scenarios(conn: duckdb_module.DuckDBPyConnection, config: ScenarioConfig) -> int:
    """Run every scenario file and replace `marts.fct_scenarios` in one transaction; returns its rows."""
    conn.execute("begin transaction")
    try:
        conn.execute("""create or replace temp table scenario_rows (
            scenario varchar, benchmark_release varchar, modality varchar, baseline_energy_j double, scenario_energy_j double,
            runs_in_scope bigint, note varchar)""")
        for name, parameters in scenario_parameters(config).items():
            sql = (SCENARIO_DIR / f"{name}.sql").read_text()
            conn.execute(f"insert into scenario_rows by name {sql}", parameters)
        conn.execute("create schema if not exists marts")
        conn.execute(f"create or replace table {TABLE} as {(SCENARIO_DIR / 'fct_scenarios.sql').read_text()}")
        conn.execute("drop table scenario_rows")
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise
    return row_count(conn, TABLE)


TOTALS_CHECK = "every_scenario_has_a_total"


@dg.asset(key=["marts", "fct_scenarios"], kinds={"duckdb"}, deps=[WORKLOAD_ENERGY, GPU_COMPARISON],
          pool="warehouse", check_specs=[dg.AssetCheckSpec(
              TOTALS_CHECK, asset=["marts", "fct_scenarios"],
              description="Every scenario has its total row (modality 'all'), and a total that changes "
                          "something does not save more than its whole baseline (change_pct >= -100).")])
def fct_scenarios(context: dg.AssetExecutionContext, config: ScenarioConfig,
                  duckdb: DuckDBResource) -> dg.MaterializeResult:
    """What-if scenarios built only from measured runs: how much energy a change would save.

    One row per (scenario, benchmark release, modality) plus a total row per release (`modality =
    'all'`): `baseline_energy_j` sums the per-unit energy of the runs in the scenario's scope (one
    request, image or video per run), `scenario_energy_j` the same runs after the change, then
    `change_j`, `change_pct`, `runs_in_scope` and a `note` counting what could not be changed.
    Runs of different releases are never mixed.

    - `a100_to_h100` (v2), `h100_to_b200` (v3): each run on the older GPU replaced by the newer
      GPU's run of the same task, model, config and GPU count; runs with no counterpart are
      unchanged.
    - `lowest_energy_config_under_latency_limit`: per (task, model, GPU) of the LLM and MLLM
      runs, every configuration replaced by the lowest-energy one whose time per output token
      (v2 `avg_tpot_s`, v3 `median_itl_s`) is at most `latency_limit_s` (config, default 0.1 s);
      groups with none under the limit are unchanged.
    - `cap_denoising_steps`: diffusion runs of the same (task, model, GPU, batch size, frames,
      resolution, GPU count) measured at several step counts; runs above `max_denoising_steps`
      (config, default 25) take the run at the largest measured count at or below it. A release
      without any such group has one row that says so.

    The SQL lives in `sql/scenarios/`, one file per scenario.
    """
    if config.latency_limit_s <= 0 or config.max_denoising_steps < 1:
        raise dg.Failure(f"latency_limit_s must be > 0 and max_denoising_steps >= 1, got {config}")
    with duckdb.get_connection() as conn:
        rows = build_scenarios(conn, config)
        totals, totals_check = _totals(conn)
        table = preview_table(conn, f"select * from {TABLE}", limit=50)
    metadata = {
        "dagster/row_count": rows,
        "scenarios": table,
        "latency_limit_s": dg.MetadataValue.float(config.latency_limit_s),
        "max_denoising_steps": dg.MetadataValue.int(config.max_denoising_steps),
    }
    for scenario, change_pct in totals:
        context.log.info(f"{scenario}: total change {change_pct} %")
        if change_pct is not None:  # None: nothing in scope (the table's note says why)
            # A float per scenario so the UI can plot how each total moves between materialisations.
            metadata[f"{scenario.replace(' ', '/')}/change_pct"] = dg.MetadataValue.float(round(change_pct, 3))
    return dg.MaterializeResult(metadata=metadata, check_results=[totals_check])


def _totals(conn) -> tuple[list[tuple[str, float | None]], dg.AssetCheckResult]:
    """Each scenario's total change per release (`<scenario> <release>`), and the check that every
    scenario has its total row and no total saves more than its whole baseline."""
    key = "scenario || ' ' || benchmark_release"
    totals = conn.execute(f"select {key}, change_pct from {TABLE} where modality = 'all'").fetchall()
    without_total = [s for (s,) in conn.execute(
        f"select distinct {key} from {TABLE} except select {key} from {TABLE} where modality = 'all'").fetchall()]
    broken = sorted(str(s) for s in without_total)
    broken += sorted(str(s) for s, pct in totals if pct is not None and pct < -100)
    return totals, dg.AssetCheckResult(check_name=TOTALS_CHECK, passed=bool(totals) and not broken,
                                       metadata={"scenarios": len(totals), "broken": ", ".join(broken) or "none"})
