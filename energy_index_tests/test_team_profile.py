"""The team profile with real parts: a DuckLake whose catalog is a PostgreSQL database and whose
Parquet files sit in a shared directory, and Dagster's runs kept in PostgreSQL.

Two PostgreSQL servers (pgserver): one holds the lake's catalog (database `lake`), the other the
Dagster instance's storage, so an outage of the catalog does not take Dagster's record of the
runs down with it. Every refresh is a real `energy-index run` subprocess with
ENERGY_INDEX_WAREHOUSE=team against the generated sources on a loopback mirror; its Dagster
home starts empty and `energy-index run` writes the team's dagster.yaml itself. The home starts
with the session's built warehouse and caches, so the first team refresh rebuilds everything
without parsing or fitting again. Analysts read from another process through
`energy_index.lake.connect_published`. The tests share one home, lake and instance and run in
order: each starts from the state the previous one left.

The faults, each followed by a normal refresh that must heal it with no manual step: the
catalog's server going down during a refresh (the publish fails naming the catalog; the last
snapshot stays whole; the next refresh publishes what the failed one built), a mart's Parquet
file deleted from the shared directory (the next refresh publishes because of it alone and
writes that table anew), and a refresh killed while its publish writes (its files are orphans
the next publish deletes). The failed and killed refreshes carry new upstream data (a grid file
with more cloud regions), so there is something to publish afterwards: with nothing new
upstream, Dagster's data versions say the lake already holds what a failed refresh rebuilt,
and the next refresh publishes nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import psycopg2
import pytest
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

from energy_index.defs.operations.run_health import run_in_step
from energy_index.defs.publish.snapshot import published_relations
from energy_index.lake import NO_DOWNLOADS, Lake, attach, connect_published, snapshots
from energy_index.settings import (
    DAGSTER_POSTGRES_ENV,
    LAKE_CATALOG_ENV,
    LAKE_DATA_ENV,
    PROFILE_ENV,
    SQL_DIR,
)
from energy_index_bench.faults import RUN_MEASUREMENT_TABLES
from energy_index_tests.conftest import serve_sources
from energy_index_tests.fixtures import grid_carbon
from energy_index_tests.fixtures.faults import Refresh
from energy_index_tests.fixtures.pipeline import environment
from energy_index_tests.fixtures.postgres import PostgresServer, postgres_server
from energy_index_tests.fixtures.server import LoopbackServer

RUN_TIMEOUT_S = 900  # a hang guard only: a refresh here takes well under a minute
PUBLISH = dg.AssetKey(["publish", "analytics_snapshot"])
PUBLISH_STEP = "publish__analytics_snapshot"
GRID_MART = "marts.dim_grid_carbon_intensity"  # one row per cloud region and year


@dataclass
class Team:
    root: Path
    home: Path
    dagster_home: Path
    shared: Path  # the lake's data directory, as a team's shared mount
    mirror: LoopbackServer
    catalog: PostgresServer  # the lake's catalog, database `lake`
    dagster_db: PostgresServer  # Dagster's instance storage, database `dagster`
    env: dict[str, str]
    extra_regions: int = 0  # cloud regions the mirror's latest grid file holds beyond the fixture's

    @property
    def lake(self) -> Lake:
        return Lake(self.env[LAKE_CATALOG_ENV], f"{self.shared}/")

    def refresh(self, name: str, **env: str) -> Refresh:
        return Refresh(self.home, self.dagster_home, self.mirror.base_url, self.root / f"{name}.log",
                       **self.env, **env)

    @contextmanager
    def instance(self):
        instance = dg.DagsterInstance.from_config(str(self.dagster_home))
        try:
            yield instance
        finally:
            instance.dispose()


@pytest.fixture(scope="module")
def team(tmp_path_factory, built_home):
    """The team's machine: a home seeded with the session's built warehouse and caches (its local lake
    left out), whose first team refresh rebuilds everything (Dagster's PostgreSQL storage starts
    empty) from those caches, and publishes the team's lake."""
    root = tmp_path_factory.mktemp("team")
    shutil.copytree(built_home, root / "home", ignore=shutil.ignore_patterns("lake"))
    shared = root / "shared-lake"
    shared.mkdir()
    with postgres_server("lake") as catalog, postgres_server("dagster") as dagster_db, LoopbackServer() as mirror:
        catalog.create_database("lake")
        dagster_db.create_database("dagster")
        env = {PROFILE_ENV: "team", LAKE_CATALOG_ENV: catalog.ducklake_catalog("lake"), LAKE_DATA_ENV: str(shared),
               DAGSTER_POSTGRES_ENV: dagster_db.dagster_url("dagster")}
        serve_sources(mirror)
        # dagster.yaml names the storage URL by its environment variable: this process reads it too.
        with environment(**{DAGSTER_POSTGRES_ENV: env[DAGSTER_POSTGRES_ENV]}):
            yield Team(root, root / "home", root / "dagster_home", shared, mirror, catalog, dagster_db, env)


