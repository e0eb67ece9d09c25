"""Reading year-column tables: a label, maybe a unit column, then one column per year.

A header row holds two or more years (`FY24 | | FY23`, `2019 (baseline)`, `2022§`). Its year
columns form a block with the columns to their left: the block's label column is the one
that holds most labels, and a column whose header says `Unit`, or whose cells are units, is
the unit column. Side-by-side tables are separate blocks (a repeated year or a `Metric` /
`Unit` header between runs of years splits them). Rows without values are section headings
(`Market-based (in metric tons CO2e)`, `GHG - Operational control`), unless they continue
the label above (`gas emissions`, `(Location-Based)`). A unit stated in a heading, a row
group or an earlier label holds for the rows below it until another is stated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from energy_index.defs.corporate import context as ctx
from energy_index.defs.corporate.candidate import Candidate, Place
from energy_index.defs.corporate.document import Document
from energy_index.defs.corporate.extract import ExtractedTable
from energy_index.defs.corporate.labels import DIRECT, ELECTRICITY, read_label
from energy_index.defs.corporate.units import read_unit
from energy_index.defs.corporate.values import HeaderYear, parse_header_year, parse_value, relative_header_year

HEADINGS_ABOVE = 6


@dataclass
class Block:
    start: int                     # leftmost column this block owns
    years: dict[int, HeaderYear]   # column -> year
    header_row: int
    label_col: int = 0
    unit_col: int | None = None
    headings: list[str] = field(default_factory=list)  # texts above the header row, nearest first

    @property
    def columns(self) -> range:
        return range(self.start, max(self.years) + 1)

    @property
    def span(self) -> set[int]:
        """The columns the block's rows live in: its label column to its last year."""
        return set(range(self.label_col, max(self.years) + 1))


def read_year_tables(table: ExtractedTable, document: Document) -> list[Candidate]:
    """Every candidate in the year-column blocks of one camelot table."""
    period = document.reporting_period
    headers = {row: blocks for row in range(len(table.cells)) if (blocks := header_blocks(table.cells, row, period))}
    candidates = []
    for row, blocks in headers.items():
        for block in blocks:
            end = next((later for later, others in headers.items() if later > row
                        and any(b.span & block.span for b in others)), len(table.cells))
            candidates += read_block(table, block, end, document)
    return candidates


def header_blocks(cells: list[list[str]], row: int, period=None) -> list[Block]:
    """The blocks a header row defines, or [] when it is not a header row. With the document's
    stated period, 'Current / Previous Financial Year' headers are years too."""
    years = {c: y for c, text in enumerate(cells[row])
             if text and (y := parse_header_year(text) or relative_header_year(text, period))}
    if len(years) < 2 or len({y.year for y in years.values()}) < 2:
        return []
    runs: list[list[int]] = [[]]
    for column in sorted(years):
        previous = runs[-1][-1] if runs[-1] else None
        between = [cells[row][c] for c in range(previous + 1, column)] if previous is not None else []
        repeated = any(years[c].year == years[column].year for c in runs[-1])
        if previous is not None and (repeated or any(text.strip() for text in between)):
            runs.append([])
        runs[-1].append(column)
    blocks, start = [], 0
    for run in runs:
        if len(run) >= 2 and run[0] > start:
            blocks.append(Block(start=start, years={c: years[c] for c in run}, header_row=row))
        start = run[-1] + 1
    for block in blocks:
        _place_label_and_unit(cells, block)
        block.headings = _headings_above(cells, block)
    return blocks


def _place_label_and_unit(cells: list[list[str]], block: Block) -> None:
    first_year = min(block.years)
    left = range(block.start, first_year)
    rows = [r for r in cells[block.header_row + 1:] if any(_cell(r, c) for c in block.years)]
    for column in left:
        header = _cell(cells[block.header_row], column)
        texts = [_cell(r, column) for r in rows if _cell(r, column)]
        if re.fullmatch(r"units?", header.strip(), re.IGNORECASE) or (
                texts and sum(1 for t in texts if read_unit(t, "")) >= 0.6 * len(texts)):
            block.unit_col = column
    label_columns = [c for c in left if c != block.unit_col]
    if label_columns:
        counts = {c: sum(1 for r in rows if _cell(r, c) and parse_value(_cell(r, c)) is None) for c in label_columns}
        block.label_col = max(label_columns, key=lambda c: (counts[c], c))


def _headings_above(cells: list[list[str]], block: Block) -> list[str]:
    """Texts above the header row, nearest first, within the block's columns (and the header row's own
    non-year cells): titles, 'Fiscal year', 'Market-based (in metric tons CO2e)'."""
    texts = [_cell(cells[block.header_row], c) for c in block.columns if c not in block.years]
    for row in range(block.header_row - 1, max(-1, block.header_row - HEADINGS_ABOVE), -1):
        row_cells = [_cell(cells[row], c) for c in block.columns]
        if any(parse_value(t) for t in row_cells if t):
            break  # the previous table's figures
        texts += [t for t in row_cells if t]
    return [" ".join(t.split()) for t in texts if t.strip() and not re.fullmatch(r"(?i)metric|units?|indicator", t.strip())]


def _cell(row: list[str], column: int) -> str:
    return row[column] if column < len(row) else ""


