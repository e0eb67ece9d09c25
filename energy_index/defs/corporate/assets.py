"""Corporate reports as a statically partitioned asset: one partition per registered report, many per run."""


import dagster as dg
import duckdb
import polars as pl
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluationTargetMaterializationData
from dagster_duckdb import DuckDBResource

from energy_index.defs.corporate import unread
from energy_index.defs.corporate.reading import SOURCE, Reading, read_reports
from energy_index.defs.corporate.registry import REPORTS, Report, report_partitions
from energy_index.defs.corporate.report import CELL_COLUMNS, METRIC_COLUMNS, ParsedReport
from energy_index.defs.quality import corporate_suites as suites
from energy_index.defs.quality.validation import ValidationOutcome, record, validate
from energy_index.defs.sources.fetcher import SourceFetcher
from energy_index.defs.sources.upstream import UNAVAILABLE, combined_version, upstream_source
from energy_index.metadata_tables import frame_table
from energy_index.plots import series_plot
from energy_index.progress import advance
from energy_index.settings import load_settings
from energy_index.warehouse import append_rows, prepare_staging, publish_staged, record_fetch, utcnow

TABLES_KEY = dg.AssetKey(["raw", "corporate_report_tables"])
METRICS_KEY = dg.AssetKey(["raw", "corporate_report_metrics"])
STATUS_TABLE = "raw.corporate_report_status"
CHECK = "recognised_metrics_quality"
TABLES_CHECK = "every_table_has_cells"
UPSTREAM_KEY = dg.AssetKey(["upstream", "corporate_reports"])


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
    # Many reports in one run (a first refresh, a new reader): one step reads them in parallel.
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="warehouse",
    can_subset=True,
)
def corporate_reports(context: dg.AssetExecutionContext, fetcher: SourceFetcher, duckdb: DuckDBResource):
    """The run's registered corporate reports: download, extract tables, recognise metrics, check them.

    The reports are read in parallel worker processes, and each parse is cached by the PDF's
    content and the reader's code (corporate/reading.py). Each report's partition gets its own
    metadata and check results. A report the offline mirror does not hold is recorded as
    unavailable, one without figures (a scan, say) as such: both keep their last good rows, and
    their partitions show `status: unread` with the reason, their checks failed (WARN; see
    corporate/unread.py). A report that cannot be read (not a PDF, a failed download online)
    fails its run: alone, its last good rows kept, its partition unread, its checks failed (ERROR),
    retried by the next refresh; in a run of several reports nothing is written, and each report
    is then run alone (operations/refresh.py), so that one fails alone.
    """
    settings = load_settings()
    reports = [REPORTS[key] for key in context.partition_keys]
    readings = read_reports(reports, fetcher, settings.cache_dir, settings.workers,
                            lambda done, total, item: advance(context.log, "reports read", done, total, item))
    failed = [r for r in readings if r.status == "failed"]
    if failed and len(readings) > 1:
        raise dg.Failure(f"[{SOURCE}] {len(failed)} of {len(readings)} reports could not be read, so this run of "
                         f"several wrote none; each is run alone next, so that one fails alone: "
                         + "; ".join(f"{r.report.report_id} ({r.report.url}): {r.detail}" for r in failed))
    outcomes = [_publish_reading(context, duckdb, reading) for reading in readings]
    # Every report of the run is materialised, an unread one too (with why, corporate/unread.py):
    # else its partition page says nothing; one whose read failed is retried by the next refresh.
    yield dg.MaterializeResult(asset_key=TABLES_KEY, metadata={"reports": len(readings)})
    yield dg.MaterializeResult(asset_key=METRICS_KEY, metadata={"reports": len(readings)})
    for reading, checks in zip(readings, outcomes, strict=True):
        yield from (_evaluation(context, reading.report.report_id, *check) for check in checks)
    if failed:
        raise dg.Failure(f"[{SOURCE}] {failed[0].report.report_id} ({failed[0].report.url}): {failed[0].detail}")


def _publish_reading(context: dg.AssetExecutionContext, duckdb: DuckDBResource, reading: Reading) -> list[tuple]:
    """Write one report's rows (or only its status, keeping its last good rows), set its partition's
    metadata; its check results, as (check, asset, passed, severity, metadata, description)."""
    report = reading.report
    if reading.status == "parsed":
        return _load(context, duckdb, report, reading.parsed, reading.fetch)
    if reading.status != unread.READ_FAILED:
        context.log.warning(f"{report.report_id}: {reading.detail}")
    with duckdb.get_connection() as conn:
        if reading.fetch is not None:
            record_fetch(conn, reading.fetch)
        _record_status(conn, report, reading.status, reading.detail, reading.parsed)
        _ensure_tables(conn)
        kept = conn.execute("select count(*) from raw.corporate_report_metrics where report_id = ?",
                            [report.report_id]).fetchone()[0]
    metadata = unread.unread_metadata(report.url, reading.status, reading.detail, kept)
    for key in (TABLES_KEY, METRICS_KEY):
        context.add_asset_metadata(metadata, asset_key=key, partition_key=report.report_id)
    return unread.unread_checks(reading.status, metadata,
                                ((TABLES_CHECK, TABLES_KEY, "tables"), (CHECK, METRICS_KEY, "values_checked")))


