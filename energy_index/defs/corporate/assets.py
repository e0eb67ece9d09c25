"""Corporate reports as a statically partitioned asset: one partition per registered report."""

import warnings
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from energy_index.defs.corporate.extract import ReportError
from energy_index.defs.corporate.registry import REPORTS, Report, report_partitions
from energy_index.defs.corporate.report import CELL_COLUMNS, METRIC_COLUMNS, ParsedReport, parse_report
from energy_index.defs.quality import corporate_suites as suites
from energy_index.defs.quality.validation import ValidationOutcome, record, validate
from energy_index.defs.sources.fetcher import SourceFetcher, SourceUnavailable
from energy_index.defs.sources.upstream import UNAVAILABLE, combined_version, upstream_source
from energy_index.metadata_tables import frame_table
from energy_index.plots import series_plot
from energy_index.warehouse import append_rows, prepare_staging, publish_staged, record_fetch, utcnow

SOURCE = "corporate_reports"
TABLES_KEY = dg.AssetKey(["raw", "corporate_report_tables"])
METRICS_KEY = dg.AssetKey(["raw", "corporate_report_metrics"])
STATUS_TABLE = "raw.corporate_report_status"
CHECK = "recognised_metrics_quality"
TABLES_CHECK = "every_table_has_cells"
UPSTREAM_KEY = dg.AssetKey(["upstream", "corporate_reports"])
# Checks partitioned like their asset are how Dagster shows one result per report; the preview
# label is about the API, pinned here (dagster<1.14).
warnings.filterwarnings("ignore", category=dg.PreviewWarning, message=".*partitions_def on an AssetCheckSpec.*")


def _write_slice(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, report_id: str) -> None:
    """Replace one report's rows; the table is created from the schema even when empty."""
    staged = prepare_staging(conn, table)
    conn.register("_slice", frame.to_arrow())
    try:
        conn.execute(f"create table {staged} as select * from _slice")
    finally:
        conn.unregister("_slice")
    publish_staged(conn, table, replace_where=("report_id", report_id))


def _record_status(conn, report: Report, status: str, detail: str, parsed: ParsedReport | None = None,
                   checks_passed: bool | None = None) -> None:
    conn.execute("create schema if not exists raw")
    conn.execute(f"create table if not exists {STATUS_TABLE} (report_id varchar, company varchar, "
                 "status varchar, detail varchar, pages integer, tables_found integer, "
                 "metrics_recognised integer, checks_passed boolean, checked_at timestamptz)")
    conn.execute(f"delete from {STATUS_TABLE} where report_id = ?", [report.report_id])
    append_rows(conn, STATUS_TABLE, pl.DataFrame([{
        "report_id": report.report_id, "company": report.company, "status": status, "detail": detail,
        "pages": parsed.pages if parsed else None, "tables_found": len(parsed.tables) if parsed else None,
        "metrics_recognised": len(parsed.metrics) if parsed else None, "checks_passed": checks_passed,
        "checked_at": utcnow()}]))


def _validate(conn, report: Report, metrics: pl.DataFrame) -> tuple[ValidationOutcome, ValidationOutcome]:
    chosen = suites.primary_values(metrics).with_columns(
        (pl.col("metric") + " " + pl.col("fiscal_year").cast(pl.Utf8) + ": " + pl.col("raw_label")).alias("reading"))
    rows = validate(chosen, f"{report.report_id}_metrics", "raw.corporate_report_metrics",
                    suites.metrics_expectations(report.first_year, report.last_year, report.expected_metrics),
                    id_column="reading")
    consistency = validate(suites.consistency_frame(metrics), f"{report.report_id}_consistency",
                           "raw.corporate_report_metrics", suites.consistency_expectations(), id_column="comparison")
    for outcome in (rows, consistency):
        record(conn, outcome, asset=METRICS_KEY.to_user_string())
    return rows, consistency


SCOPES = ("scope1", "scope2_location", "scope2_market", "scope3_total")


def _scope_plot(report: Report, metrics: pl.DataFrame) -> dg.MetadataValue | None:
    """The company's emissions by scope over the report's years, when it states any."""
    primary = suites.primary_values(metrics).filter(pl.col("region").is_null() & pl.col("metric").is_in(SCOPES))
    if primary.is_empty():
        return None
    series = {m: list(zip(g["fiscal_year"].to_list(), g["value"].to_list(), strict=True))
              for (m,), g in primary.group_by("metric")}
    return series_plot(series, f"{report.company}: emissions by scope ({report.title})", "tCO2e (log scale)")


