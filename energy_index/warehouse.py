"""Warehouse conventions shared by every Python asset.

Raw loads follow write-audit-publish: rows are written to `raw_staging.<table>`, audited
there, and only then copied over `raw.<table>` inside one transaction, so a rejected load
leaves the previous good table in place (and the rejected rows in `raw_staging` to inspect).
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict
from datetime import UTC, datetime

import duckdb
import polars as pl

STAGING_SCHEMA = "raw_staging"
# Schemas that exist only for the pipeline's own bookkeeping and are not published.
UNPUBLISHED_SCHEMAS = (STAGING_SCHEMA,)


class WarehouseBusy(RuntimeError):
    """Another process kept the warehouse file locked for longer than the bounded wait."""


def connect_warehouse(path: str, wait_s: float, config: dict | None = None,
                      poll_s: float = 1.0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing, waiting at most `wait_s` for another process's lock.

    DuckDB allows one writing process per file; a notebook or shell left attached to it
    would otherwise fail the refresh with a bare lock error, or a retry loop would hide why.
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return duckdb.connect(path, read_only=False, config=config or {})
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                holder = re.search(r"held in (.+?\(PID \d+\))", str(exc))
                raise WarehouseBusy(
                    f"the warehouse {path} is locked by another process "
                    f"({holder.group(1) if holder else 'unknown'}) and was still locked after waiting "
                    f"{wait_s:.0f} s: close that connection (a DuckDB shell, notebook or second refresh), "
                    f"or read the published lake instead (energy-index sql), then run again") from exc
            time.sleep(poll_s)


def staging_name(table: str) -> str:
    return f"{STAGING_SCHEMA}.{table.split('.')[-1]}"


def prepare_staging(conn: duckdb.DuckDBPyConnection, table: str) -> str:
    conn.execute(f"create schema if not exists {STAGING_SCHEMA}")
    staged = staging_name(table)
    conn.execute(f"drop table if exists {staged}")
    return staged


def publish_staged(conn: duckdb.DuckDBPyConnection, table: str,
                   replace_where: tuple[str, str] | None = None) -> int:
    """Swap the audited staging table into place atomically; returns the published row count.

    With `replace_where=(column, value)` only that slice of the table is replaced.
    """
    schema = table.split(".")[0]
    staged = staging_name(table)
    conn.execute("begin transaction")
    try:
        conn.execute(f"create schema if not exists {schema}")
        if replace_where is None:
            conn.execute(f"create or replace table {table} as select * from {staged}")
        else:
            column, value = replace_where
            conn.execute(f"create table if not exists {table} as select * from {staged} where false")
            add_new_columns(conn, table, staged)
            conn.execute(f"delete from {table} where {column} = ?", [value])
            conn.execute(f"insert into {table} by name select * from {staged}")
        conn.execute(f"drop table {staged}")
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise
    return row_count(conn, table)


def add_new_columns(conn: duckdb.DuckDBPyConnection, table: str, staged: str, parameters: dict | None = None) -> None:
    """A slice written by a newer version may bring columns the table lacks: add them (older
    slices read null there until they are refreshed) instead of failing the load. `staged` is a
    table, or a query with its `parameters`."""
    def columns(name: str, bound: dict | None = None) -> dict[str, str]:
        return dict(conn.execute(f"select column_name, column_type from (describe {name})", bound).fetchall())
    existing = columns(table)
    for column, data_type in columns(staged, parameters).items():
        if column not in existing:
            conn.execute(f'alter table {table} add column "{column}" {data_type}')


def row_count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    return conn.execute(f"select count(*) from {table}").fetchone()[0]


def table_exists(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    found = conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()[0]
    return found > 0


def append_rows(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append a frame to a history table, creating it the first time and adding any new columns
    (rows from before a column existed read null there)."""
    conn.execute(f"create schema if not exists {table.split('.')[0]}")
    conn.register("_incoming", frame.to_arrow())
    try:
        if table_exists(conn, table):
            existing = {row[0] for row in conn.execute(f"describe {table}").fetchall()}
            for name, dtype, *_ in conn.execute("describe select * from _incoming").fetchall():
                if name not in existing:
                    conn.execute(f'alter table {table} add column "{name}" {dtype}')
            conn.execute(f"insert into {table} by name select * from _incoming")
        else:
            conn.execute(f"create table {table} as select * from _incoming")
    finally:
        conn.unregister("_incoming")


def replace_table(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Replace a derived table with a frame in one statement (readers see old or new, never half)."""
    conn.execute(f"create schema if not exists {table.split('.')[0]}")
    conn.register("_replacement", frame.to_arrow())
    try:
        conn.execute(f"create or replace table {table} as select * from _replacement")
    finally:
        conn.unregister("_replacement")


def record_fetch(conn: duckdb.DuckDBPyConnection, fetch) -> None:
    """Append one download (or cache hit) to `raw.source_fetches`."""
    row = asdict(fetch)
    row["fetched_at"] = datetime.fromisoformat(row["fetched_at"])
    append_rows(conn, "raw.source_fetches", pl.DataFrame([row]))


def utcnow() -> datetime:
    return datetime.now(UTC)
