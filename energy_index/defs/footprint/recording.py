"""Every step's footprint, recorded in one place: a resource that measures, and hooks on the jobs.

The `footprint` resource opens a measurement when a run starts; the hooks on every job close
it when a step ends (success or failure) and open the next, so with steps running one after
another each step's measurement covers exactly that step. The hook writes one row per asset
the step planned to `raw.pipeline_emissions` (a multi-asset step's energy shared equally) and
reports an observation on each asset with its kWh, gCO2e and measurement mode, which the UI
shows beside the materialisation. Nothing here can fail a step: a write that cannot get the
warehouse is kept and retried at the next step.
"""

import logging
import time

import dagster as dg
import polars as pl
from pydantic import Field, PrivateAttr

from energy_index.defs.footprint.tracker import Footprint, Measurement
from energy_index.warehouse import append_rows, connect_warehouse, utcnow

STEP = "step"  # the open measurement between two step ends
SCHEMA = {"run_id": pl.Utf8, "job_name": pl.Utf8, "step_key": pl.Utf8, "asset_key": pl.Utf8,
          "materialized": pl.Boolean, "outcome": pl.Utf8, "step_share": pl.Float64, "duration_s": pl.Float64,
          "energy_kwh": pl.Float64, "cpu_kwh": pl.Float64, "ram_kwh": pl.Float64, "gpu_kwh": pl.Float64,
          "emissions_kg": pl.Float64, "gco2e": pl.Float64, "step_duration_s": pl.Float64,
          "step_energy_kwh": pl.Float64, "country_iso": pl.Utf8, "country_name": pl.Utf8, "mode": pl.Utf8,
          "tracking_overhead_s": pl.Float64, "recorded_at": pl.Datetime("us", "UTC")}
TABLE = "raw.pipeline_emissions"
_FOOTPRINTS: dict[tuple, Footprint] = {}


def shared_footprint(country_iso: str | None, enabled: bool, options: dict | None = None) -> Footprint:
    """One CodeCarbon tracker per process and setting: starting one costs about two seconds."""
    key = (country_iso, enabled, tuple(sorted((options or {}).items())))
    if key not in _FOOTPRINTS:
        _FOOTPRINTS[key] = Footprint(country_iso, enabled, options)
    return _FOOTPRINTS[key]


class PipelineFootprint(dg.ConfigurableResource):
    """CodeCarbon measuring this run (country from ENERGY_INDEX_COUNTRY; ENERGY_INDEX_FOOTPRINT=off
    disables it), and the warehouse its rows are written to."""

    country_iso: str | None = None
    enabled: bool = True
    warehouse: str
    # extra OfflineEmissionsTracker arguments, e.g. {"measure_power_secs": 5}
    codecarbon_options: dict = Field(default_factory=dict)
    lock_wait_s: float = 10.0
    _footprint: Footprint | None = PrivateAttr(default=None)
    _pending: list[dict] = PrivateAttr(default_factory=list)
    _overhead_s: float = PrivateAttr(default=0.0)  # tracking time not yet charged to a step

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._footprint = shared_footprint(self.country_iso, self.enabled, self.codecarbon_options)
        self._footprint.start(STEP)  # starts CodeCarbon the first time in a process (about 2 s)

    def add_overhead(self, seconds: float) -> None:
        """Time spent tracking, charged to the next step's rows."""
        self._overhead_s += seconds

    def take_overhead(self) -> float:
        """Tracking time not yet charged: inside CodeCarbon (nested measurements included), and
        the writes and observations of earlier steps."""
        total, self._overhead_s = self._overhead_s, 0.0
        return total + (self._footprint.take_spent() if self._footprint else 0.0)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._footprint is not None and self._footprint._stack:
            self._footprint.stop(STEP)  # the run's tail after its last step: not any asset's
        self._flush()

    def measure(self, name: str):
        """A nested measurement inside a step (a model fit, say): `with footprint.measure(name) as m`."""
        return self._footprint.measure(name) if self._footprint else Footprint(None, enabled=False).measure(name)

    def close_step(self) -> Measurement:
        """The measurement since the previous step ended (or the run started), and a new one opened."""
        measurement = self._footprint.stop(STEP)
        self._footprint.start(STEP)
        return measurement

    def record(self, rows: list[dict]) -> None:
        started = time.perf_counter()
        self._pending.extend(rows)
        self._flush()
        self.add_overhead(time.perf_counter() - started)  # charged to the next step's rows

    def _flush(self) -> None:
        if not self._pending:
            return
        try:
            conn = connect_warehouse(self.warehouse, self.lock_wait_s)
            try:
                append_rows(conn, TABLE, pl.DataFrame(self._pending, schema=SCHEMA))
            finally:
                conn.close()
            self._pending.clear()
        except Exception as exc:  # noqa: BLE001 - never fail a step over its footprint
            logging.getLogger(__name__).warning("footprint rows kept for the next step: %s", exc)


def step_rows(context: dg.HookContext, measurement: Measurement, outcome: str) -> list[dict]:
    """One row per asset the step planned, each with an equal share of the step's figures."""
    records = context.instance.get_records_for_run(
        context.run_id, of_type={dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
                                 dg.DagsterEventType.ASSET_MATERIALIZATION}).records
    events = [r.event_log_entry.dagster_event for r in records]
    planned = sorted({e.asset_key.to_user_string() for e in events if e and e.step_key == context.step_key
                      and e.asset_key is not None})
    done = {e.asset_key.to_user_string() for e in events if e and e.step_key == context.step_key
            and e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION}
    assets = planned or [context.step_key]
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
        for row in rows:
            if row["materialized"]:
                context.instance.report_runless_asset_event(dg.AssetObservation(
                    asset_key=dg.AssetKey.from_user_string(row["asset_key"]),
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


def refresh_lines(warehouse: str, run_ids: list[str]) -> list[str]:
    """For `make run`: what the refresh's runs used, as CodeCarbon measured each step."""
    import duckdb

    try:
        with duckdb.connect(warehouse, read_only=True) as conn:
            wh, gco2e, countries, modes = conn.execute(
                f"""select sum(energy_kwh) * 1000, sum(gco2e), string_agg(distinct coalesce(country_iso, 'world average'), ', '),
                        string_agg(distinct mode, ' | ') from {TABLE} where run_id in (select unnest(?))""",
                [run_ids]).fetchone()
    except duckdb.Error:
        return []
    if wh is None:
        return ["this refresh's footprint was not measured (ENERGY_INDEX_FOOTPRINT=off, or CodeCarbon failed)"]
    return [f"this refresh used {wh:.1f} Wh, {gco2e:.2f} gCO2e (country {countries}, mode {modes})"]