def finish(refresh: Refresh) -> tuple[int, str]:
    code = refresh.wait(RUN_TIMEOUT_S)
    return code, refresh.output()


def lake_state(lake: Lake) -> tuple[int, dict[str, int]]:
    """The latest snapshot and the row count of every table in it (every row read, not statistics)."""
    with connect_published(lake) as conn:
        latest = snapshots(conn)[0]["snapshot_id"]
        tables = [f"{schema}.{name}" for schema, name in conn.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'analytics' order by 1, 2"
        ).fetchall()]
        return latest, {table: len(conn.execute(f"select * from {table}").fetchall()) for table in tables}


def published_by(instance: dg.DagsterInstance) -> tuple[str, dict]:
    """The run of the latest publish materialisation and its metadata."""
    event = instance.get_latest_materialization_event(PUBLISH)
    assert event is not None, "nothing was ever published"
    return event.run_id, event.asset_materialization.metadata


def new_runs(instance: dg.DagsterInstance, before: set[str]) -> list[dg.DagsterRun]:
    return [run for run in instance.get_runs() if run.run_id not in before]


def run_ids(team: Team) -> set[str]:
    with team.instance() as instance:
        return {run.run_id for run in instance.get_runs()}


def rows_in_postgres(server: PostgresServer, database: str, sql: str, *args) -> list[tuple]:
    with psycopg2.connect(host=server.socket_dir, dbname=database, user="postgres") as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        rows = cur.fetchall()
    conn.close()
    return rows


def more_upstream_regions(team: Team, regions: int) -> int:
    """Serve the latest Google Cloud grid file with `regions` more cloud regions than the fixture's;
    returns how many rows that adds to GRID_MART beyond what the mirror served until now. A grid
    file is the change that reaches the lake with the least work (no model is refitted for it)."""
    year = max(grid_carbon.ROWS)
    extra = [(f"test-region{i}", f"Test {i}", 0.5, 100.0 + i) for i in range(regions)]
    team.mirror.add(grid_carbon.file_path(year), grid_carbon.build_file(year, [*grid_carbon.ROWS[year], *extra]))
    added, team.extra_regions = regions - team.extra_regions, regions
    assert added > 0
    return added


def warehouse_counts(team: Team) -> dict[str, int]:
    with duckdb.connect(str(team.home / "warehouse.duckdb"), read_only=True) as conn:
        return {f"{schema}.{name}": conn.execute(f'select count(*) from {schema}."{name}"').fetchone()[0]
                for schema, name in published_relations(conn)}


def assert_lake_matches_warehouse(team: Team, lake_counts: dict[str, int]) -> None:
    """Every published mart has, in the lake's latest snapshot, the rows the warehouse has (the
    tables of the run's own measurements aside: a refresh adds to them after it publishes)."""
    warehouse = warehouse_counts(team)
    marts_ = {table for table in warehouse if table.startswith("marts.")
              and table.split(".", 1)[1] not in RUN_MEASUREMENT_TABLES}
    assert marts_ <= set(lake_counts), f"marts missing from the lake: {sorted(marts_ - set(lake_counts))}"
    differ = {table: (lake_counts[table], warehouse[table]) for table in marts_ if lake_counts[table] != warehouse[table]}
    assert not differ, f"(lake rows, warehouse rows) differ: {differ}"


def assert_published_what_was_built(team: Team, before: set[str], output: str, how: str, committed: int,
                                    counts: dict[str, int], new_rows: int) -> dict:
    """The refresh after a failed or killed one published its new rows as a new snapshot; its publish metadata."""
    with team.instance() as instance:
        run_id, metadata = published_by(instance)
        assert run_id in {run.run_id for run in new_runs(instance, before)}, \
            f"the next refresh did not publish what the {how} one built:\n{output[-3000:]}"
    latest, after = lake_state(team.lake)
    assert metadata["snapshot_id"].value == latest > committed
    assert after[GRID_MART] == counts[GRID_MART] + new_rows
    assert_lake_matches_warehouse(team, after)
    return metadata


