"""Publishing the warehouse into the lake as one DuckLake snapshot.

Every published relation of the pipeline's warehouse (views become tables, so the lake depends
on nothing else) is compared with what the lake holds by a fingerprint of its columns and rows;
changed ones are replaced, gone ones dropped, and all of it commits as one snapshot carrying
the Dagster run id. Readers see the previous snapshot until the commit, and every earlier one
stays readable by version. Before writing, the publisher heals what a fault left: Parquet files
a killed publish wrote but never committed are deleted, and a table whose data file went
missing is written again even when its rows did not change.
"""

from __future__ import annotations

import os
from contextlib import suppress
from dataclasses import dataclass, field

import dagster as dg
import duckdb

from energy_index.lake import LAKE_ALIAS, Lake, LakeUnavailable, attach, connect_published, snapshots
from energy_index.warehouse import UNPUBLISHED_SCHEMAS, utcnow

TARGET = "lake_target"
BOOKKEEPING = "meta"  # the lake's own schema: what each refresh published
FINGERPRINTS = f"{TARGET}.{BOOKKEEPING}.published_tables"


class PublishedWarehouse(dg.ConfigurableResource):
    """The DuckLake analysts read: its catalog and data path (from the warehouse profile)."""

    catalog: str
    data_path: str
    relocatable: bool = False

    @property
    def lake(self) -> Lake:
        return Lake(self.catalog, self.data_path, self.relocatable)


@dataclass
class Publication:
    snapshot_id: int
    rows: dict[str, int] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    rewritten_missing_files: list[str] = field(default_factory=list)
    orphans_deleted: int = 0


def published_relations(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    excluded = ("information_schema", "pg_catalog", *UNPUBLISHED_SCHEMAS)
    return conn.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_catalog = current_database() and table_schema not in {excluded} "
        "order by 1, 2"
    ).fetchall()


def fingerprint(conn: duckdb.DuckDBPyConnection, schema: str, name: str) -> str:
    """Columns, row count and an order-free hash of the rows: equal means nothing to publish."""
    columns = conn.execute(f'select string_agg(column_name || \' \' || column_type, \', \') '
                           f'from (describe {schema}."{name}")').fetchone()[0]
    rows, total = conn.execute(f'select count(*), coalesce(sum(hash(t)), 0) from {schema}."{name}" t').fetchone()
    return f"{columns}|{rows}|{total}"


def publish_to_lake(conn: duckdb.DuckDBPyConnection, lake: Lake, run_id: str) -> Publication:
    """Commit the warehouse's published relations to the lake as one snapshot."""
    attach(conn, lake, alias=TARGET)
    try:
        orphans = _delete_orphans(conn)
        before = _fingerprints(conn)
        missing = _tables_missing_files(conn, lake.data_path)
        publication = _commit(conn, run_id, before, missing)
        publication.orphans_deleted = orphans
        return publication
    finally:
        conn.execute(f"detach {TARGET}")


def _commit(conn, run_id: str, before: dict[str, str], missing: set[str]) -> Publication:
    relations = {f"{schema}.{name}": (schema, name) for schema, name in published_relations(conn)}
    published = {key: fingerprint(conn, *relation) for key, relation in relations.items()}
    changed = [key for key, print_ in published.items() if before.get(key) != print_ or key in missing]
    dropped = [key for key in before if key not in published]
    rows = {key: int(print_.split("|")[1]) for key, print_ in published.items()}
    conn.execute("begin transaction")
    try:
        for key in changed:
            schema, name = relations[key]
            conn.execute(f"create schema if not exists {TARGET}.{schema}")
            conn.execute(f'create or replace table {TARGET}.{schema}."{name}" as select * from {schema}."{name}"')
        for key in dropped:
            schema, name = key.split(".", 1)
            conn.execute(f'drop table if exists {TARGET}.{schema}."{name}"')
        _record(conn, run_id, published, changed)
        conn.execute(f"call {TARGET}.set_commit_message('energy-index', ?, extra_info => ?)",
                     [f"refresh: {len(changed)} tables changed, {len(dropped)} dropped",
                      f'{{"run_id": "{run_id}"}}'])
        conn.execute("commit")
    except BaseException:
        with suppress(duckdb.TransactionException):  # a failed commit has already ended it
            conn.execute("rollback")
        raise
    return Publication(snapshots(conn, TARGET)[0]["snapshot_id"], rows, changed, dropped,
                       sorted(key for key in missing if key in published))


