"""Write-audit-publish for raw tables, shared by every source.

Load into `raw_staging.<table>`, validate the staged rows with a Great Expectations suite,
record the result, and only then publish over `raw.<table>`; a failed audit raises with a
message naming the source, the expectation, the column and sample rows, and leaves the
published table untouched.
"""

from collections.abc import Callable, Generator

import dagster as dg
import duckdb
import polars as pl

from energy_index.defs.quality.validation import record, validate
from energy_index.defs.sources.fetcher import SourceError
from energy_index.warehouse import prepare_staging, publish_staged

SUITE_CHECK = "great_expectations_suite"


def suite_check_spec(key: dg.AssetKey) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(SUITE_CHECK, asset=key, blocking=True,
                             description="Great Expectations suite, run on the staged load before publish.")


def load_audited(conn: duckdb.DuckDBPyConnection, *, source: str, origin: str, table: str, key: dg.AssetKey,
                 load: Callable[[str], None], expectations: Callable[[list[str]], list],
                 id_column: str, audit: Callable[[pl.DataFrame], pl.DataFrame] = lambda f: f,
                 replace_where: tuple[str, str] | None = None,
                 frame: Callable[[str], pl.DataFrame] | None = None,
                 in_place: bool = False) -> Generator[dg.AssetCheckResult, None, dg.AssetCheckResult]:
    """Stage, validate, publish; returns the suite's check result for the caller to report with its
    materialisation (`check = yield from load_audited(...)`, then `MaterializeResult(check_results=
    [check])`), so the UI attaches the result to the data it checked. On bad data it yields the
    failed result (the published table is the previous one) and raises dg.Failure.

    `origin` names the file the rows came from, for error messages. `replace_where=(column,
    value)` publishes only that slice (one release of a source),
    leaving rows of other slices as they were. `frame(staged)` gives what the suite validates
    when that is not the staged rows themselves (a profile DuckDB computes of a large file).
    `in_place=True` (with `replace_where`) audits the slice inside the transaction that replaces it.
    """
    read = frame or (lambda relation: conn.sql(f"select * from {relation}").pl())
    if in_place:
        return (yield from _audit_in_place(conn, source, origin, table, key, load, expectations, id_column,
                                           lambda slice_: audit(read(slice_)), replace_where))
    staged = prepare_staging(conn, table)
    _load(load, staged)
    validated = read(staged)
    outcome = validate(audit(validated), f"{table}_suite", table, expectations(validated.columns),
                       id_column=id_column)
    record(conn, outcome, asset=key.to_user_string())
    check = outcome.check_result(SUITE_CHECK, key)
    if not outcome.success:
        yield check
        _reject(source, origin, table, staged, outcome)
    publish_staged(conn, table, replace_where)
    return check


def _load(load: Callable[[str], None], table: str) -> None:
    try:
        load(table)
    except SourceError as exc:
        raise dg.Failure(description=str(exc), metadata={"source": exc.source, "file": exc.location}) from exc


def _reject(source: str, origin: str, table: str, staged: str, outcome) -> None:
    raise dg.Failure(
        description=f"[{source}] {origin}: {outcome.describe_failures()}\nThe previous {table} was kept; "
        f"the rejected rows are in {staged}.",
        metadata={"failures": dg.MetadataValue.json([f["problem"] for f in outcome.failures])},
    )


def _audit_in_place(conn, source, origin, table, key, load, expectations, id_column, frame, replace_where):
    """Write-audit-publish inside one transaction on the published table: the slice is replaced,
    audited, and committed only if it passes, so readers never see unaudited rows and the rows are
    written once (a 100 MB file is not copied from staging again). Rejected rows are rolled back,
    then loaded into staging to inspect."""
    column, value = replace_where
    slice_ = f"(select * from {table} where {column} = '{value.replace(chr(39), chr(39) * 2)}')"
    conn.execute("begin transaction")
    try:
        conn.execute(f"delete from {table} where {column} = ?", [value])
        _load(load, table)
        validated = frame(slice_)
        outcome = validate(validated, f"{table}_suite", table, expectations(validated.columns), id_column=id_column)
    except BaseException:
        conn.execute("rollback")
        raise
    check = outcome.check_result(SUITE_CHECK, key)
    if not outcome.success:
        conn.execute("rollback")
        staged = prepare_staging(conn, table)
        _load(load, staged)
        record(conn, outcome, asset=key.to_user_string())
        yield check
        _reject(source, origin, table, staged, outcome)
    conn.execute("commit")
    record(conn, outcome, asset=key.to_user_string())
    return check