def every_example_reads(lake: Lake) -> None:
    for path in sorted(SQL_DIR.glob("*.sql")):
        with connect_published(lake) as conn:
            conn.execute(path.read_text()).fetchall()


READER = """
import json, sys, time
from pathlib import Path
from energy_index.lake import NO_DOWNLOADS, Lake, attach, connect_published, snapshots
from energy_index.settings import SQL_DIR

catalog, data_path, stop = sys.argv[1], sys.argv[2], Path(sys.argv[3])
lake = Lake(catalog, data_path)
queries = [(path.name, path.read_text()) for path in sorted(SQL_DIR.glob("*.sql"))]
rounds, failures, seen = 0, [], []
print("reading", flush=True)
while not stop.exists():
    for name, text in queries:
        try:
            with connect_published(lake) as conn:
                conn.execute(text).fetchall()
                latest = snapshots(conn)[0]["snapshot_id"]
                if latest not in seen:
                    seen.append(latest)
        except Exception as exc:  # every failure counts, whatever it is
            failures.append(f"{name}: {exc!r}")
    rounds += 1
    time.sleep(0.1)  # an analyst, not a busy loop: leave the refresh a core
print(json.dumps({"rounds": rounds, "failures": failures, "snapshots_seen": seen}), flush=True)
"""


@contextmanager
def analyst_in_another_process(team: Team, name: str):
    """A second process running every sql/ example against the published lake, over and over;
    yields a dict filled, when the block ends, with its rounds, failures and snapshots seen."""
    stop = team.root / f"{name}.stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, team.lake.catalog, team.lake.data_path, str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "reading", reader.stderr.read()
    result: dict = {}
    try:
        yield result
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=300)
        assert reader.returncode == 0, err[-3000:]
        result.update(json.loads(out.strip().splitlines()[-1]))


def wait_for_step(team: Team, refresh: Refresh, step_key: str, timeout_s: float = 600) -> str:
    """Wait until the refresh's run has started `step_key`; returns the run's id."""
    deadline = time.monotonic() + timeout_s
    with team.instance() as instance:
        while time.monotonic() < deadline:
            if refresh.process.poll() is not None:
                raise AssertionError(f"the refresh ended before step {step_key}:\n{refresh.output()[-3000:]}")
            run_id = run_in_step(instance, step_key) if team.dagster_home.joinpath("dagster.yaml").exists() else None
            if run_id:
                return run_id
            time.sleep(0.2)
    refresh.kill()
    raise AssertionError(f"step {step_key} did not start within {timeout_s:.0f} s")


def test_a_team_refresh_publishes_while_an_analyst_reads_from_another_process(team):
    first = team.refresh("first")
    code, output = finish(first)
    assert code == 0, f"the first team refresh failed:\n{output[-3000:]}"
    assert "published lake (team profile): catalog postgres:dbname=lake" in output, output[-3000:]
    first_snapshot, _ = lake_state(team.lake)

    with analyst_in_another_process(team, "reader") as reading:
        more_upstream_regions(team, 1)
        full = team.refresh("second")
        code, output = finish(full)
    assert code == 0, f"the second team refresh failed:\n{output[-3000:]}"
    assert reading["rounds"] > 0, "the analyst's process never finished a round of the sql/ examples"
    assert reading["failures"] == [], f"{len(reading['failures'])} analyst queries failed during the refresh, " \
                                      f"e.g. {reading['failures'][:3]}"
    latest, counts = lake_state(team.lake)
    assert latest > first_snapshot, "the second refresh committed no new snapshot"
    assert first_snapshot in reading["snapshots_seen"] and latest in reading["snapshots_seen"], \
        f"the analyst should have read across the commit (saw snapshots {reading['snapshots_seen']})"
    print(f"\nanalyst in another process: {reading['rounds']} rounds of {len(list(SQL_DIR.glob('*.sql')))} "
          f"queries, {len(reading['failures'])} failures, snapshots seen {reading['snapshots_seen']}")

    # Dagster's runs are in PostgreSQL, not in files under the Dagster home.
    assert "postgres_url" in (team.dagster_home / "dagster.yaml").read_text()
    with team.instance() as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage), type(instance.run_storage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage), type(instance.event_log_storage)
        runs = instance.get_runs()
        assert runs and all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs), \
            [(run.job_name, run.status) for run in runs]
        run_id, metadata = published_by(instance)
    assert not list(team.dagster_home.rglob("*.db")), "Dagster kept SQLite storage beside the PostgreSQL one"
    stored = rows_in_postgres(team.dagster_db, "dagster", "select run_id from runs")
    assert {run.run_id for run in runs} == {r for (r,) in stored}, "the runs are not those in the PostgreSQL table"

    # The publish materialisation names the snapshot; the snapshot names the run.
    assert metadata["snapshot_id"].value == latest, (metadata["snapshot_id"].value, latest)
    assert metadata["run_id"].text == run_id
    with connect_published(team.lake) as conn:
        committed = {s["snapshot_id"]: s["extra_info"] for s in snapshots(conn)}
        files = [path for (path,) in conn.execute(
            "select data_file from ducklake_list_files('analytics', 'fct_workload_energy', schema => 'marts')"
        ).fetchall()]
    assert json.loads(committed[latest]) == {"run_id": run_id}, committed[latest]
    # The catalog is PostgreSQL's; the Parquet files are in the shared directory, none in the home.
    in_catalog = rows_in_postgres(team.catalog, "lake", "select snapshot_id from ducklake_snapshot")
    assert {s for (s,) in in_catalog} == set(committed)
    assert files and all(path.startswith(str(team.shared)) for path in files), files
    assert not (team.home / "lake").exists(), "the team profile wrote a local lake under the home"
    assert counts["marts.fct_workload_energy"] > 0 and counts[GRID_MART] > 0


