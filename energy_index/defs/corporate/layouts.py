"""Tables without year columns: years down the rows, or one year for the whole table.

- Transposed tables put a year at the start of each row and the metrics in the column
  headers (`Year | Scope 1 (thousand tonnes CO2e) | Electricity consumption (MWh)`).

- Column-metric tables put the metrics in the column headers and places in the rows
  (`Location | Scope 1 emissions (metric tons CO2e) | Electricity (million kWh)`); their
  `Total` row is the company's figure, for the year the title states (`Fiscal year 2022
  energy and carbon footprint`). Trusted less than a year-column table: such tables often
  cover part of a company (facilities, not fleet).
- Parameter tables list one figure per row (`Parameter | Quantity | Units`), as assurance
  statements do; labels and units may run over several lines. The year is the one the text
  above states (`Fiscal Year 2022 reporting period`), else the document's reporting period.
"""

from __future__ import annotations

import re

from energy_index.defs.corporate.candidate import Candidate, Place, make_candidate
from energy_index.defs.corporate.context import BASE_CONFIDENCE, Context
from energy_index.defs.corporate.document import Document
from energy_index.defs.corporate.extract import ExtractedTable
from energy_index.defs.corporate.labels import basis_of, clean, read_label
from energy_index.defs.corporate.tables import header_blocks
from energy_index.defs.corporate.units import read_unit, unit_from_label
from energy_index.defs.corporate.values import HeaderYear, Number, parse_header_year, parse_value, year_in_text

TOTAL = re.compile(r"^(?:grand |company |group )?totals?(?: company| group)?$")
BARE_YEARS = re.compile(r"\b(?:fy\s?)?(?:19|20)\d{2}\b", re.IGNORECASE)
QUANTITY = re.compile(r"^(?:quantity|value|amount|result|figure|data)s?$", re.IGNORECASE | re.MULTILINE)
UNITS = re.compile(r"^units?(?: of measure)?$", re.IGNORECASE | re.MULTILINE)
ROWS_ABOVE = 6


def read_layouts(table: ExtractedTable, document: Document) -> list[Candidate]:
    """Candidates from the table's parameter blocks, or its Total row when it is a column-metric table."""
    cells = table.cells
    if any(header_blocks(cells, row) for row in range(len(cells))):
        return []
    return (read_quantities(table, document) or read_year_rows(table, document) or read_total_column(table, document)
            or read_columns(table, document))


def _header_rows(cells: list[list[str]], first: int) -> list[int]:
    """The contiguous non-empty rows right above row `first` (at most four)."""
    rows = []
    for row in range(first - 1, max(-1, first - 5), -1):
        if not any(cells[row][1:]):
            break
        rows.insert(0, row)
    return rows


def read_total_column(table: ExtractedTable, document: Document) -> list[Candidate]:
    """Metrics down the rows, a breakdown across, and a `Total` column (CDP's energy table)."""
    cells = table.cells
    numeric = [r for r, row in enumerate(cells) if sum(1 for c in row[1:] if parse_value(c)) >= 2]
    header_rows = _header_rows(cells, numeric[0]) if numeric else []
    headers = {c: " ".join(cells[r][c] for r in header_rows if c < len(cells[r]) and cells[r][c])
               for c in range(1, max(len(r) for r in cells))}
    total = max((c for c, text in headers.items() if re.match(r"(?i)total\b", text)), default=None)
    if total is None:
        return []
    year, year_source = _year_above(cells, header_rows[0], document)
    above = " ".join(c for r in cells[max(0, header_rows[0] - ROWS_ABOVE):header_rows[0]] for c in r if c)
    unit = read_unit(headers[total], "Total column header", document.glossary) or \
        read_unit(above, "the text above the table", document.glossary)
    candidates = []
    for row in numeric:
        reading = read_label(cells[row][0])
        number = parse_value(cells[row][total]) if total < len(cells[row]) else None
        if not reading.metric or number is None or year is None:
            continue
        place = Place(page=table.page, reader=f"totals:{table.flavor}", table_index=table.index, row_index=row,
                      evidence=f"{cells[row][0]} | {headers[total]}: {cells[row][total]}")
        candidates.append(make_candidate(reading.metric, number, unit, year=year.year, period_type=year.period_type,
                                         raw_value=cells[row][total], raw_label=cells[row][0], place=place,
                                         confidence=BASE_CONFIDENCE["quantities"],
                                         notes=[f"year from {year_source}", "value from the Total column"]))
    return candidates