def _core_metrics_table(metrics: pl.DataFrame) -> dg.MetadataValue:
    primary = suites.primary_values(metrics).filter(pl.col("region").is_null() & pl.col("value").is_not_null()
                                                    & ~pl.col("metric").str.contains("intensity|category"))
    if primary.is_empty():
        return dg.MetadataValue.text("no metrics recognised")
    return frame_table(primary.pivot(on="fiscal_year", index=["metric", "unit"], values="value",
                                     sort_columns=True).sort("metric"))


@upstream_source(UPSTREAM_KEY, partitions_def=report_partitions)
def upstream_corporate_reports(fetcher: SourceFetcher) -> dg.DataVersionsByPartition:
    """Each registered report's PDF as it is upstream now, with its registry row (one version per
    partition, so a new or changed report rebuilds only itself); a report the mirror lacks is
    `unavailable`, and once tried is not attempted again until that changes."""
    return dg.DataVersionsByPartition({report_id: _report_version(fetcher, report)
                                       for report_id, report in REPORTS.items()})


def _report_version(fetcher: SourceFetcher, report: Report) -> dg.DataVersion:
    pdf = fetcher.probe(SOURCE, report.url)
    return dg.DataVersion(UNAVAILABLE if pdf is None else combined_version({"pdf": pdf, "registry": repr(report)}).value)


@dg.multi_asset(
    name="corporate_reports",
    specs=[
        dg.AssetSpec(TABLES_KEY, skippable=True, kinds={"pdf", "duckdb"}, deps=[UPSTREAM_KEY],
                     description="Every table camelot finds in each registered report, cell by cell "
                                 "(report, page, table, row, column, text, flavour, parsing report)."),
        dg.AssetSpec(METRICS_KEY, skippable=True, kinds={"duckdb"}, deps=[TABLES_KEY],
                     description="Canonical metrics recognised in each report's tables (Scope 1/2/3, "
                                 "electricity, energy, PUE, ...), normalised to tCO2e and MWh: every reading "
                                 "with its evidence (page, reader, raw label, value and unit, where the unit and "
                                 "Scope 2 basis were read), confidence and status; is_primary marks the one "
                                 "value chosen per metric, region and year."),
    ],
    # Partitioned like the reports, so the UI shows each report's result, not the last run's.
    check_specs=[dg.AssetCheckSpec(TABLES_CHECK, asset=TABLES_KEY, blocking=False, partitions_def=report_partitions,
                                   description="Every table found in the report was stored with its cells "
                                               "(page, table, row, column and text), none empty."),
                 dg.AssetCheckSpec(CHECK, asset=METRICS_KEY, blocking=False, partitions_def=report_partitions,
                                   description="The chosen values are non-negative, fall in the report's "
                                               "years, include its core metrics and break no sanity rule (a "
                                               "1000x jump between years); subtotals and regional parts add up.")],
    partitions_def=report_partitions,
    pool="warehouse",
    can_subset=True,  # a report not read yields no materialisation, only its status (_not_read)
)
def corporate_reports(context: dg.AssetExecutionContext, fetcher: SourceFetcher, duckdb: DuckDBResource):
    """One registered corporate report: download, extract tables, recognise metrics, check them.

    A report the offline mirror does not hold is recorded as unavailable and skipped (the
    partition stays unmaterialised); online, a failed download fails the partition. Other
    partitions are unaffected either way.
    """
    report = REPORTS[context.partition_key]
    try:
        fetch = fetcher.fetch(SOURCE, report.url)
    except SourceUnavailable as exc:
        context.log.warning(f"{report.report_id} skipped: {exc}")
        with duckdb.get_connection() as conn:
            _record_status(conn, report, "unavailable", str(exc))
            _ensure_tables(conn)
        yield from _not_read(report, "unavailable", str(exc))
        return
    try:
        parsed = parse_report(Path(fetch.path))
    except ReportError as exc:
        with duckdb.get_connection() as conn:
            _record_status(conn, report, "failed", exc.problem)
        yield from _not_read(report, "failed", exc.problem)
        raise dg.Failure(f"[{SOURCE}] {report.report_id} ({report.url}): {exc.problem}") from exc
    if parsed.status != "parsed":
        # A scan, or a report without GHG figures: say so, and keep the last good rows.
        context.log.warning(f"{report.report_id}: {parsed.detail}")
        with duckdb.get_connection() as conn:
            record_fetch(conn, fetch)
            _record_status(conn, report, parsed.status, parsed.detail, parsed)
            _ensure_tables(conn)
        yield from _not_read(report, parsed.status, parsed.detail)
        return
    yield from _load(duckdb, report, parsed, fetch)