def test_the_catalog_going_down_mid_refresh_fails_the_publish_and_loses_nothing(team):
    """New upstream data arrives, and the catalog's server goes down while the refresh builds it."""
    committed, counts = lake_state(team.lake)
    with team.instance() as instance:
        published_before, _ = published_by(instance)
    before = run_ids(team)
    new_rows = more_upstream_regions(team, 2)

    refresh = team.refresh("catalog-down")
    wait_for_step(team, refresh, "dbt_models")
    team.catalog.stop()
    try:
        code, output = finish(refresh)
    finally:
        team.catalog.start()

    assert code == 1, f"the refresh should fail (exit 1) with its lake's catalog down:\n{output[-3000:]}"
    failed_steps = [line.strip() for line in output.splitlines() if line.strip().startswith("failed step ")]
    assert len(failed_steps) == 1 and failed_steps[0].startswith(f"failed step {PUBLISH_STEP}: "), \
        f"only the publish should fail:\n{output[-3000:]}"
    assert "could not be attached" in failed_steps[0] and "DuckLake catalog postgres:dbname=lake" in failed_steps[0], \
        f"the publish's failure should name the lake's catalog: {failed_steps[0]}"
    assert "published lake unreadable: " in output and f"sources: mirror {team.mirror.base_url}" in output, \
        f"the summary should print to its end, saying the lake is unreadable:\n{output[-3000:]}"
    log = team.home / "logs"
    assert f"(the full log, with tracebacks: {log}/refresh-" in output and "! refresh_everything (run " in output, \
        f"a failed run is marked, its error printed in full and the log named:\n{output[-3000:]}"
    with team.instance() as instance:
        failed = [run for run in new_runs(instance, before) if run.status == dg.DagsterRunStatus.FAILURE]
        assert [run.job_name for run in failed] == ["refresh_everything"], \
            "the failed run is not recorded as failed in Dagster's PostgreSQL storage"
        assert published_by(instance)[0] == published_before, "a publish was recorded with the catalog down"
    # The pipeline's own warehouse kept what the refresh built: only the publish failed.
    assert warehouse_counts(team)[GRID_MART] == counts[GRID_MART] + new_rows

    assert lake_state(team.lake) == (committed, counts), \
        "after the catalog came back, the last committed snapshot should be readable with every table and row"
    every_example_reads(team.lake)

    before = run_ids(team)
    code, output = finish(team.refresh("after-catalog-down"))
    assert code == 0, f"the next refresh did not succeed once the catalog was back:\n{output[-3000:]}"
    assert_published_what_was_built(team, before, output, "failed", committed, counts, new_rows)


def test_a_deleted_data_file_is_written_again_by_the_next_refresh(team):
    _, counts = lake_state(team.lake)
    with connect_published(team.lake) as conn:
        tables = [name for (name,) in conn.execute("select table_name from duckdb_tables() where database_name = "
                                                   "'analytics' and schema_name = 'marts' order by 1").fetchall()]
        files = {name: [path for (path,) in conn.execute(
            "select data_file from ducklake_list_files('analytics', ?, schema => 'marts')", [name]).fetchall()]
            for name in tables}
    table = next(name for name in tables if files[name] and counts[f"marts.{name}"] > 0)
    Path(files[table][0]).unlink()
    with pytest.raises(Exception, match="No such file"), connect_published(team.lake) as conn:
        conn.execute(f"select * from marts.{table}").fetchall()  # the fault is real: analysts' reads fail

    # A normal refresh: nothing upstream changed, so only the lake's missing file makes it publish.
    before = run_ids(team)
    code, output = finish(team.refresh("after-file-deleted"))
    assert code == 0, output[-3000:]
    assert f"changed (the published lake lacks data files of marts.{table}): publish/analytics_snapshot" in output, \
        f"the plan should name the damaged table as the reason to publish:\n{output[-3000:]}"
    with team.instance() as instance:
        run_id, metadata = published_by(instance)
        assert run_id in {run.run_id for run in new_runs(instance, before)}, \
            f"the refresh after a lake file was deleted did not publish:\n{output[-3000:]}"
        selected = [set(run.asset_selection or ()) for run in new_runs(instance, before)
                    if run.job_name == "refresh_everything"]
    assert selected == [{PUBLISH}], f"only the publish should run, not a rebuild: {selected}"
    assert metadata["tables_rewritten_for_missing_files"].value == [f"marts.{table}"], \
        metadata["tables_rewritten_for_missing_files"]
    _, after = lake_state(team.lake)
    assert after[f"marts.{table}"] == counts[f"marts.{table}"], "the rewritten table lost rows"
    every_example_reads(team.lake)


def test_a_refresh_killed_during_publish_leaves_the_last_snapshot_whole(team):
    """New upstream data arrives; the refresh that publishes it is killed inside the publish."""
    committed, counts = lake_state(team.lake)
    new_rows = more_upstream_regions(team, 3)
    killed, written = kill_while_publish_writes(team, team.refresh("killed-publish"))
    assert lake_state(team.lake) == (committed, counts), "the killed publish changed what analysts read"
    every_example_reads(team.lake)
    with team.instance() as instance:
        assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.STARTED, "the kill should leave a dead run"

    before = run_ids(team)
    code, output = finish(team.refresh("after-publish-kill"))
    assert code == 0, output[-3000:]
    assert f"marked run {killed}" in output, output[-3000:]
    with team.instance() as instance:
        assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.FAILURE
    metadata = assert_published_what_was_built(team, before, output, "killed", committed, counts, new_rows)
    assert metadata["orphan_files_deleted"].value >= len(written) > 0, \
        f"the next publish should delete the {len(written)} files the killed one wrote: {metadata}"
    assert not any(path.exists() for path in written)
    assert orphans(team.lake) == [], "files of the killed publish are still in the lake's data directory"
    print(f"\nkilled during the publish after it wrote {len(written)} Parquet file(s); the next publish "
          f"deleted {metadata['orphan_files_deleted'].value} orphan file(s)")


def kill_while_publish_writes(team: Team, refresh: Refresh) -> tuple[str, set[Path]]:
    """SIGKILL the refresh's process group as soon as its publish has written a Parquet file into
    the lake's data directory (inside its transaction, before the commit); returns the killed
    run's id and the files written by then."""
    existing = set(team.shared.rglob("*.parquet"))
    run_id = wait_for_step(team, refresh, PUBLISH_STEP)
    deadline = time.monotonic() + 600
    while refresh.process.poll() is None and time.monotonic() < deadline:
        written = set(team.shared.rglob("*.parquet")) - existing
        if written:
            refresh.kill()
            return run_id, written
        time.sleep(0.01)
    if refresh.process.poll() is None:
        refresh.kill()
    raise AssertionError(f"the publish wrote no Parquet file before it ended:\n{refresh.output()[-3000:]}")


def orphans(lake: Lake) -> list[str]:
    """Files in the lake's data directory that no snapshot references (a dry run of the cleanup)."""
    conn = duckdb.connect(config=NO_DOWNLOADS)
    try:
        attach(conn, lake, alias="inspected")
        return [path for (path,) in conn.execute(
            "call ducklake_delete_orphaned_files('inspected', dry_run => true, cleanup_all => true)").fetchall()]
    finally:
        conn.close()