def read_year_rows(table: ExtractedTable, document: Document) -> list[Candidate]:
    """A transposed table: a year at the start of each row, the metrics in the column headers."""
    cells = table.cells
    years = {r: y for r, row in enumerate(cells) if row and (y := parse_header_year(row[0]))
             and any(parse_value(c) for c in row[1:])}
    if len(years) < 2 or len({y.year for y in years.values()}) < len(years):
        return []
    first = min(years)
    header_rows = _header_rows(cells, first)
    title = " ".join(c for r in range(0, header_rows[0] if header_rows else first) for c in cells[r] if c)
    state = Context(title=title, headings=[title], document=document, page=table.page)
    candidates = []
    for column in range(1, max(len(r) for r in cells)):
        header = " ".join(cells[r][column] for r in header_rows if column < len(cells[r]) and cells[r][column])
        values = {r: (cells[r][column] if column < len(cells[r]) else "", y) for r, y in years.items()}
        place = Place(page=table.page, reader=f"yearrows:{table.flavor}", table_index=table.index, row_index=first,
                      table_title=title, evidence=f"column {header!r}")
        candidates += state.read_row(header, values, "", {}, place, reader="table")
    return candidates


def _year_above(cells: list[list[str]], row: int, document: Document) -> tuple[HeaderYear | None, str]:
    text = " ".join(c for r in cells[max(0, row - ROWS_ABOVE):row] for c in r if c)
    year = year_in_text(text)
    if year:
        return year, "the text above the table"
    period = document.reporting_period
    return (HeaderYear(period.year, period.period_type), f'the reporting period ("{period.evidence}")') if period \
        else (None, "")


def read_columns(table: ExtractedTable, document: Document) -> list[Candidate]:
    cells = table.cells
    numeric = [r for r, row in enumerate(cells) if sum(1 for c in row if parse_value(c)) >= 2]
    if not numeric:
        return []
    first = numeric[0]
    header_rows = []
    for row in range(first - 1, max(-1, first - 5), -1):
        if not any(cells[row]):
            break
        header_rows.insert(0, row)
    if not header_rows:
        return []
    candidates = []
    for total, year, year_source in _total_rows(cells, numeric, header_rows, document):
        candidates += _total_row(table, document, header_rows, total, year, year_source)
    return candidates


def _total_rows(cells, numeric, header_rows, document) -> list[tuple[int, HeaderYear, str]]:
    """The Total row and its year (from above the table), or one Total row per year, each
    naming its year ('Group total 2023', 'Group total 2022')."""
    labels = {r: next((c for c in cells[r] if c), "") for r in numeric}
    dated = [(r, year_in_text(labels[r])) for r in numeric if TOTAL.match(clean(BARE_YEARS.sub("", labels[r])))]
    if len(dated) > 1 and all(year for _, year in dated) and len({y.year for _, y in dated}) == len(dated):
        return [(r, year, f'the row label "{labels[r]}"') for r, year in dated]
    year, year_source = _year_above(cells, header_rows[0], document)
    totals = [r for r in numeric if TOTAL.match(clean(labels[r]))]
    return [(totals[0], year, year_source)] if year is not None and len(totals) == 1 else []