def _not_read(report: Report, status: str, detail: str):
    """A report this run did not read: its status and the reason, shown on the partition in the UI
    (as observations of both assets) and on the quality check, instead of a bare "Missing"/"Skipped".
    The partition keeps its last published rows: a report that was merely not read passes (no
    value was published); one that could not be parsed fails."""
    reason = {"report_status": status, "detail": dg.MetadataValue.text(detail), "url": dg.MetadataValue.url(report.url)}
    for key in (TABLES_KEY, METRICS_KEY):
        yield dg.AssetObservation(asset_key=key, partition=report.report_id, metadata=reason)
    read_failed = status == "failed"
    yield dg.AssetCheckResult(check_name=TABLES_CHECK, asset_key=TABLES_KEY, passed=not read_failed,
                              severity=dg.AssetCheckSeverity.ERROR if read_failed else dg.AssetCheckSeverity.WARN,
                              metadata={**reason, "tables": 0},
                              description=f"No table stored this run ({status}).")
    yield dg.AssetCheckResult(
        check_name=CHECK, asset_key=METRICS_KEY, passed=not read_failed, metadata={**reason, "values_checked": 0},
        severity=dg.AssetCheckSeverity.ERROR if read_failed else dg.AssetCheckSeverity.WARN,
        description=f"The report could not be read: {detail}" if read_failed
        else f"Nothing to check: the report was not read this run ({status}).")


def _ensure_tables(conn) -> None:
    """Downstream models read these tables even when no report could be parsed."""
    for table, schema in (("raw.corporate_report_tables", CELL_COLUMNS), ("raw.corporate_report_metrics", METRIC_COLUMNS)):
        conn.register("_empty", pl.DataFrame(schema=schema).to_arrow())
        try:
            conn.execute(f"create table if not exists {table} as select * from _empty")
        finally:
            conn.unregister("_empty")


def _load(duckdb: DuckDBResource, report: Report, parsed: ParsedReport, fetch):
    """Publish the report's cells and metrics, check them, and say what was found."""
    metrics = parsed.metrics_frame(report.report_id, report.company)
    with duckdb.get_connection() as conn:
        record_fetch(conn, fetch)
        _write_slice(conn, "raw.corporate_report_tables", parsed.cells_frame(report.report_id), report.report_id)
        _write_slice(conn, "raw.corporate_report_metrics", metrics, report.report_id)
        rows, consistency = _validate(conn, report, metrics)
        passed = rows.success and consistency.success
        _record_status(conn, report, "parsed", f"{parsed.detail}; {fetch.status} {fetch.location}", parsed, passed)
    cells = [len(t.cell_rows()) for t in parsed.tables]
    yield dg.MaterializeResult(asset_key=TABLES_KEY, metadata={
        "pages_parsed": parsed.pages, "tables_found": len(parsed.tables), "dagster/row_count": sum(cells)},
        check_results=[dg.AssetCheckResult(check_name=TABLES_CHECK, asset_key=TABLES_KEY, passed=0 not in cells,
                                           metadata={"tables": len(cells), "empty_tables": cells.count(0)})])
    plot = _scope_plot(report, metrics)
    yield dg.MaterializeResult(asset_key=METRICS_KEY, metadata={
        "metrics_recognised": len(parsed.metrics),
        "readings": len(parsed.candidates),
        "readings_rejected": sum(1 for c in parsed.candidates if c.status == "rejected"),
        "pages_read_by_table_reader": dg.MetadataValue.text(", ".join(map(str, parsed.pages_read)) or "none"),
        "dagster/row_count": metrics.height,
        "distinct_metrics": metrics["metric"].n_unique() if len(metrics) else 0,
        "core_metrics_by_year": _core_metrics_table(metrics),
        **({"emissions_by_scope": plot} if plot else {})})
    yield dg.AssetCheckResult(check_name=CHECK, asset_key=METRICS_KEY, passed=passed,
                              severity=dg.AssetCheckSeverity.ERROR, metadata={
                                  "failing_values": rows.failures_table(),
                                  "failing_comparisons": consistency.failures_table(),
                                  "values_checked": rows.row_count, "comparisons": consistency.row_count})
