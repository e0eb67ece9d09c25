"""`make bench`, the analyst query mix: every sql/*.sql example, in turn until `TOTAL` have run,
by `WORKERS` reader processes, each query on a new `connect_published` connection (opening it
counts in the query's latency, as `energy-index sql` opens one per query).

The mix has two shapes: `alone`, one query at a time, and `together`, queued at once so all
`WORKERS` readers run side by side.
- during a refresh: once the refresh is under way, half the mix `alone`, paced across the
  refresh's expected length, until its publish step starts; then the rest `together`, as soon as
  the Dagster instance shows the publish step started, so they meet the commit. Queries that end
  after the refresh are counted apart, and those overlapping the publish step (its STEP_START
  and STEP_SUCCESS events) are counted and timed apart.
- baseline, with no refresh running: the same two halves, back to back.
Each shape is compared with itself, as the readers' own contention differs between them.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from energy_index.lake import Lake, LakeUnavailable, connect_published
from energy_index.settings import SQL_DIR
from energy_index_bench.faults import start_refresh

TOTAL, WORKERS, POLL_S = 100, 4, 0.5
PUBLISH_STEP = "publish__analytics_snapshot"
QUERIES = {path.stem: path.read_text() for path in sorted(SQL_DIR.glob("*.sql"))}


def timed_query(lake: Lake, name: str, shape: str) -> dict:
    """One analyst query on its own read-only connection: wall-clock start and end, the time to
    attach, and the error if any."""
    started, start = time.time(), time.perf_counter()
    attach_s = error = None
    try:
        with connect_published(lake) as conn:
            attach_s = time.perf_counter() - start
            conn.execute(QUERIES[name]).fetchall()
    except (duckdb.Error, LakeUnavailable) as exc:
        error = (str(exc).split("could not be attached: ", 1)[-1].strip().splitlines() or [type(exc).__name__])[0]
    return {"query": name, "shape": shape, "started": started, "ended": time.time(), "attach_s": attach_s,
            "seconds": time.perf_counter() - start, "error": error and error[:200]}


def _quiet() -> None:
    """A reader prints nothing: DuckDB draws a progress bar on stdout for a statement past 2 s."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)


def _ready() -> None:
    time.sleep(1.0)  # holds its worker, so every worker process is up before anything is timed


@contextmanager
def reader_pool():
    """`WORKERS` spawned processes (no fork of a process running DuckDB), up before any query is timed."""
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet) as pool:
        for ready in [pool.submit(_ready) for _ in range(WORKERS)]:
            ready.result()
        yield pool


def mix_names() -> list[str]:
    """The `TOTAL` queries of a mix: every example in turn."""
    names = list(QUERIES)
    return [names[i % len(names)] for i in range(TOTAL)]