def _total_row(table, document, header_rows, total, year, year_source) -> list[Candidate]:
    cells, candidates = table.cells, []
    title = " ".join(" ".join(cells[header_rows[0] - 1]).split()) if header_rows[0] else \
        document.line_above(table.page, cells[header_rows[0]])
    for column in range(1, max(len(r) for r in cells)):
        header = " ".join(cells[r][column] for r in header_rows if column < len(cells[r]) and cells[r][column])
        reading = read_label(header)
        number = parse_value(cells[total][column]) if column < len(cells[total]) else None
        if not reading.metric or number is None:
            continue
        place = Place(page=table.page, reader=f"columns:{table.flavor}", table_index=table.index, row_index=total,
                      table_title=title, evidence=f"{header} | Total: {cells[total][column]}")
        titles = [t for t in [*(cells[r][0] for r in header_rows), title] if t]  # the corner cells, the title
        unit = unit_from_label(header, "column header", document.glossary) or next(
            (u for u in (unit_from_label(t, f'table title "{t}"', document.glossary) for t in titles) if u), None)
        candidates.append(make_candidate(
            reading.metric, number, unit, year=year.year,
            period_type=year.period_type, raw_value=cells[total][column], raw_label=f"{header} (Total row)",
            place=place, confidence=BASE_CONFIDENCE["columns"],
            basis_source="column header" if basis_of(header) else None, notes=[f"year from {year_source}"]))
    return candidates


def read_quantities(table: ExtractedTable, document: Document) -> list[Candidate]:
    cells, candidates = table.cells, []
    for header, row in enumerate(cells):
        quantity = next((c for c, text in enumerate(row) if QUANTITY.search(text)), None)
        unit_col = next((c for c, text in enumerate(row) if UNITS.search(text)), None)
        if quantity is None or unit_col is None or quantity == 0:
            continue  # a merged 'Quantity / Units' cell is one column for both
        label_col = max(c for c in range(quantity) if row[c].strip() or c == 0)
        year, year_source = _year_above(cells, header, document)
        candidates += _quantity_rows(table, header, label_col, quantity, unit_col, year, year_source, document)
    return candidates


def split_number(text: str) -> tuple[Number | None, str]:
    """The one figure in a cell and the rest of its text: 'Million kWh (mkWh)\n3,199' -> (3199, 'Million kWh (mkWh)')."""
    tokens = re.findall(r"(?<![\w.,])\(?-?\d{1,3}(?:,\d{3})*(?:\.\d+)?\)?(?![\w.,])|(?<![\w.,])\d+(?:\.\d+)?(?![\w.,])", text)
    numbers = [(t, n) for t in tokens if (n := parse_value(t)) is not None]
    if len(numbers) != 1:
        return None, text
    token, number = numbers[0]
    return number, " ".join(text.replace(token, " ", 1).split())


def _quantity_rows(table, header, label_col, quantity, unit_col, year, year_source, document) -> list[Candidate]:
    cells = table.cells
    data = [r for r in range(header + 1, len(cells)) if quantity < len(cells[r]) and split_number(cells[r][quantity])[0]]
    candidates = []
    for i, row in enumerate(data):
        following = list(range(row + 1, data[i + 1] if i + 1 < len(data) else min(len(cells), row + 4)))
        label = _joined(cells, [row, *following], label_col, continuation=True)
        number, rest = split_number(cells[row][quantity])
        unit_text = " ".join(filter(None, [rest if unit_col == quantity else "",
                                           _joined(cells, [row, *following], unit_col, continuation=False)
                                           if unit_col != quantity else ""]))
        reading = read_label(label)
        if not reading.metric or year is None:
            continue
        place = Place(page=table.page, reader=f"quantities:{table.flavor}", table_index=table.index, row_index=row,
                      evidence=f"{label} | {cells[row][quantity]} | {unit_text}")
        candidates.append(make_candidate(
            reading.metric, number, read_unit(unit_text, "unit column", document.glossary),
            year=year.year, period_type=year.period_type, raw_value=str(number.value), raw_label=label,
            place=place, confidence=BASE_CONFIDENCE["quantities"],
            basis_source="label" if reading.basis else None, notes=[f"year from {year_source}"]))
    return candidates


def _joined(cells, rows, column: int, continuation: bool) -> str:
    """The cell's text with the lines that carry it on (labels: while they continue it)."""
    parts = []
    for row in rows:
        text = cells[row][column].strip() if column < len(cells[row]) else ""
        if not text:
            continue
        if parts and continuation and not (re.match(r"[a-z(]", text) or re.search(r"[-\u2013,]$|\band$", parts[-1])):
            break
        parts.append(text)
    return " ".join(parts)