def _record(conn, run_id: str, published: dict[str, str], changed: list[str]) -> None:
    """The lake's bookkeeping: each table's fingerprint, and a row per refresh (`meta.refreshes`)."""
    conn.execute(f"create schema if not exists {TARGET}.{BOOKKEEPING}")
    conn.execute(f"create or replace table {FINGERPRINTS} (table_name varchar, fingerprint varchar)")
    conn.executemany(f"insert into {FINGERPRINTS} values (?, ?)", list(published.items()))
    conn.execute(f"""create table if not exists {TARGET}.{BOOKKEEPING}.refreshes (
        run_id varchar, published_at timestamptz, tables_published integer, tables_changed integer)""")
    conn.execute(f"insert into {TARGET}.{BOOKKEEPING}.refreshes values (?, ?, ?, ?)",
                 [run_id, utcnow(), len(published), len(changed)])


def _fingerprints(conn) -> dict[str, str]:
    try:
        return dict(conn.execute(f"select table_name, fingerprint from {FINGERPRINTS}").fetchall())
    except duckdb.CatalogException:
        return {}  # a new lake


def _delete_orphans(conn) -> int:
    """Parquet files no snapshot references: what a publish killed before its commit wrote."""
    deleted = conn.execute(f"select count(*) from ducklake_delete_orphaned_files('{TARGET}', cleanup_all => true)"
                           ).fetchone()[0]
    return int(deleted)


def _tables_missing_files(conn, data_path: str, alias: str = TARGET) -> set[str]:
    """Tables of the current snapshot whose data files are gone (deleted by hand, lost by a disk)."""
    return {table for table, path in current_files(conn, data_path, alias) if not _exists(conn, path)}


def current_files(conn, data_path: str, alias: str = TARGET) -> list[tuple[str, str]]:
    """(schema.table, file) for every data file of the current snapshot, read from the catalog's own
    tables in one query (DuckLake's `ducklake_list_files` takes one table per call, a catalog round
    trip each: a second per refresh). A relative path is relative to its table's, the table's to its
    schema's, the schema's to the lake's data path (the DuckLake specification)."""
    metadata = f"__ducklake_metadata_{alias}"
    rows = conn.execute(f"""select s.schema_name || '.' || t.table_name, s.path, s.path_is_relative,
            t.path, t.path_is_relative, f.path, f.path_is_relative
        from {metadata}.ducklake_data_file f join {metadata}.ducklake_table t using (table_id)
        join {metadata}.ducklake_schema s using (schema_id)
        where f.end_snapshot is null and t.end_snapshot is null and s.end_snapshot is null""").fetchall()
    files = []
    for table, schema_path, schema_relative, table_path, table_relative, file_path, file_relative in rows:
        schema_dir = data_path + schema_path if schema_relative else schema_path
        table_dir = schema_dir + table_path if table_relative else table_path
        files.append((table, table_dir + file_path if file_relative else file_path))
    return files


def _exists(conn, path: str) -> bool:
    """A local file is asked of the file system (a DuckDB query per file cost a second per refresh);
    a remote one (s3://...) of DuckDB, which reaches it."""
    if "://" not in path:
        return os.path.exists(path)
    return bool(conn.execute("select count(*) from glob(?)", [path]).fetchone()[0])


def damaged_tables(lake: Lake) -> list[str]:
    """Tables of the lake's latest snapshot whose data files are gone. Nothing upstream changed,
    so only this tells a normal refresh to publish again, which writes them anew (the planner
    asks). Empty when there is no lake yet or it cannot be read now: a publish would say why."""
    if not lake.exists:
        return []
    try:
        with connect_published(lake) as conn:
            return sorted(_tables_missing_files(conn, lake.data_path, LAKE_ALIAS))
    except (LakeUnavailable, duckdb.Error):
        return []
