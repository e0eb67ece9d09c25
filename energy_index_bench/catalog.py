"""`make bench`, the local catalog's choice: a DuckDB-file DuckLake catalog against a SQLite one.

One writer process commits a table replacement into the lake `COMMITS` times, attaching for each
commit and detaching after it, as the publish step does; `READERS` reader processes meanwhile
attach read-only (`connect_published`, as an analyst's `energy-index sql` does) and query, over
and over, until the writer is done. Reported per catalog: the reader attaches or queries that
failed out of those tried, and the writer's commits that failed out of `COMMITS`, each with the
first error. With a DuckDB file as catalog, a process that has it open read-write holds a lock
that a reader cannot share, and a reader's read-only open blocks the writer; SQLite lets both in.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb

from energy_index.lake import (
    NO_DOWNLOADS,
    Lake,
    LakeUnavailable,
    attach,
    connect_published,
)
from energy_index_bench.table import format_table

COMMITS, READERS, ROWS = 30, 2, 20_000
CATALOGS = {"duckdb_file": "{dir}/catalog.ducklake", "sqlite": "sqlite:{dir}/catalog.sqlite"}


def first_line(exc: BaseException) -> str:
    """An error's first line, without the `LakeUnavailable` preamble naming the catalog."""
    text = str(exc).split("could not be attached: ", 1)[-1].strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def commit_once(lake: Lake, n: int) -> None:
    """Attach the lake read-write, replace one table in a transaction, commit, detach."""
    conn = duckdb.connect(config=NO_DOWNLOADS)
    try:
        attach(conn, lake, alias="w")
        conn.execute("begin transaction")
        conn.execute(f"create or replace table w.t as select range as i, random() * {n} as x from range({ROWS + n})")
        conn.execute("commit")
    finally:
        conn.close()


def _write_loop(lake: Lake, done: str) -> dict:
    failures, first = 0, None
    try:
        for n in range(COMMITS):
            try:
                commit_once(lake, n)
            except (duckdb.Error, LakeUnavailable) as exc:
                failures, first = failures + 1, first or first_line(exc)
            time.sleep(0.02)
    finally:
        Path(done).touch()
    return {"tried": COMMITS, "failed": failures, "first_error": first}


def _read_loop(lake: Lake, done: str) -> dict:
    tried = failures = 0
    first = None
    while not Path(done).exists():
        tried += 1
        try:
            conn = connect_published(lake)
            try:
                conn.execute("select count(*), sum(x) from t").fetchone()
            finally:
                conn.close()
        except (duckdb.Error, LakeUnavailable) as exc:
            failures, first = failures + 1, first or first_line(exc)
    return {"tried": tried, "failed": failures, "first_error": first}


def _ready() -> None:
    time.sleep(0.5)  # holds its worker, so every worker process is up before the timed part


def contention(kind: str, directory: Path) -> dict:
    """The writer and the readers against one catalog kind: {"writer": {...}, "readers": {...}}."""
    lake = Lake(CATALOGS[kind].format(dir=directory), f"{directory}/data/")
    commit_once(lake, 0)  # the lake exists, with its table, before anyone reads
    done = str(directory / "writer-done")
    context = multiprocessing.get_context("spawn")  # no fork of a process holding DuckDB threads
    with ProcessPoolExecutor(READERS + 1, mp_context=context) as pool:
        for ready in [pool.submit(_ready) for _ in range(READERS + 1)]:
            ready.result()
        readers = [pool.submit(_read_loop, lake, done) for _ in range(READERS)]
        writer = pool.submit(_write_loop, lake, done).result()
        results = [reader.result() for reader in readers]
    errors = [r["first_error"] for r in results if r["first_error"]]
    return {"writer": writer, "readers": {"tried": sum(r["tried"] for r in results),
                                         "failed": sum(r["failed"] for r in results),
                                         "first_error": errors[0] if errors else None}}


def catalog_rows() -> list[tuple[str, float | int, str]]:
    """Reader and writer failures for each catalog kind, and the errors seen first."""
    rows = []
    for kind in CATALOGS:
        with tempfile.TemporaryDirectory(prefix=f"bench-catalog-{kind}-") as tmp:
            found = contention(kind, Path(tmp))
        for role in ("readers", "writer"):
            figures = found[role]
            rows += [(f"catalog_{kind}_{role}_tried", figures["tried"], "attempts"),
                     (f"catalog_{kind}_{role}_failed", figures["failed"], "attempts"),
                     (f"catalog_{kind}_{role}_failed_share", figures["failed"] / max(figures["tried"], 1) * 100, "%")]
            if figures["first_error"]:
                print(f"bench: {kind} catalog, {role}, first error: {figures['first_error']}", flush=True)
    return rows


if __name__ == "__main__":

    print(format_table(catalog_rows()))
