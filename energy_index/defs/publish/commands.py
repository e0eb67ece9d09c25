"""`energy-index sql`: query the published marts, the latest refresh or an earlier one."""

from __future__ import annotations

import argparse
import json
import sys

import duckdb

from energy_index.lake import LakeUnavailable, attach_script, connect_published, lake_for, snapshots
from energy_index.settings import load_settings


def add_sql_parser(commands) -> None:
    sql = commands.add_parser("sql", help="query the published marts (the latest refresh, or an earlier one)")
    sql.add_argument("query", nargs="?", help="SQL naming tables as in the warehouse, e.g. marts.fct_workload_energy")
    sql.add_argument("--version", type=int, help="a snapshot id (see --snapshots): the marts as that refresh left them")
    sql.add_argument("--at", help="a timestamp, e.g. '2026-11-01 02:00:00+00': the marts as published at that time")
    sql.add_argument("--snapshots", action="store_true", help="list the lake's snapshots and the runs that made them")
    sql.add_argument("--attach", action="store_true",
                     help="print the statements that open the published lake in a DuckDB shell or notebook")
    sql.add_argument("--format", choices=["csv", "json"], default="csv")


def sql_command(args: argparse.Namespace) -> int:
    """Print a query's rows (CSV or JSON); a missing lake or a bad query is exit 2."""
    lake = lake_for(load_settings())
    try:
        if args.attach:
            print(attach_script(lake, args.version))
            return 0
        if not args.snapshots and not args.query:
            raise LakeUnavailable("give a query, --snapshots or --attach")
        with connect_published(lake, args.version, args.at) as conn:
            if args.snapshots:
                columns, rows = ["snapshot_id", "committed_at", "message", "extra_info"], \
                    [list(snapshot.values()) for snapshot in snapshots(conn)]
            else:
                cursor = conn.execute(args.query)
                columns, rows = [d[0] for d in cursor.description], cursor.fetchall()
    except (LakeUnavailable, duckdb.Error) as exc:
        print(f"energy-index sql: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps([dict(zip(columns, row, strict=True)) for row in rows], indent=2, default=str))
    else:
        print(",".join(columns))
        print("\n".join(",".join("" if v is None else _csv(v) for v in row) for row in rows))
    return 0


def _csv(value) -> str:
    text = str(value)
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',"\n') else text
