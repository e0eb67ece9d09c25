"""Runs whose process died, and the `warehouse` pool they would otherwise hold for ever.

A run killed by `kill -9`, an out-of-memory kill or a reboot never reports its own end: it stays
`STARTED` in the Dagster instance and keeps its claim on the `warehouse` pool, and every later
run waits on that pool. The in-process executor records its worker's pid in an engine event
when a run starts; a `STARTED` run whose worker is no longer alive (or whose pid now belongs
to a process started after the run) is dead. `reap_dead_runs` marks such runs failed, with the
reason, and frees their pool slots; `make run` calls it before it starts and the
`dead_run_reaper` sensor calls it every minute under `make dev`. Slots still claimed by runs
that have already ended are freed too.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster._core.events import DagsterEventType
from dagster._core.storage.dagster_run import FINISHED_STATUSES, DagsterRunStatus, RunsFilter

WAREHOUSE_POOL = "warehouse"
NO_PID_GRACE_S = 300  # a run that has recorded no worker pid this long after it started never will
PROC = Path("/proc")


class PoolBusy(RuntimeError):
    """The warehouse pool stayed claimed by a live run for longer than the bounded wait."""


@dataclass(frozen=True)
class ReapedRun:
    run_id: str
    job_name: str
    reason: str


def worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The pid the run's executor recorded when it started executing steps."""
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        data = record.dagster_event.engine_event_data if record.dagster_event else None
        pid = data.metadata.get("pid") if data else None
        if pid is not None:
            return int(pid.value)
    return None


def process_started_at(pid: int) -> float | None:
    """When process `pid` started (epoch seconds), or None if there is no such live process."""
    stat_path = PROC / str(pid) / "stat"
    if not stat_path.exists():
        if PROC.exists():
            return None
        try:  # no /proc (macOS): existence is all we can tell
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return 0.0
    try:
        fields = stat_path.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] in ("Z", "X"):  # a zombie has finished; only its parent has not noticed
        return None
    boot = next(float(line.split()[1]) for line in (PROC / "stat").read_text().splitlines()
                if line.startswith("btime"))
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def why_dead(instance: dg.DagsterInstance, run: dg.DagsterRun, now: float) -> str | None:
    """Why a run that claims to be running is not, or None when its worker is alive."""
    record = instance.get_run_record_by_id(run.run_id)
    started = (record.start_time or record.create_timestamp.timestamp()) if record else now
    pid = worker_pid(instance, run.run_id)
    if pid is None:
        return f"no worker process recorded {now - started:.0f} s after it started" \
            if now - started > NO_PID_GRACE_S else None
    process_start = process_started_at(pid)
    if process_start is None:
        return f"its worker process (pid {pid}) is gone: killed, out of memory, or the machine restarted"
    if process_start > started + 2:
        return f"its worker process (pid {pid}) is gone; that pid now belongs to a later process"
    return None


def reap_dead_runs(instance: dg.DagsterInstance) -> list[ReapedRun]:
    """Mark runs whose worker died as failed (saying why) and free every pool slot a finished
    run still holds. Returns the runs it marked."""
    now, reaped = time.time(), []
    running = instance.get_runs(filters=RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]))
    for run in running:
        reason = why_dead(instance, run, now)
        if reason:
            instance.report_run_failed(run, message=f"Marked failed by energy-index: {reason}.")
            reaped.append(ReapedRun(run.run_id, run.job_name, reason))
    storage = instance.event_log_storage
    for key in storage.get_concurrency_keys():
        for slot in storage.get_concurrency_info(key).claimed_slots:
            holder = instance.get_run_by_id(slot.run_id)
            if holder is None or holder.status in FINISHED_STATUSES:
                storage.free_concurrency_slots_for_run(slot.run_id)
    return reaped


def run_in_step(instance: dg.DagsterInstance, step_key: str) -> str | None:
    """The id of a running run that has started step `step_key`, if there is one."""
    for run in instance.get_runs(filters=RunsFilter(statuses=[DagsterRunStatus.STARTED])):
        if any(record.step_key == step_key
               for record in instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_START)):
            return run.run_id
    return None


def pool_holders(instance: dg.DagsterInstance, pool: str) -> list[str]:
    """Who holds the pool: 'run <id> (<job>, step <step>, started <time>)' per live claim."""
    holders = []
    for slot in instance.event_log_storage.get_concurrency_info(pool).claimed_slots:
        record = instance.get_run_record_by_id(slot.run_id)
        if record is None or record.dagster_run.status in FINISHED_STATUSES:
            continue
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(record.start_time)) if record.start_time else "?"
        holders.append(f"run {slot.run_id} ({record.dagster_run.job_name}, step {slot.step_key}, started {started})")
    return holders


def wait_for_pool(instance: dg.DagsterInstance, pool: str, timeout_s: float, poll_s: float = 2.0,
                  log=print) -> list[ReapedRun]:
    """Reap dead runs, then wait at most `timeout_s` for live runs to release `pool`."""
    deadline, reaped = time.monotonic() + timeout_s, []
    while True:
        for run in reap_dead_runs(instance):
            log(f"marked run {run.run_id} ({run.job_name}) failed: {run.reason}")
            reaped.append(run)
        holders = pool_holders(instance, pool)
        if not holders:
            return reaped
        if time.monotonic() >= deadline:
            raise PoolBusy(f"the '{pool}' pool is still held after waiting {timeout_s:.0f} s by "
                           f"{'; '.join(holders)}; that run is alive: let it finish, or terminate it in the "
                           f"Dagster UI (make dev), then run again")
        time.sleep(poll_s)


@dg.sensor(name="dead_run_reaper", minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def dead_run_reaper(context: dg.SensorEvaluationContext):
    """Every minute under `make dev`: runs whose worker process died are marked failed with the
    reason, and the pool slots they held are freed, so the next run does not wait for ever."""
    reaped = reap_dead_runs(context.instance)
    return dg.SkipReason("; ".join(f"marked run {r.run_id} failed: {r.reason}" for r in reaped)
                         or "no dead runs")
