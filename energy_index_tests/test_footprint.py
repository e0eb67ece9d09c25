"""Our own footprint: real CodeCarbon around real Dagster steps, country grids, accuracy vs carbon."""

from __future__ import annotations

import json
import time
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from energy_index.defs.grid_carbon.countries import country_frame
from energy_index.defs.footprint.hooks import FOOTPRINT_HOOKS
from energy_index.defs.footprint.recording import PipelineFootprint, refresh_lines
from energy_index.defs.footprint.tracker import CPU_MODES
from energy_index.defs.ml.tradeoffs import pareto_front, with_leaders
from energy_index.settings import REPO_ROOT


@dg.asset
def spin():
    """Keeps a CPU busy for half a second."""
    started = time.time()
    while time.time() - started < 0.5:
        sum(range(10_000))


@dg.asset(deps=[spin])
def fits(footprint: PipelineFootprint):
    """Measures one nested piece of work, as the model evaluation does per estimator."""
    with footprint.measure("fit: inner") as cost:
        sum(range(2_000_000))
    return dg.MaterializeResult(metadata={"inner_kwh": cost.energy_kwh or 0.0, "inner_mode": cost.mode})


def run_tracked(tmp_path: Path, **resource) -> tuple[dg.ExecuteInProcessResult, Path, dg.DagsterInstance]:
    warehouse = tmp_path / "home" / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    instance = dg.DagsterInstance.ephemeral()
    job = dg.define_asset_job("tracked", hooks=FOOTPRINT_HOOKS)
    defs = dg.Definitions(assets=[spin, fits], jobs=[job],
                          resources={"footprint": PipelineFootprint(warehouse=str(warehouse), **resource)})
    return defs.resolve_job_def("tracked").execute_in_process(instance=instance), warehouse, instance


def rows(warehouse: Path) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.sql("select * from raw.pipeline_emissions order by step_key").pl().to_dicts()


def test_every_step_gets_a_row_with_positive_energy_and_nothing_is_written_elsewhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = set(REPO_ROOT.iterdir())
    result, warehouse, instance = run_tracked(tmp_path, country_iso="FRA")
    assert result.success
    recorded = rows(warehouse)
    assert [r["asset_key"] for r in recorded] == ["fits", "spin"]
    spin_row = next(r for r in recorded if r["asset_key"] == "spin")
    assert spin_row["energy_kwh"] > 0 and spin_row["gco2e"] > 0 and spin_row["duration_s"] >= 0.5
    assert spin_row["country_iso"] == "FRA" and spin_row["country_name"] == "France"
    assert any(method in spin_row["mode"] for method in CPU_MODES.values())  # says how CPU power was got
    inner = result.asset_materializations_for_node("fits")[0].metadata["inner_kwh"].value
    fits_row = next(r for r in recorded if r["asset_key"] == "fits")
    assert 0 < inner <= fits_row["energy_kwh"]  # the step's total includes the nested measurement
    observed = instance.fetch_observations(dg.AssetKey("spin"), limit=1).records
    assert observed and "footprint_gco2e" in observed[0].asset_observation.metadata
    assert {p.name for p in tmp_path.iterdir()} == {"home"}  # no emissions.csv, no lock file
    assert all(r["tracking_overhead_s"] >= 0 for r in recorded) and sum(r["tracking_overhead_s"] for r in recorded) > 0
    assert set(REPO_ROOT.iterdir()) == before


def test_a_tracker_that_cannot_start_never_fails_the_run(tmp_path):
    result, warehouse, _ = run_tracked(tmp_path, codecarbon_options={"tracking_mode": "not-a-mode"})
    assert result.success
    recorded = rows(warehouse)
    assert {r["asset_key"] for r in recorded} == {"spin", "fits"}
    assert all(r["mode"].startswith("failed:") and r["energy_kwh"] is None for r in recorded)


def test_tracking_switched_off_still_records_the_steps(tmp_path):
    result, warehouse, _ = run_tracked(tmp_path, enabled=False)
    assert result.success and {r["mode"] for r in rows(warehouse)} == {"off"}
    assert refresh_lines(str(warehouse), [result.run_id])[0].startswith("this refresh's footprint was not measured")


