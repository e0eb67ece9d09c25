"""Where a refresh's time goes: each run's wall time and its slowest steps, from the runs' own events in
the Dagster instance (never from a stopwatch around them), the time spent outside any step apart;
and a sampling profile (pyinstrument) of a full refresh, written beside bench.json.

Since a refresh executes its runs in its own process (operations/launch.py), one profile of
`energy-index run` covers every run and step: the slowest frames say what to make faster next.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import dagster as dg
from dagster._core.events import DagsterEventType
from dagster._core.storage.dagster_run import RunsFilter

from energy_index.defs.operations.launch import partition_label
from energy_index.settings import REPO_ROOT

STEP_EVENTS = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
SLOWEST = 10


def run_breakdown(dagster_home: Path, since: datetime) -> list[dict]:
    """Every run created since `since`: job, partition, wall time, and each step's duration."""
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    runs = []
    for record in sorted(instance.get_run_records(filters=RunsFilter(created_after=since)),
                         key=lambda r: r.start_time or 0):
        run, started, steps = record.dagster_run, {}, {}
        for event in instance.get_records_for_run(run.run_id, of_type=STEP_EVENTS, limit=10_000).records:
            entry = event.event_log_entry
            if entry.dagster_event.event_type == DagsterEventType.STEP_START:
                started[entry.step_key] = entry.timestamp
            elif entry.step_key in started:
                steps[entry.step_key] = entry.timestamp - started[entry.step_key]
        wall = (record.end_time - record.start_time) if record.start_time and record.end_time else 0.0
        runs.append({"job": run.job_name, "partition": partition_label(run.tags), "wall_s": wall, "steps": steps})
    return runs


def breakdown_rows(prefix: str, runs: list[dict], refresh_wall_s: float) -> list[tuple[str, float, str]]:
    """A refresh's runs, its slowest steps, and what lies outside steps and outside runs."""
    rows = [(f"{prefix}_run_{r['job']}" + (f"[{r['partition']}]" if r["partition"] else ""), r["wall_s"], "s")
            for r in runs]
    steps = sorted(((d, k) for r in runs for k, d in r["steps"].items()), reverse=True)
    rows += [(f"{prefix}_step_{key}", duration, "s") for duration, key in steps[:SLOWEST]]
    in_runs, in_steps = sum(r["wall_s"] for r in runs), sum(d for d, _ in steps)
    return rows + [(f"{prefix}_runs", len(runs), "runs"), (f"{prefix}_time_in_steps", in_steps, "s"),
                   (f"{prefix}_time_in_runs_outside_steps", in_runs - in_steps, "s"),
                   (f"{prefix}_time_outside_runs", refresh_wall_s - in_runs, "s")]


def profiled_refresh(env: dict, report: Path) -> list[tuple[str, float, str]]:
    """A full refresh (FULL=1) under pyinstrument in a child process; its text report (slowest frames
    first) is written to `report`."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(report), "-m",
                           "energy_index.cli", "run"], cwd=REPO_ROOT, env={**env, "FULL": "1"},
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench: the profiled refresh failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    print(f"bench: profile of a full refresh written to {report}", flush=True)
    return [("profiled_full_refresh_wall_time", time.perf_counter() - started, "s")]
