"""The publish step's DuckLake commit on a small real warehouse: what changes is written, what
did not is left, every snapshot stays readable, and faults are healed by the next publish."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from energy_index.defs.operations.instance import instance_config, write_instance_config
from energy_index.defs.publish.snapshot import publish_to_lake
from energy_index.lake import Lake, LakeUnavailable, connect_published, lake_for
from energy_index.settings import ProfileError, Settings, load_settings
from energy_index_tests.fixtures.pipeline import environment


@pytest.fixture
def warehouse(tmp_path) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    conn.execute("create schema marts; create schema raw_staging; create schema raw")
    conn.execute("create table marts.energy as select range as id, range * 1.5 as joules from range(5000)")
    conn.execute("create table marts.small as select 'a' as k, 1 as v")
    conn.execute("create view marts.energy_view as select id, joules * 2 as double_joules from marts.energy")
    conn.execute("create table raw_staging.rejected as select 1 as x")
    yield conn
    conn.close()


@pytest.fixture
def lake(tmp_path) -> Lake:
    return lake_for(Settings(home=tmp_path / "home", mirror=None))


def count(lake: Lake, sql: str, version: int | None = None):
    with connect_published(lake, version=version) as conn:
        return conn.execute(sql).fetchone()[0]


def test_only_changed_tables_are_written_and_earlier_snapshots_stay_readable(warehouse, lake):
    first = publish_to_lake(warehouse, lake, "run-1")
    assert sorted(first.changed) == ["marts.energy", "marts.energy_view", "marts.small"]
    assert "raw_staging.rejected" not in first.rows, "rejected loads are never published"

    again = publish_to_lake(warehouse, lake, "run-2")
    assert again.changed == [] and again.snapshot_id > first.snapshot_id

    warehouse.execute("insert into marts.energy values (5000, 1.0)")
    warehouse.execute("drop table marts.small")
    third = publish_to_lake(warehouse, lake, "run-3")
    assert sorted(third.changed) == ["marts.energy", "marts.energy_view"] and third.dropped == ["marts.small"]

    assert count(lake, "select count(*) from marts.energy") == 5001
    assert count(lake, "select count(*) from marts.energy", version=first.snapshot_id) == 5000
    assert count(lake, "select count(*) from marts.small", version=first.snapshot_id) == 1
    assert count(lake, f"select count(*) from marts.energy at (version => {first.snapshot_id})") == 5000
    with connect_published(lake) as conn:
        runs = [r for (r,) in conn.execute("select run_id from meta.refreshes order by published_at").fetchall()]
        extra = conn.execute("select commit_extra_info from ducklake_snapshots('analytics') "
                             "where snapshot_id = ?", [third.snapshot_id]).fetchone()[0]
    assert runs == ["run-1", "run-2", "run-3"] and "run-3" in extra


def data_files(lake: Lake, table: str) -> list[Path]:
    with connect_published(lake) as conn:
        return [Path(p) for (p,) in conn.execute(
            "select data_file from ducklake_list_files('analytics', ?, schema => 'marts')", [table]).fetchall()]


def test_a_deleted_data_file_is_written_again_by_the_next_publish(warehouse, lake):
    publish_to_lake(warehouse, lake, "run-1")
    files = data_files(lake, "energy")
    assert files, "5,000 rows are written to Parquet, not inlined in the catalog"
    files[0].unlink()
    with pytest.raises(duckdb.Error):
        count(lake, "select sum(joules) from marts.energy")

    healed = publish_to_lake(warehouse, lake, "run-2")
    assert healed.rewritten_missing_files == ["marts.energy"]
    assert count(lake, "select count(*) from marts.energy") == 5000
    assert count(lake, "select sum(joules) from marts.energy") == sum(i * 1.5 for i in range(5000))


def test_files_a_killed_publish_left_are_deleted_and_the_snapshot_is_untouched(warehouse, lake):
    first = publish_to_lake(warehouse, lake, "run-1")
    killed = duckdb.connect()
    from energy_index.lake import attach

    attach(killed, lake, alias="killed")
    killed.execute("begin transaction")
    killed.execute("create or replace table killed.marts.energy as select range as id, 0.0 as joules from range(9000)")
    killed.close()  # never committed, as a SIGKILL would leave it; its Parquet file may stay behind
    assert count(lake, "select count(*) from marts.energy") == 5000
    stray = Path(lake.data_path) / "marts" / "energy" / "ducklake-stray-left-by-a-kill.parquet"
    duckdb.execute(f"copy (select 1 as id) to '{stray}' (format parquet)")

    after = publish_to_lake(warehouse, lake, "run-2")
    assert not stray.exists() and after.orphans_deleted >= 1
    assert after.snapshot_id > first.snapshot_id
    assert count(lake, "select count(*) from marts.energy") == 5000


def test_no_lake_yet_is_a_clear_error(lake):
    with pytest.raises(LakeUnavailable, match="no published warehouse yet .* run `make run` first"):
        connect_published(lake)


def test_an_unreachable_catalog_names_it_without_its_password(warehouse, tmp_path):
    lake = Lake("postgres:dbname=lake host=/nonexistent/socket user=x password=secret", f"{tmp_path}/data/")
    with pytest.raises(LakeUnavailable, match=r"could not be attached") as raised:
        publish_to_lake(warehouse, lake, "run-1")
    assert "password=***" in str(raised.value) and "secret" not in str(raised.value)


def test_profiles_say_what_to_set(tmp_path):
    with environment(ENERGY_INDEX_HOME=str(tmp_path), ENERGY_INDEX_WAREHOUSE="team",
                     ENERGY_INDEX_LAKE_CATALOG=None, ENERGY_INDEX_LAKE_DATA=None):
        with pytest.raises(ProfileError, match="ENERGY_INDEX_LAKE_CATALOG .* ENERGY_INDEX_LAKE_DATA"):
            load_settings()
    with environment(ENERGY_INDEX_HOME=str(tmp_path), ENERGY_INDEX_WAREHOUSE="cluster"):
        with pytest.raises(ProfileError, match="one of local, team"):
            load_settings()
    with environment(ENERGY_INDEX_HOME=str(tmp_path), ENERGY_INDEX_WAREHOUSE="team",
                     ENERGY_INDEX_LAKE_CATALOG="postgres:dbname=lake", ENERGY_INDEX_LAKE_DATA=str(tmp_path / "shared"),
                     ENERGY_INDEX_DAGSTER_POSTGRES_URL=None):
        team = load_settings()
        assert team.lake_data_path == f"{tmp_path / 'shared'}/" and not lake_for(team).relocatable
        assert "postgres_url:\n      env: ENERGY_INDEX_DAGSTER_POSTGRES_URL" in instance_config(team)
        with pytest.raises(ProfileError, match="ENERGY_INDEX_DAGSTER_POSTGRES_URL"):
            write_instance_config(tmp_path / "dagster_home", team)


def test_a_hand_written_dagster_yaml_is_left_alone(tmp_path):
    local = Settings(home=tmp_path, mirror=None)
    written = write_instance_config(tmp_path / "dagster_home", local)
    assert written.read_text() == instance_config(local) and "postgres" not in written.read_text()
    written.write_text("# ours, by hand\nrun_queue: {}\n")
    write_instance_config(tmp_path / "dagster_home", local)
    assert written.read_text().startswith("# ours, by hand")


def test_a_reader_inside_a_transaction_keeps_its_snapshot_and_does_not_block_the_commit(warehouse, lake):
    publish_to_lake(warehouse, lake, "run-1")
    reader = connect_published(lake)
    reader.execute("begin transaction")
    assert reader.execute("select count(*) from marts.energy").fetchone()[0] == 5000
    warehouse.execute("insert into marts.energy values (5000, 1.0)")
    publish_to_lake(warehouse, lake, "run-2")  # a SQLite catalog in rollback-journal mode refused this
    assert reader.execute("select count(*) from marts.energy").fetchone()[0] == 5000
    reader.execute("commit")
    assert reader.execute("select count(*) from marts.energy").fetchone()[0] == 5001
    reader.close()


def test_the_current_files_read_from_the_catalog_are_those_ducklake_lists(warehouse, lake):
    """The damaged-lake check reads the catalog's tables itself (one query, not one per table): on a
    lake with relative paths at every level, it finds exactly the files DuckLake's own function does."""
    from energy_index.defs.publish.snapshot import current_files
    from energy_index.lake import LAKE_ALIAS

    publish_to_lake(warehouse, lake, "run-1")
    warehouse.execute("insert into marts.energy values (5000, 1.0)")
    publish_to_lake(warehouse, lake, "run-2")  # the energy table's earlier files belong to an earlier snapshot only
    with connect_published(lake) as conn:
        tables = conn.execute("select schema_name, table_name from duckdb_tables() where database_name = ?",
                              [LAKE_ALIAS]).fetchall()
        listed = conn.execute(" union all ".join(
            f"select '{schema}.{name}', data_file from ducklake_list_files('{LAKE_ALIAS}', '{name}', schema => '{schema}')"
            for schema, name in tables)).fetchall()
        assert sorted(current_files(conn, lake.data_path, LAKE_ALIAS)) == sorted(listed) != []
