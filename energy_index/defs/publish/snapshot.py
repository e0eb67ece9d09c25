"""Publishing the warehouse as a read-only analytics snapshot.

The snapshot is built in a new file and renamed over the old one. A reader that already has
the old file open keeps reading it (the rename does not touch its inode); a new connection
opens the new file. Views become tables in the snapshot, so it depends on nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import duckdb

from energy_index.warehouse import UNPUBLISHED_SCHEMAS, utcnow


class AnalyticsTarget(dg.ConfigurableResource):
    """Path of the published analytics database (ENERGY_INDEX_HOME/analytics.duckdb)."""

    path: str


def published_relations(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    excluded = ("information_schema", "pg_catalog", *UNPUBLISHED_SCHEMAS)
    return conn.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_catalog = current_database() and table_schema not in {excluded} "
        "order by 1, 2"
    ).fetchall()


def publish_snapshot(conn: duckdb.DuckDBPyConnection, target: Path) -> dict[str, int]:
    """Copy every published relation of the warehouse into `target` atomically; returns row counts."""
    partial = target.with_name(target.name + ".partial")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):  # a killed publish's
        leftover.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    conn.execute(f"attach '{partial}' as snapshot")
    try:
        for schema, name in published_relations(conn):
            conn.execute(f"create schema if not exists snapshot.{schema}")
            conn.execute(f'create table snapshot.{schema}."{name}" as select * from {schema}."{name}"')
            counts[f"{schema}.{name}"] = conn.execute(f'select count(*) from snapshot.{schema}."{name}"').fetchone()[0]
        conn.execute("create schema if not exists snapshot.meta")
        conn.execute("create table snapshot.meta.snapshot_info as select ? as published_at, ? as source_warehouse",
                     [utcnow(), str(conn.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()[0])])
    finally:
        conn.execute("detach snapshot")
    os.replace(partial, target)
    return counts
