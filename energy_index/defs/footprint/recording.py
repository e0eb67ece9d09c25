"""Every step's footprint, recorded in one place: a resource that measures (this module) and
hooks on every asset and check (`hooks`).

The `footprint` resource opens a measurement when a run starts; the hooks on every job close
it when a step ends (success or failure) and open the next, so with steps running one after
another each step's measurement covers exactly that step. The hook keeps one row per asset the
step planned for `raw.pipeline_emissions` (a multi-asset step's energy shared equally), written
every few seconds and when the run ends, and reports an observation on each asset with its kWh,
gCO2e and measurement mode, which the UI shows beside the materialisation. Nothing here can fail
a step: a write that cannot get the warehouse is kept and retried at the next write, or by the
next run.
"""

import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path

import dagster as dg
import polars as pl
from pydantic import Field, PrivateAttr

from energy_index.defs.footprint.tracker import Footprint, Measurement
from energy_index.warehouse import append_rows, connect_warehouse

STEP = "step"  # the open measurement between two step ends
SCHEMA = {"run_id": pl.Utf8, "job_name": pl.Utf8, "step_key": pl.Utf8, "asset_key": pl.Utf8,
          "materialized": pl.Boolean, "outcome": pl.Utf8, "step_share": pl.Float64, "duration_s": pl.Float64,
          "energy_kwh": pl.Float64, "cpu_kwh": pl.Float64, "ram_kwh": pl.Float64, "gpu_kwh": pl.Float64,
          "emissions_kg": pl.Float64, "gco2e": pl.Float64, "step_duration_s": pl.Float64,
          "step_energy_kwh": pl.Float64, "country_iso": pl.Utf8, "country_name": pl.Utf8, "mode": pl.Utf8,
          "tracking_overhead_s": pl.Float64, "recorded_at": pl.Datetime("us", "UTC")}
TABLE = "raw.pipeline_emissions"
FLUSH_EVERY_S = 5.0
_FOOTPRINTS: dict[tuple, Footprint] = {}
_LOCK = threading.Lock()


def shared_footprint(country_iso: str | None, enabled: bool, options: dict | None = None,
                     output_dir: str | None = None) -> Footprint:
    """One CodeCarbon tracker per process and setting: starting one costs about two seconds."""
    key = (country_iso, enabled, json.dumps(options or {}, sort_keys=True, default=str), output_dir)
    with _LOCK:
        if key not in _FOOTPRINTS:
            _FOOTPRINTS[key] = Footprint(country_iso, enabled, options, output_dir)
        _FOOTPRINTS[key].retry_if_failed()
        return _FOOTPRINTS[key]


def warm_up(country_iso: str | None, enabled: bool, warehouse: str) -> None:
    """Start this process's tracker for the runs about to execute here, in the background."""
    if enabled:
        shared_footprint(country_iso, enabled, {}, str(Path(warehouse).parent)).warm_up()


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
    _events: dict = PrivateAttr(default_factory=dict)  # step key -> this run's events of the types asked for
    _cursor: str | None = PrivateAttr(default=None)
    _flushed_at: float = PrivateAttr(default_factory=time.monotonic)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._footprint = shared_footprint(self.country_iso, self.enabled, self.codecarbon_options,
                                           str(Path(self.warehouse).parent))
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
        if self._pending:  # the warehouse stayed locked: keep the rows for the next run to write
            spill = self._spill_dir() / f"{uuid.uuid4().hex}.parquet"
            spill.parent.mkdir(parents=True, exist_ok=True)
            partial = spill.with_suffix(".partial")
            pl.DataFrame(self._pending, schema=SCHEMA).write_parquet(partial)
            os.replace(partial, spill)
            self._pending.clear()

    def measure(self, name: str):
        """A nested measurement inside a step (a model fit, say): `with footprint.measure(name) as m`."""
        return self._footprint.measure(name) if self._footprint else Footprint(None, enabled=False).measure(name)

    def close_step(self) -> Measurement:
        """The measurement since the previous step ended (or the run started), and a new one opened."""
        measurement = self._footprint.stop(STEP)
        self._footprint.start(STEP)
        return measurement

    def step_events(self, instance: dg.DagsterInstance, run_id: str, types: set, step_key: str) -> list:
        """The run's events of `types` from `step_key`, read incrementally: each step's hook reads only
        what was logged since the last one (reading the whole run each time grew with every step)."""
        while True:
            records = instance.get_records_for_run(run_id, cursor=self._cursor, of_type=types, limit=1000)
            self._cursor = records.cursor or self._cursor
            for record in records.records:
                event = record.event_log_entry.dagster_event
                if event is not None:
                    self._events.setdefault(event.step_key, []).append(event)
            if not records.has_more:
                return self._events.get(step_key, [])

    def record(self, rows: list[dict]) -> None:
        """Keep a step's rows; write what is kept every FLUSH_EVERY_S and when the run ends (opening
        the warehouse for every step cost seconds a refresh). A killed run loses at most that many
        seconds of rows."""
        started = time.perf_counter()
        self._pending.extend(rows)
        if time.monotonic() - self._flushed_at >= FLUSH_EVERY_S:
            self._flush()
        self.add_overhead(time.perf_counter() - started)  # charged to the next step's rows

    def _spill_dir(self) -> Path:
        return Path(self.warehouse).parent / "footprint_pending"

    def _spilled(self) -> list[tuple[Path, pl.DataFrame]]:
        found = []
        for path in sorted(self._spill_dir().glob("*.parquet")):
            try:
                found.append((path, pl.read_parquet(path)))
            except Exception as exc:  # noqa: BLE001 - a damaged spill is dropped, not retried forever
                logging.getLogger(__name__).warning("footprint: unreadable %s removed: %s", path, exc)
                path.unlink(missing_ok=True)
        return found

    def _flush(self) -> None:
        """Write the pending rows and any a locked warehouse made an earlier run keep."""
        self._flushed_at = time.monotonic()
        spilled = self._spilled()
        frames = [f for _, f in spilled] + ([pl.DataFrame(self._pending, schema=SCHEMA)] if self._pending else [])
        if not frames:
            return
        try:
            conn = connect_warehouse(self.warehouse, self.lock_wait_s)
            try:
                append_rows(conn, TABLE, pl.concat(frames, how="diagonal_relaxed"))
            finally:
                conn.close()
            self._pending.clear()
            for path, _ in spilled:
                path.unlink(missing_ok=True)
        except Exception as exc:  # noqa: BLE001 - never fail a step over its footprint
            logging.getLogger(__name__).warning("footprint rows kept for the next step: %s", exc)




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