def test_the_refresh_summary_line(tmp_path):
    result, warehouse, _ = run_tracked(tmp_path, country_iso="POL")
    line = refresh_lines(str(warehouse), [result.run_id])[0]
    assert line.startswith("this refresh used ") and "(country POL, mode CPU: " in line


def test_pareto_front_and_low_carbon_leaders_on_a_hand_made_table():
    frame = pl.DataFrame({
        "kind": ["classifier"] * 5 + ["regressor"] * 2,
        "model": ["cheap", "best", "dominated", "middle", "unmeasured", "r1", "r2"],
        "score_points": [80.0, 91.0, 79.0, 90.5, 95.0, 60.0, 60.0],
        "fit_gco2e": [0.1, 5.0, 0.2, 1.0, None, 2.0, 1.0]})
    flagged = with_leaders(frame.with_columns(pareto_front(frame, "score_points", "fit_gco2e", "kind")))
    front = dict(zip(flagged["model"], flagged["on_pareto_front"]))
    assert front == {"cheap": True, "best": True, "dominated": False, "middle": True, "unmeasured": None,
                     "r1": False, "r2": True}
    # the best measured classifier scores 91; 'middle' is within one point for a fifth of the CO2e
    assert flagged.filter("low_carbon_leader")["model"].to_list() == ["middle", "r2"]
    within = flagged.filter(pl.col("within_one_point") & (pl.col("kind") == "classifier"))["model"].to_list()
    assert within == ["best", "middle", "unmeasured"]


def test_country_frame_from_codecarbons_file_shape():
    raw = json.dumps({"FRA": {"country_name": "France", "iso_code": "FRA", "year": 2023, "carbon_intensity": 56.0,
                              "total_TWh": 500.0, "fossil_TWh": 50.0, "low_carbon_TWh": 450.0},
                      "POL": {"country_name": "Poland", "iso_code": "POL", "year": 2023, "carbon_intensity": 662.0,
                              "total_TWh": 160.0, "fossil_TWh": 120.0, "low_carbon_TWh": 40.0}}).encode()
    frame = country_frame(raw, "9.9").sort("iso_code")
    assert frame["gco2e_per_kwh"].to_list() == [56.0, 662.0]
    assert frame["fossil_share"].to_list() == pytest.approx([0.1, 0.75])
    assert frame["codecarbon_version"].unique().to_list() == ["9.9"] and len(frame["data_sha256"][0]) == 64


def test_rows_a_locked_warehouse_refused_are_written_by_the_next_run(tmp_path):
    import subprocess
    import sys

    warehouse = tmp_path / "home" / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True)
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(warehouse)!r}); "
                               "print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        first, _, _ = run_tracked(tmp_path, lock_wait_s=0.2)
        assert first.success  # the footprint could not be written, the run did not care
        assert len(list((warehouse.parent / "footprint_pending").glob("*.parquet"))) == 1
    finally:
        holder.kill()
        holder.wait()
    second, _, _ = run_tracked(tmp_path, lock_wait_s=5)
    runs = {r["run_id"] for r in rows(warehouse)}
    assert runs == {first.run_id, second.run_id}
    assert not list((warehouse.parent / "footprint_pending").glob("*.parquet"))


def test_the_emissions_table_exists_with_its_columns_before_any_step_is_recorded():
    """dbt builds the footprint marts on raw.pipeline_emissions even when no hook has written a row
    yet (tracking off, a first refresh): the asset creates it empty, with every column, once."""
    from energy_index.defs.footprint.assets import ensure_table
    from energy_index.defs.footprint.recording import SCHEMA, TABLE

    with duckdb.connect() as conn:
        ensure_table(conn)
        ensure_table(conn)  # already there: left alone
        columns = [name for name, *_ in conn.execute(f"describe {TABLE}").fetchall()]
        assert columns == list(SCHEMA) and conn.execute(f"select count(*) from {TABLE}").fetchone() == (0,)
