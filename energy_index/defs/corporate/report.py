"""Parsing one report: the text layer, the tables on the pages that matter, every reader, one
value per metric and year.

Used by the partitioned report asset and by `energy-index parse-report`, so the command a
user runs on any PDF gives exactly what the pipeline would load. A file that cannot be
opened raises `ReportError`; a scan without text, or a report without GHG figures, is a
parsed report with that status and no values, never invented ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from energy_index.defs.corporate.candidate import Candidate
from energy_index.defs.corporate.context import FROM_OCR
from energy_index.defs.corporate.document import Document, NoTextLayer, read_document
from energy_index.defs.corporate.extract import ExtractedTable, ReportError, extract_tables, page_count
from energy_index.defs.corporate.layouts import read_layouts
from energy_index.defs.corporate.resolve import resolve
from energy_index.defs.corporate.statements import read_statements
from energy_index.defs.corporate.tables import read_year_tables
from energy_index.defs.corporate.text_readers import read_questionnaire, read_text_lines
from energy_index.defs.corporate.text_tables import read_text_tables

CORE_METRICS = ("scope1", "scope2_location", "scope2_market", "scope2", "electricity")
METRIC_COLUMNS = {
    "report_id": pl.Utf8, "company": pl.Utf8, "metric": pl.Utf8, "region": pl.Utf8, "fiscal_year": pl.Int64,
    "period_type": pl.Utf8, "value": pl.Float64, "unit": pl.Utf8, "raw_value": pl.Utf8, "raw_label": pl.Utf8,
    "raw_unit": pl.Utf8, "unit_source": pl.Utf8, "basis_source": pl.Utf8, "boundary": pl.Utf8,
    "table_title": pl.Utf8, "page": pl.Int64, "table_index": pl.Int64, "row_index": pl.Int64, "reader": pl.Utf8,
    "evidence": pl.Utf8, "confidence": pl.Float64, "status": pl.Utf8, "status_reason": pl.Utf8,
    "sanity_issue": pl.Utf8, "notes": pl.Utf8, "is_primary": pl.Boolean,
}
CELL_COLUMNS = {
    "report_id": pl.Utf8, "page": pl.Int64, "table_index": pl.Int64, "row_index": pl.Int64,
    "column_index": pl.Int64, "text": pl.Utf8, "flavor": pl.Utf8, "parsing_report": pl.Utf8,
}


@dataclass
class ParsedReport:
    pages: int
    tables: list[ExtractedTable]
    candidates: list[Candidate]
    status: str = "parsed"          # parsed | no_text_layer | no_figures
    detail: str = ""
    pages_read: list[int] = field(default_factory=list)

    @property
    def metrics(self) -> list[Candidate]:
        """The chosen value of every metric, region and year."""
        return [c for c in self.candidates if c.status == "chosen"]

    def cells_frame(self, report_id: str) -> pl.DataFrame:
        rows = [{"report_id": report_id, **cell} for table in self.tables for cell in table.cell_rows()]
        return pl.DataFrame(rows, schema=CELL_COLUMNS)

    def metrics_frame(self, report_id: str, company: str) -> pl.DataFrame:
        """Every reading, chosen or not, with its evidence; `is_primary` marks the chosen ones."""
        rows = [{
            "report_id": report_id, "company": company, "metric": c.metric, "region": c.region,
            "fiscal_year": c.fiscal_year, "period_type": c.period_type, "value": c.value, "unit": c.unit,
            "raw_value": c.raw_value, "raw_label": c.raw_label, "raw_unit": c.raw_unit, "unit_source": c.unit_source,
            "basis_source": c.basis_source, "boundary": c.boundary, "table_title": c.place.table_title,
            "page": c.place.page, "table_index": c.place.table_index, "row_index": c.place.row_index,
            "reader": c.place.reader, "evidence": c.place.evidence[:500], "confidence": c.confidence,
            "status": c.status, "status_reason": c.status_reason, "sanity_issue": c.sanity_issue or None,
            "notes": "; ".join(c.notes), "is_primary": c.status == "chosen",
        } for c in self.candidates]
        return pl.DataFrame(rows, schema=METRIC_COLUMNS)


def parse_report(path: Path) -> ParsedReport:
    pages = page_count(path)
    try:
        document = read_document(path)
    except NoTextLayer as exc:
        return ParsedReport(pages, [], [], "no_text_layer", str(exc))
    relevant = document.relevant_pages()
    tables = extract_tables(path, relevant)
    for table in tables:
        table.cells = [[document.in_points(cell) for cell in row] for row in table.cells]
    candidates = read_document_candidates(document, tables)
    report = ParsedReport(pages, tables, resolve(candidates, "\n".join(document.pages)), pages_read=relevant)
    if not any(c.metric in CORE_METRICS or c.metric.startswith("scope") for c in report.metrics):
        report.status = "no_figures"
        report.detail = (f"no GHG figures found: {len(relevant)} of {pages} pages mention emissions or energy "
                         f"with figures, {len(tables)} tables read, {len(candidates)} readings, none usable")
    else:
        report.detail = f"{len(report.metrics)} values from {len(candidates)} readings on {len(relevant)} pages"
    if document.decimal_comma:
        report.detail += "; numbers read with a decimal comma (the document writes 1.234,5)"
    if document.ocr_lines:
        report.detail += f"; OCR read page(s) {', '.join(map(str, sorted(document.ocr_lines)))}"
    if document.ocr_skipped:
        report.detail += f"; {document.ocr_skipped}"
    return report


def parse_or_problem(path: Path) -> ParsedReport | str:
    """A report's parse, or the problem that stopped it (how a worker process hands it back)."""
    try:
        return parse_report(path)
    except ReportError as exc:
        return exc.problem


def read_document_candidates(document: Document, tables: list[ExtractedTable]) -> list[Candidate]:
    candidates: list[Candidate] = []
    for table in tables:
        candidates += read_year_tables(table, document) + read_layouts(table, document)
    candidates += read_text_tables(document) + read_questionnaire(document) + read_text_lines(document) \
        + read_statements(document)
    for candidate in candidates:
        if document.ocr_lines and document.read_by_ocr(candidate.place.page, candidate.place.evidence):
            candidate.place.reader += ":ocr"
            candidate.confidence = round(candidate.confidence * FROM_OCR, 3)
            candidate.notes.append("read by OCR: the figure is an image, with no text layer")
    period = document.reporting_period
    if period is not None and period.period_type == "fiscal":
        for candidate in candidates:  # a bare '2023' in a report of fiscal years is a fiscal year
            if candidate.period_type == "calendar":
                candidate.period_type = "fiscal"
                candidate.notes.append(f'fiscal year: the report states "{period.evidence}"')
    return candidates
