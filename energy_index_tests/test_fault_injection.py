"""Faults a real machine has, each followed by a normal `energy-index run` that must heal it.

Every refresh here is a real `energy-index run` subprocess against the generated sources on a
loopback mirror, recording to its own Dagster instance with the project's instance settings
(so the `warehouse` pool is live). The site starts as a copy of the session's built warehouse
and the instance that built it, so a normal refresh there has nothing to do until a fault
gives it something. Kills are SIGKILL to the refresh's process group while a chosen step runs,
during a refresh told to rebuild that step's asset and what reads it (`REBUILD=`, so the step
runs though nothing changed, and nothing else does). After each fault
the next refresh must succeed with no manual step, mark the dead run failed and free its pool
slot, and leave marts equal to a clean build's. The tests share one home and run in order:
each starts from the state the previous one left.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time

import dagster as dg
import duckdb
import pytest

from energy_index.defs.operations.run_health import (
    WAREHOUSE_POOL,
    dead_run_reaper,
    pool_holders,
)
from energy_index.integrity import content_problem, read_json
from energy_index.lake import Lake, connect_published
from energy_index.settings import SQL_DIR
from energy_index_bench.faults import marts_fingerprint as marts
from energy_index_tests.conftest import serve_sources
from energy_index_tests.fixtures.faults import Refresh, make_dagster_home
from energy_index_tests.fixtures.mlenergy import archive_path
from energy_index_tests.fixtures.pipeline import published
from energy_index_tests.fixtures.server import LoopbackServer

RUN_TIMEOUT_S = 900  # a hang guard only: a healthy refresh here takes well under a minute


@pytest.fixture(scope="module")
def site(tmp_path_factory, built_home):
    """One home, one Dagster instance and one loopback mirror shared by the whole sequence: copies
    of the built warehouse and of its instance's storage, under the project's instance settings."""
    root = tmp_path_factory.mktemp("faults")
    shutil.copytree(built_home, root / "home")
    shutil.copytree(built_home.parent / "dagster", root / "dagster_home")
    with LoopbackServer() as server:
        serve_sources(server)
        yield {"home": root / "home", "dagster": make_dagster_home(root / "dagster_home"), "server": server,
               "root": root}


@pytest.fixture(scope="module")
def clean_marts(built_home):
    return marts(built_home / "warehouse.duckdb")


def refresh(site, name: str, **env) -> Refresh:
    return Refresh(site["home"], site["dagster"], site["server"].base_url, site["root"] / f"{name}.log", **env)


def heal(site, clean_marts, killed_run: str, name: str) -> str:
    """The next normal refresh: it must succeed, say it failed the dead run, and match a clean build."""
    recovery = refresh(site, name)
    code = recovery.wait(RUN_TIMEOUT_S)
    output = recovery.output()
    assert code == 0, output[-3000:]
    assert f"marked run {killed_run}" in output, output[-3000:]
    instance = dg.DagsterInstance.from_config(str(site["dagster"]))
    assert instance.get_run_by_id(killed_run).status == dg.DagsterRunStatus.FAILURE
    assert not pool_holders(instance, WAREHOUSE_POOL)
    assert marts(site["home"] / "warehouse.duckdb") == clean_marts
    assert not list(site["home"].rglob("*.partial")), "a killed writer's partial files were left"
    return output


def kill_during(site, step_key: str, after_s: float = 0.0, rebuild: str | None = None) -> str:
    """Kill a refresh that rebuilds `rebuild` (by default the step's own asset) and what reads it,
    inside the step; `heal` then runs a normal refresh, which rebuilds only what the kill left stale."""
    killed = refresh(site, f"killed-{step_key}", REBUILD=rebuild or step_key.replace("__", "/"))
    run_id = killed.kill_during(step_key, after_s)
    instance = dg.DagsterInstance.from_config(str(site["dagster"]))
    finished = {record.step_key for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)}
    assert step_key not in finished, f"the refresh was killed after {step_key} had finished, not inside it"
    return run_id


def test_kill_during_download(site, clean_marts):
    """The cached archive is gone (as on a first refresh), so the refresh downloads it, slowly, and is
    killed mid-download; the next refresh finds its partial file, removes it and downloads again."""
    archive_name = archive_path().rsplit("/", 1)[1]
    for cached in (site["home"] / "cache" / "downloads").glob(f"*{archive_name}*"):
        cached.unlink()
    route = site["server"].routes[archive_path()]
    route.trickle_s = 20.0
    try:
        run_id = kill_during(site, "sources__mlenergy_release_files", after_s=2.0)
    finally:
        route.trickle_s = 0.0
    heal(site, clean_marts, run_id, "after-download-kill")


def test_kill_during_raw_write(site, clean_marts):
    # From the download on: the archive the last test's kill cut short is downloaded whole first.
    run_id = kill_during(site, "mlenergy_release", after_s=0.2, rebuild="sources/mlenergy_release_files")
    heal(site, clean_marts, run_id, "after-raw-kill")


def test_kill_during_dbt_leaves_a_stale_run_holding_the_pool(site, clean_marts):
    run_id = kill_during(site, "dbt_models", after_s=2.0, rebuild="raw/mlenergy_runs")
    instance = dg.DagsterInstance.from_config(str(site["dagster"]))
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED
    assert any(run_id in holder for holder in pool_holders(instance, WAREHOUSE_POOL))
    heal(site, clean_marts, run_id, "after-dbt-kill")


def test_kill_during_training(site, clean_marts):
    """The evaluation keeps a fit whose runs are unchanged (ml/fits.py): its record is dropped so this
    refresh fits the models again, and is killed while it does."""
    with duckdb.connect(str(site["home"] / "warehouse.duckdb")) as conn:
        conn.execute("delete from ml.energy_model_fits")
    heal(site, clean_marts, kill_during(site, "ml__energy_model_evaluation", after_s=3.0), "after-training-kill")


def test_kill_during_publish_while_analysts_read(site, clean_marts):
    run_id = kill_during(site, "publish__analytics_snapshot", after_s=0.1)
    failures, rounds, stop = [], [0], threading.Event()
    reader = threading.Thread(target=read_in_a_loop, args=(published(site["home"]), stop, failures, rounds))
    reader.start()
    try:
        heal(site, clean_marts, run_id, "after-publish-kill")
    finally:
        stop.set()
        reader.join()
    assert rounds[0] > 0 and failures == [], failures[:3]


def read_in_a_loop(analytics: Lake, stop: threading.Event, failures: list, rounds: list) -> None:
    """An analyst running every sql/ example against the published database, over and over."""
    queries = [path.read_text() for path in sorted(SQL_DIR.glob("*.sql"))]
    while not stop.is_set():
        for text in queries:
            try:
                with connect_published(analytics) as conn:
                    conn.execute(text).fetchall()
            except Exception as exc:  # every failure counts, whatever it is
                failures.append(repr(exc))
        rounds[0] += 1
        stop.wait(0.1)  # an analyst, not a busy loop: leave the refresh a core


def test_truncated_and_bit_flipped_cache_entries_are_fetched_again(site, clean_marts):
    downloads = site["home"] / "cache" / "downloads"
    archive = next(p for p in downloads.iterdir() if p.name.endswith(archive_path().rsplit("/", 1)[1]))
    archive.write_bytes(archive.read_bytes()[:200])
    for extracted in (site["home"] / "cache" / "extracted").iterdir():
        subprocess.run(["rm", "-rf", str(extracted)], check=True)
    other = next(p for p in sorted(downloads.iterdir()) if not p.name.endswith(".json") and p != archive)
    flipped = bytearray(other.read_bytes())
    flipped[len(flipped) // 2] ^= 0x01
    other.write_bytes(bytes(flipped))

    recovery = refresh(site, "after-damaged-cache")
    assert recovery.wait(RUN_TIMEOUT_S) == 0, recovery.output()[-3000:]
    assert marts(site["home"] / "warehouse.duckdb") == clean_marts
    for path in (archive, other):
        meta = read_json(path.with_name(path.name + ".meta.json"))
        assert content_problem(path, meta["bytes"], meta["sha256"]) is None


def test_a_live_run_holding_the_pool_gives_a_clear_error_after_a_bounded_wait(site):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_POOL], env=dagster_env(site),
                              stdout=subprocess.PIPE, text=True)
    try:
        holding, run_id = holder.stdout.readline().split()
        assert holding == "holding"
        blocked = refresh(site, "pool-busy", ENERGY_INDEX_POOL_WAIT_S="3")
        started = time.monotonic()
        assert blocked.wait(RUN_TIMEOUT_S) == 3
        assert time.monotonic() - started < 120
        output = blocked.output()
        assert "the 'warehouse' pool is still held after waiting 3 s by run " in output
        assert f"run {run_id} (__ephemeral_asset_job__, step holder" in output
    finally:
        holder.kill()
        holder.wait()


def test_the_warehouse_held_open_by_another_process_gives_a_clear_error(site):
    warehouse = site["home"] / "warehouse.duckdb"
    code = f"import duckdb, time; c = duckdb.connect({str(warehouse)!r}); print('open', flush=True); time.sleep(120)"
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        blocked = refresh(site, "warehouse-locked", ENERGY_INDEX_LOCK_WAIT_S="3")
        assert blocked.wait(RUN_TIMEOUT_S) == 3
        output = blocked.output()
        assert f"the warehouse {warehouse} is locked by another process" in output
        assert f"PID {holder.pid}" in output and "after waiting 3 s" in output
    finally:
        holder.kill()
        holder.wait()


def dagster_env(site) -> dict:
    return {**os.environ, "DAGSTER_HOME": str(site["dagster"])}


HOLD_THE_POOL = """
import time
import dagster as dg

@dg.asset(pool="warehouse")
def holder(context):
    print("holding", context.run_id, flush=True)
    time.sleep(300)

dg.materialize([holder], instance=dg.DagsterInstance.get())
"""


def test_under_make_dev_the_sensor_fails_a_killed_run_and_frees_its_pool_slot(tmp_path):
    dagster_home = make_dagster_home(tmp_path / "dagster_home")
    worker = subprocess.Popen([sys.executable, "-c", HOLD_THE_POOL], env=dagster_env({"dagster": dagster_home}),
                              stdout=subprocess.PIPE, text=True)
    _, run_id = worker.stdout.readline().split()
    worker.kill()  # SIGKILL, mid-step, holding the pool
    worker.wait()
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    assert any(run_id in claim for claim in pool_holders(instance, WAREHOUSE_POOL))

    result = dead_run_reaper(dg.build_sensor_context(instance=instance))

    assert f"marked run {run_id} failed: its worker process (pid {worker.pid}) is gone" in result.skip_message
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
    assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots == []
