"""`make bench`, faults: how long the next refresh takes to heal a fault, against a cold refresh.

Two faults from the fault-injection suite, on the warm benchmark home: the refresh killed
(SIGKILL to its process group) three seconds into dbt, and the cached ML.ENERGY archive cut
short with its extraction gone. Each is followed by a full refresh (the environment the bench
passes sets FULL=1, so every asset reads its inputs again and meets the damage), timed and
compared with the cold one, and its marts with those before the fault.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb

from energy_index.defs.operations.run_health import run_in_step

KILL_STEP, KILL_AFTER_S = "dbt_models", 3.0


# What a run measured about itself (CodeCarbon's energy of our own steps) differs every run by
# nature; faults are judged on the data, so these tables and columns are left out.
RUN_MEASUREMENT_TABLES = {"fct_pipeline_emissions", "low_carbon_leaders"}
RUN_MEASUREMENT_COLUMNS = {"fit_energy_kwh", "fit_energy_wh", "fit_gco2e", "fit_duration_s", "footprint_mode",
                           "on_pareto_front", "within_one_point", "low_carbon_leader"}


def marts_fingerprint(warehouse: Path) -> dict[str, list[tuple]]:
    """Every mart's rows, sorted, without columns that record when something ran or what running
    it measured; floats to 10 significant digits (sums over the same rows may differ in the last
    bits between runs)."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = [t for (t,) in conn.execute("select table_name from information_schema.tables "
                                              "where table_schema = 'marts' order by 1").fetchall()
                  if t not in RUN_MEASUREMENT_TABLES]
        found = {}
        for table in tables:
            columns = [name for name, data_type in conn.execute(
                "select column_name, data_type from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? order by ordinal_position", [table]).fetchall()
                if "TIMESTAMP" not in data_type and not name.endswith(("_at", "_run_id"))
                and name not in RUN_MEASUREMENT_COLUMNS]
            selected = ", ".join(f'"{column}"' for column in columns)
            rows = conn.execute(f"select {selected} from marts.{table}").fetchall()
            found[table] = sorted((tuple(_settled(v) for v in row) for row in rows), key=repr)
        return found


def _settled(value):
    return float(f"{value:.10g}") if isinstance(value, float) else value


def start_refresh(env: dict, log: Path) -> subprocess.Popen:
    """`energy-index run` in its own process group, so a kill reaches the dbt it starts too."""
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "energy_index.cli", "run"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def kill_in_step(proc: subprocess.Popen, dagster_home: Path, step_key: str, after_s: float,
                 timeout_s: float = 600) -> str:
    """SIGKILL `proc`'s process group `after_s` into step `step_key`; returns the killed run's id."""
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    deadline = time.monotonic() + timeout_s
    while proc.poll() is None and time.monotonic() < deadline:
        run_id = run_in_step(instance, step_key)
        if run_id:
            time.sleep(after_s)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return run_id
        time.sleep(0.1)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    raise RuntimeError(f"step {step_key} did not start before the refresh ended or {timeout_s:.0f} s passed")


def fault_rows(home: Path, dagster_home: Path, env: dict, cold_s: float, refresh: Callable[[Path], dict],
               tmp: Path) -> list[tuple[str, float | int, str]]:
    before = marts_fingerprint(home / "warehouse.duckdb")
    kill_in_step(start_refresh(env, tmp / "killed.log"), dagster_home, KILL_STEP, KILL_AFTER_S)
    after_kill = refresh(tmp / "after-kill.log")
    killed_same = marts_fingerprint(home / "warehouse.duckdb") == before
    archive = max((p for p in (home / "cache" / "downloads").iterdir() if not p.name.endswith(".json")),
                  key=lambda p: p.stat().st_size)
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 3])
    shutil.rmtree(home / "cache" / "extracted", ignore_errors=True)
    after_damage = refresh(tmp / "after-damage.log")
    damaged_same = marts_fingerprint(home / "warehouse.duckdb") == before
    return [
        ("recovery_after_kill_in_dbt_wall_time", after_kill["wall_s"], "s"),
        ("recovery_after_kill_cold_ratio", after_kill["wall_s"] / cold_s, "x"),
        ("recovery_after_kill_marts_identical", int(killed_same), "bool"),
        ("recovery_after_truncated_cache_wall_time", after_damage["wall_s"], "s"),
        ("recovery_after_truncated_cache_cold_ratio", after_damage["wall_s"] / cold_s, "x"),
        ("recovery_after_truncated_cache_marts_identical", int(damaged_same), "bool"),
    ]
