"""Tables in asset and check metadata as Dagster table metadata (typed columns, sortable in the UI).

Markdown tables longer than about a thousand characters hide behind "Show Markdown" and clip
wide rows; `MetadataValue.table` with a schema is shown as a real table.
"""

from __future__ import annotations

import json
import math

import dagster as dg
import duckdb
import polars as pl

PREVIEW_ROWS = 10


def _column_type(dtype: pl.DataType) -> str:
    if dtype.is_integer():
        return "int"
    if dtype.is_float() or dtype.is_decimal():
        return "float"
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_temporal():
        return "datetime"
    return "string"


def _value(value):
    """Table records take plain scalars: nested values become JSON, temporals ISO text, and a
    non-finite float nothing (the UI's JSON has no NaN or Infinity)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str)
    return str(value)


def frame_table(frame: pl.DataFrame) -> dg.MetadataValue:
    """A frame as table metadata, its column types taken from the frame."""
    schema = dg.TableSchema(columns=[dg.TableColumn(name, _column_type(dtype)) for name, dtype in frame.schema.items()])
    records = [dg.TableRecord({k: _value(v) for k, v in row.items()}) for row in frame.iter_rows(named=True)]
    return dg.MetadataValue.table(records=records, schema=schema)


def records_table(rows: list[dict], columns: list[str]) -> dg.MetadataValue:
    """A list of dicts as table metadata with the given columns (empty lists keep their schema)."""
    frame = pl.DataFrame([{c: _value(r.get(c)) for c in columns} for r in rows],
                         schema={c: pl.Utf8 for c in columns} if not rows else None)
    return frame_table(frame)


def preview_table(conn: duckdb.DuckDBPyConnection, sql: str, limit: int = PREVIEW_ROWS) -> dg.MetadataValue:
    """The first rows of a query as table metadata."""
    return frame_table(conn.sql(f"select * from ({sql}) limit {limit}").pl())
