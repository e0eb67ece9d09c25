"""The hooks every asset and check carries: when a step ends, its measurement becomes rows in
`raw.pipeline_emissions` and an observation on each asset it materialised."""

import time

import dagster as dg

from energy_index.defs.footprint.recording import PipelineFootprint
from energy_index.defs.footprint.tracker import Measurement
from energy_index.warehouse import utcnow

WRITTEN = {dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, dg.DagsterEventType.ASSET_MATERIALIZATION,
           dg.DagsterEventType.ASSET_CHECK_EVALUATION}


def _step_assets(context: dg.HookContext) -> tuple[list[str], set[str]]:
    """The assets the step planned (or, for a check step, the assets it checked) and those it
    materialised."""
    events = context.resources.footprint.step_events(context.instance, context.run_id, WRITTEN, context.step_key)
    planned = {e.asset_key.to_user_string() for e in events if e.event_type != dg.DagsterEventType.ASSET_CHECK_EVALUATION
               and e.asset_key is not None}
    checked = {f"{e.asset_check_evaluation_data.asset_key.to_user_string()} (checks)" for e in events
               if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION}
    done = {e.asset_key.to_user_string() for e in events if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION}
    return sorted(planned or checked) or [f"step {context.step_key}"], done


def step_rows(context: dg.HookContext, measurement: Measurement, outcome: str) -> list[dict]:
    """One row per asset the step planned (or checked), each with an equal share of its figures."""
    assets, done = _step_assets(context)
    share = 1 / len(assets)
    scaled = {f: None if getattr(measurement, f) is None else getattr(measurement, f) * share
              for f in ("energy_kwh", "cpu_kwh", "ram_kwh", "gpu_kwh", "emissions_kg")}
    return [{"run_id": context.run_id, "job_name": context.job_name, "step_key": context.step_key,
             "asset_key": asset, "materialized": asset in done, "outcome": outcome, "step_share": share,
             "duration_s": measurement.duration_s * share, **scaled,
             "gco2e": None if scaled["emissions_kg"] is None else scaled["emissions_kg"] * 1000,
             "step_duration_s": measurement.duration_s, "step_energy_kwh": measurement.energy_kwh,
             "country_iso": measurement.country_iso, "country_name": measurement.country_name,
             "mode": measurement.mode, "tracking_overhead_s": None, "recorded_at": utcnow()} for asset in assets]


def observation_metadata(row: dict) -> dict:
    """What the UI shows on an asset after each run: its share of the step's kWh and gCO2e, and how."""
    figures = {"footprint_wh": None if row["energy_kwh"] is None else round(row["energy_kwh"] * 1000, 6),
               "footprint_gco2e": None if row["gco2e"] is None else round(row["gco2e"], 6)}
    return {**{k: v for k, v in figures.items() if v is not None}, "footprint_mode": row["mode"],
            "footprint_country": row["country_iso"] or "world average", "footprint_run_id": row["run_id"],
            "footprint_step_share": row["step_share"]}


def _record(context: dg.HookContext, outcome: str) -> None:
    try:
        footprint: PipelineFootprint = context.resources.footprint
        measurement = footprint.close_step()
        started = time.perf_counter()
        rows = step_rows(context, measurement, outcome)
        # this step's tracking time, plus what earlier writes and observations took
        overhead = footprint.take_overhead() + time.perf_counter() - started
        for row in rows:
            row["tracking_overhead_s"] = overhead * row["step_share"]
        footprint.record(rows)
        observing = time.perf_counter()
        partition = context.instance.get_run_by_id(context.run_id).tags.get("dagster/partition")
        for row in rows:
            if row["materialized"]:
                context.instance.report_runless_asset_event(dg.AssetObservation(
                    asset_key=dg.AssetKey.from_user_string(row["asset_key"]), partition=partition,
                    metadata=observation_metadata(row)))
        footprint.add_overhead(time.perf_counter() - observing)
    except Exception as exc:  # noqa: BLE001
        context.log.warning(f"footprint not recorded for {context.step_key}: {exc}")


@dg.success_hook(required_resource_keys={"footprint"})
def record_step_footprint(context: dg.HookContext) -> None:
    """Records the energy and CO2e of the step that just succeeded (CodeCarbon, offline)."""
    _record(context, "succeeded")


@dg.failure_hook(required_resource_keys={"footprint"})
def record_failed_step_footprint(context: dg.HookContext) -> None:
    """Records the energy and CO2e of the step that just failed: failed work costs energy too."""
    _record(context, "failed")


FOOTPRINT_HOOKS = {record_step_footprint, record_failed_step_footprint}
