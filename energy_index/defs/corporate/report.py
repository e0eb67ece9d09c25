"""Parsing one report into frames: every table cell, and every recognised metric.

Used by the partitioned report asset and by `energy-index parse-report`, so the command a
user runs on any PDF gives exactly what the pipeline would load.
"""

from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from energy_index.defs.corporate.extract import ExtractedTable, extract_tables, page_count
from energy_index.defs.corporate.recognise import Metric, recognise

METRIC_COLUMNS = {
    "report_id": pl.Utf8, "company": pl.Utf8, "metric": pl.Utf8, "region": pl.Utf8, "fiscal_year": pl.Int64,
    "period_type": pl.Utf8, "value": pl.Float64, "unit": pl.Utf8, "raw_value": pl.Utf8, "raw_label": pl.Utf8,
    "table_title": pl.Utf8, "page": pl.Int64, "table_index": pl.Int64, "flavor": pl.Utf8, "row_index": pl.Int64,
    "precedence_rank": pl.Int64,
}
CELL_COLUMNS = {
    "report_id": pl.Utf8, "page": pl.Int64, "table_index": pl.Int64, "row_index": pl.Int64,
    "column_index": pl.Int64, "text": pl.Utf8, "flavor": pl.Utf8, "parsing_report": pl.Utf8,
}


@dataclass
class ParsedReport:
    pages: int
    tables: list[ExtractedTable]
    metrics: list[Metric]

    def cells_frame(self, report_id: str) -> pl.DataFrame:
        rows = [{"report_id": report_id, **cell} for table in self.tables for cell in table.cell_rows()]
        return pl.DataFrame(rows, schema=CELL_COLUMNS)

    def metrics_frame(self, report_id: str, company: str) -> pl.DataFrame:
        ranked = sorted(self.metrics, key=lambda m: m.precedence)
        rows = []
        for rank, metric in enumerate(ranked):
            row = {k: v for k, v in asdict(metric).items() if k != "precedence"}
            rows.append({"report_id": report_id, "company": company, **row, "precedence_rank": rank})
        return pl.DataFrame(rows, schema=METRIC_COLUMNS)


def parse_report(path: Path) -> ParsedReport:
    pages = page_count(path)
    tables = extract_tables(path)
    return ParsedReport(pages=pages, tables=tables, metrics=recognise(tables))