def _evaluation(context: dg.AssetExecutionContext, partition: str, check: str, asset_key: dg.AssetKey, passed: bool,
                severity: dg.AssetCheckSeverity, metadata: dict, description: str) -> dg.AssetCheckEvaluation:
    """A check result on one report's partition, attached to that partition's materialisation of this run."""
    from dagster._core.storage.event_log.base import AssetRecordsFilter  # lazily: it loads SQLAlchemy

    records = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=asset_key, asset_partitions=[partition]), limit=1).records
    latest = records[0] if records and records[0].event_log_entry.run_id == context.run_id else None
    target = AssetCheckEvaluationTargetMaterializationData(
        run_id=latest.event_log_entry.run_id, storage_id=latest.storage_id, timestamp=latest.timestamp) if latest else None
    return dg.AssetCheckEvaluation(check_name=check, asset_key=asset_key, passed=passed, severity=severity,
                                   metadata=metadata, description=description, partition=partition,
                                   target_materialization_data=target, blocking=False)


def _ensure_tables(conn) -> None:
    """Downstream models read these tables even when no report could be parsed."""
    for table, schema in (("raw.corporate_report_tables", CELL_COLUMNS), ("raw.corporate_report_metrics", METRIC_COLUMNS)):
        conn.register("_empty", pl.DataFrame(schema=schema).to_arrow())
        try:
            conn.execute(f"create table if not exists {table} as select * from _empty")
        finally:
            conn.unregister("_empty")


def _load(context: dg.AssetExecutionContext, duckdb: DuckDBResource, report: Report, parsed: ParsedReport,
          fetch) -> list[tuple]:
    """Publish the report's cells and metrics, check them, and say what was found on its partition."""
    metrics = parsed.metrics_frame(report.report_id, report.company)
    with duckdb.get_connection() as conn:
        record_fetch(conn, fetch)
        _write_slice(conn, "raw.corporate_report_tables", parsed.cells_frame(report.report_id), report.report_id)
        _write_slice(conn, "raw.corporate_report_metrics", metrics, report.report_id)
        rows, consistency = _validate(conn, report, metrics)
        passed = rows.success and consistency.success
        _record_status(conn, report, "parsed", f"{parsed.detail}; {fetch.status} {fetch.location}", parsed, passed)
    cells = [len(t.cell_rows()) for t in parsed.tables]
    context.add_asset_metadata({unread.STATUS: unread.READ, "report_status": "parsed", "pages_parsed": parsed.pages,
                                "tables_found": len(parsed.tables), "dagster/row_count": sum(cells)},
                               asset_key=TABLES_KEY, partition_key=report.report_id)
    plot = _scope_plot(report, metrics)
    context.add_asset_metadata({
        unread.STATUS: unread.READ,
        "report_status": "parsed",
        "metrics_recognised": len(parsed.metrics),
        "readings": len(parsed.candidates),
        "readings_rejected": sum(1 for c in parsed.candidates if c.status == "rejected"),
        "pages_read_by_table_reader": dg.MetadataValue.text(", ".join(map(str, parsed.pages_read)) or "none"),
        "dagster/row_count": metrics.height,
        "distinct_metrics": metrics["metric"].n_unique() if len(metrics) else 0,
        "core_metrics_by_year": _core_metrics_table(metrics),
        **({"emissions_by_scope": plot} if plot else {})}, asset_key=METRICS_KEY, partition_key=report.report_id)
    return [(TABLES_CHECK, TABLES_KEY, 0 not in cells, dg.AssetCheckSeverity.ERROR,
             {"tables": len(cells), "empty_tables": cells.count(0)}, None),
            (CHECK, METRICS_KEY, passed, dg.AssetCheckSeverity.ERROR, {
                "failing_values": rows.failures_table(), "failing_comparisons": consistency.failures_table(),
                "value_expectations": rows.expectations_table(),
                "comparison_expectations": consistency.expectations_table(),
                "values_checked": rows.row_count, "comparisons": consistency.row_count},
             f"{rows.describe()}\n{consistency.describe()}")]