def baseline_mix(pool: ProcessPoolExecutor, lake: Lake) -> list[dict]:
    """The mix with no refresh running: half `alone`, one after another, then the rest `together`."""
    names = mix_names()
    alone = [pool.submit(timed_query, lake, name, "alone").result() for name in names[:TOTAL // 2]]
    return alone + [f.result() for f in [pool.submit(timed_query, lake, name, "together")
                                         for name in names[TOTAL // 2:]]]


def refresh_with_mix(pool: ProcessPoolExecutor, lake: Lake, env: dict, log: Path, dagster_home: Path,
                     expected_s: float) -> dict:
    """A refresh (`energy-index run` with `env`), timed, with the mix queued while it runs."""
    import dagster as dg

    from energy_index.defs.operations.run_health import run_in_step

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        pending, futures, gap, publishing = mix_names(), [], expected_s / (TOTAL // 2 + 5), False
        started_at, start = datetime.now(UTC), time.perf_counter()
        proc, next_at = start_refresh(env, log), start + gap
        while proc.poll() is None:
            publishing = publishing or run_in_step(instance, PUBLISH_STEP) is not None
            if publishing:
                futures += [pool.submit(timed_query, lake, name, "together") for name in pending]
                pending = []
            elif len(futures) < TOTAL // 2 and time.perf_counter() >= next_at:
                futures.append(pool.submit(timed_query, lake, pending.pop(0), "alone"))
                next_at += gap
            time.sleep(POLL_S)
        wall, ended = time.perf_counter() - start, time.time()
        if proc.returncode != 0:
            tail = "".join(log.read_text().splitlines(keepends=True)[-40:])
            sys.exit(f"bench: the refresh under the query mix exited with {proc.returncode}; last lines of {log}:\n{tail}")
        futures += [pool.submit(timed_query, lake, name, "together") for name in pending]
        return {"wall_s": wall, "ended": ended, "queries": [f.result() for f in futures],
                "publish": publish_interval(instance, started_at)}


def publish_interval(instance, started_at: datetime) -> tuple[float, float] | None:
    """(start, end), in epoch seconds, of the publish step in the runs created since `started_at`."""
    from dagster._core.events import DagsterEventType
    from dagster._core.storage.dagster_run import RunsFilter

    kinds = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS}
    for record in instance.get_run_records(filters=RunsFilter(created_after=started_at)):
        events = {entry.dagster_event.event_type: entry.timestamp
                  for entry in instance.all_logs(record.dagster_run.run_id, of_type=kinds)
                  if entry.step_key == PUBLISH_STEP}
        if len(events) == 2:
            return events[DagsterEventType.STEP_START], events[DagsterEventType.STEP_SUCCESS]
    return None


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (`share` in 0..1); NaN for no values."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)] if ordered else math.nan


def _p50(queries: list[dict], key: str = "seconds") -> float:
    return percentile([q[key] for q in queries if q[key] is not None], 0.5)


def summary(run: dict) -> dict:
    """One refresh under the mix, and its baseline: refresh, publish step, latencies by shape and
    overall, who ran when, failures."""
    queries, base, publish = run["queries"], run["baseline"], run["publish"]
    in_publish = [q for q in queries if publish and q["started"] < publish[1] and q["ended"] > publish[0]]
    failures = [q for q in queries + base if q["error"]]
    found = {"wall_s": run["wall_s"], "publish_s": publish[1] - publish[0] if publish else math.nan,
             "during": sum(q["ended"] <= run["ended"] for q in queries), "in_publish": len(in_publish),
             "failures": sum(bool(q["error"]) for q in queries), "baseline_failures": sum(bool(q["error"]) for q in base),
             "first_error": failures[0]["error"] if failures else None, "publish_p50": _p50(in_publish),
             "attach_p50": _p50(base, "attach_s"), "attach_p50_during": _p50(queries, "attach_s")}
    for shape in ("alone", "together"):
        found[f"{shape}_p50"] = _p50([q for q in queries if q["shape"] == shape])
        found[f"base_{shape}_p50"] = _p50([q for q in base if q["shape"] == shape])
    for name, share in (("p50", 0.5), ("p95", 0.95)):
        found[name] = percentile([q["seconds"] for q in queries], share)
        found[f"base_{name}"] = percentile([q["seconds"] for q in base], share)
    return found


def per_query(runs: dict[str, dict]) -> dict[str, dict]:
    """Per example and profile: runs, failures, p50 and p95 during the refresh, and p50 at baseline."""
    found = {}
    for name in QUERIES:  # every shape together: a query has five or six runs a mix
        for profile, run in runs.items():
            mine = [q for q in run["queries"] if q["query"] == name]
            base = [q["seconds"] for q in run["baseline"] if q["query"] == name]
            found.setdefault(name, {})[profile] = {
                "n": len(mine), "failed": sum(bool(q["error"]) for q in mine),
                "baseline_p50_ms": percentile(base, 0.5) * 1000,
                "p50_ms": percentile([q["seconds"] for q in mine], 0.5) * 1000,
                "p95_ms": percentile([q["seconds"] for q in mine], 0.95) * 1000}
    return found


def per_query_table(found: dict[str, dict]) -> str:
    """Per example and profile: p50 at baseline, p50 and p95 during the refresh (ms), failures."""
    profiles = list(next(iter(found.values())))
    head = f"{'query (ms)':<50}" + "".join(f"  {p + ' base p50':>15} {'p50':>6} {'p95':>6} {'failed':>6}"
                                           for p in profiles)
    lines = [head, "-" * len(head)]
    for name, by_profile in found.items():
        lines.append(f"{name:<50}" + "".join(
            f"  {f['baseline_p50_ms']:>15.0f} {f['p50_ms']:>6.0f} {f['p95_ms']:>6.0f} {f['failed']:>3}/{f['n']:<2}"
            for f in by_profile.values()))
    return "\n".join(lines)