def read_block(table: ExtractedTable, block: Block, end: int, document: Document) -> list[Candidate]:
    rows = _logical_rows(table.cells, block, end)
    state = ctx.Context(title=table_title(table, block), headings=block.headings, document=document, page=table.page)
    sole, electricity = sole_rows(rows), electricity_totals(table, rows, block, document)
    candidates = []
    for row_index, label, group, has_values, merged in rows:
        cells = table.cells[row_index]
        if group:
            state.enter_group(group)
        if not has_values:
            state.enter_section(label)
            continue
        unit_cell = " ".join(_cell(table.cells[r], block.unit_col) for r in merged).strip() \
            if block.unit_col is not None else ""
        column_units = {c: y.unit_text for c, y in block.years.items() if y.unit_text}
        values = {c: (_cell(cells, c), block.years[c]) for c in block.years}
        place = Place(page=table.page, reader=f"table:{table.flavor}", table_index=table.index, row_index=row_index,
                      table_title=state.title, evidence=" | ".join(t for t in cells if t))
        candidates += state.read_row(label, values, unit_cell, column_units, place, sole=row_index in sole,
                                     electricity=row_index in electricity)
    return candidates


def electricity_totals(table: ExtractedTable, rows, block: Block, document: Document) -> set[int]:
    """Energy rows whose figures are, in every year, the sum of the two or more electricity rows
    right under them (`Indirect energy consumption` over `Electricity from non-renewable
    sources` and `Electricity from renewable sources`): the company's electricity, whatever
    the label calls it."""
    def figures(row: int) -> dict[int, float]:
        texts = {c: document.without_raised_note(table.page, _cell(table.cells[row], c)) for c in block.years}
        return {c: number.value for c, text in texts.items() if (number := parse_value(text)) is not None}

    found = set()
    for index, (row, label, _, has_values, _) in enumerate(rows):
        if not has_values or read_label(DIRECT.sub(" ", label.lower())).metric != "total_energy":
            continue
        parts = []
        for later in rows[index + 1:]:
            if not later[3] or not ELECTRICITY.search(later[1].lower()):
                break
            parts.append(figures(later[0]))
        whole = figures(row)
        if len(parts) >= 2 and whole and all(
                all(c in part for part in parts) and abs(sum(part[c] for part in parts) - value) <= 0.005 * abs(value)
                for c, value in whole.items()):
            found.add(row)
    return found


def sole_rows(rows: list[tuple[int, str, str, bool, list[int]]]) -> set[int]:
    """Rows of figures that are the only one under a heading with none of its own ('Scope 2', then
    'Real estate (national grid electricity)', then 'Scope 3 ...'): the heading names the row, as
    the first line of a wrapped label would; a second component under it would make it a part."""
    sole = set()
    for i, (row, _, _, has_values, _) in enumerate(rows):
        after = rows[i + 1] if i + 1 < len(rows) else None
        if has_values and i and not rows[i - 1][3] and (
                after is None or not after[3] or read_label(after[1]).scopes or read_label(after[1]).metric):
            sole.add(row)
    return sole


def _logical_rows(cells: list[list[str]], block: Block, end: int) -> list[tuple[int, str, str, bool, list[int]]]:
    """(row, label with its continuation lines, row-group text left of the label, has values, the
    rows merged into it: a label and unit wrapped above and below a row of figures set mid-cell)."""
    kinds = []
    for row in range(block.header_row + 1, end):
        label = _cell(cells[row], block.label_col).strip()
        group = " ".join(_cell(cells[row], c) for c in range(block.start, block.label_col) if c != block.unit_col).strip()
        has_values = any(_cell(cells[row], c).strip() for c in block.years)
        kinds.append([row, label, group, has_values, False, [row]])
    for i, (row, label, group, has_values, _, _) in enumerate(kinds):
        if not has_values:
            continue
        if not label:
            above = [k for k in kinds[max(0, i - 2):i] if not k[3] and k[1] and not k[4]]
            for k in above:
                k[4] = True
            kinds[i][1] = " ".join([k[1] for k in above] + [kinds[i][1]]).strip()
            kinds[i][5] = [k[0] for k in above] + kinds[i][5]
        # A continuation may sit below a blank row (the row of a table set beside this one).
        following = [k for k in kinds[i + 1:i + 5] if k[1] or k[3]][:2]
        for k in following:
            if k[3] or k[4] or not continues(kinds[i][1], k[1]):
                break
            kinds[i][1], k[4] = f"{kinds[i][1]} {k[1]}", True
            kinds[i][5].append(k[0])
    return [(row, label, group, has_values, merged) for row, label, group, has_values, used, merged in kinds if not used]


def continues(label: str, text: str) -> bool:
    """A line that carries on the label above: lower-case start, a parenthesis, or a dangling word."""
    return bool(re.match(r"[a-z(]", text)) or bool(re.search(r"(?:\band|\bof|\bfrom|\bthe|,|-|\u2013)$", label.strip()))


def table_title(table: ExtractedTable, block: Block) -> str:
    """A 'Table 1A - ...' heading when the block has one, else its nearest heading."""
    titled = [t for t in block.headings if re.match(r"^table\s+\d", t, re.IGNORECASE)]
    return (titled or block.headings or [""])[0]
