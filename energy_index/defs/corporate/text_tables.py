"""Year-column tables read from the text layer, line by line: a second table reader.

Many PDFs write a table row as one text line (`Scope 1 12.41 14.87 15.32`), so a header line
of years (`Emissions Category (mmt CO2e) 2019 2020 2021 YOY%`) followed by lines that end in
one value per year is a table even where camelot's grid misses it (a table stacked under
another between ruling lines). A row is read only when it has a value, dash or `n/a` for
every year, so a value is never shifted into the wrong year; a trailing change column
(`-4%`) or reference (`GRI 305-1`) is left out. Labels, sections, units, bases and
boundaries are read in the same context as camelot's tables (`context.Context`).
"""

from __future__ import annotations

import re

from energy_index.defs.corporate import context as ctx
from energy_index.defs.corporate.candidate import Candidate, Place
from energy_index.defs.corporate.document import Document
from energy_index.defs.corporate.tables import continues
from energy_index.defs.corporate.units import is_only_a_unit
from energy_index.defs.corporate.values import NOT_REPORTED, HeaderYear, parse_header_year, parse_value

NO_LATIN = re.compile(r"[^A-Za-z]*")  # a line in another script only ('2016 年度', '小計')
NON_LATIN = re.compile(r"[\u3000-\u9fff\uac00-\ud7af]")  # Chinese, Japanese or Korean characters
FRAMEWORKS = {"GRI", "SASB", "UNGC", "TCFD", "WEF", "ESRS", "CDP", "SDG", "IFRS", "ISSB", "TNFD", "BRSR"}
PERIOD_CELL = re.compile(r"\s+(?:fiscal|calendar|financial)\s+year$", re.IGNORECASE)
NOTE = re.compile(r"^\(?(?:baseline|base|restated|actual)\)?$", re.IGNORECASE)
PROSE_WORDS = 14
SCOPE_DIGIT = re.compile(r"(?:scopes?|category|tier|and|\+|&)$", re.IGNORECASE)


def read_text_tables(document: Document) -> list[Candidate]:
    candidates = []
    for page in range(1, len(document.pages) + 1):
        lines, after = document.lines(page), -1
        for index, line in enumerate(lines):
            header = header_line(line)
            if header:
                heading, years = header
                candidates += _read_rows(document, page, lines, index, heading, years)
            elif index > after and (stacked := stacked_header(lines, index)):
                after, years = stacked
                candidates += _read_rows(document, page, lines, after, "", years)
    return candidates


def stacked_header(lines: list[str], index: int) -> tuple[int, list[HeaderYear]] | None:
    """Year columns printed one per line, as a data book's header cells come out of the text layer
    ('FY2016' / 'FY2017' / ..., with the other language's cells or 'Unit' between):
    (the last header line, the years), from a line that is a year."""
    years, last, previous = [], index, ""
    if not parse_header_year(lines[index]):
        return None
    for offset, line in enumerate(lines[index:index + 24]):
        year = parse_header_year(line)
        if year and years and years[-1].year == year.year and (NON_LATIN.search(line) or NON_LATIN.search(previous)):
            years[-1] = year  # one column in both languages: '2016 年度' / 'FY2016'
        elif year:
            years.append(year)
        elif not (NO_LATIN.fullmatch(line) or re.fullmatch(r"units?", line.strip(), re.IGNORECASE)):
            break
        if year:
            last, previous = index + offset, line
    if len(years) < 2 or len({y.year for y in years}) < len(years):
        return None
    return last, years


def tokens_of(line: str) -> list[str]:
    """Whitespace tokens with 'FY 2023' and '2019 (baseline)' kept together."""
    tokens: list[str] = []
    for token in line.split():
        if tokens and (re.fullmatch(r"fy", tokens[-1], re.IGNORECASE) or NOTE.match(token)):
            tokens[-1] = f"{tokens[-1]} {token}"
        else:
            tokens.append(token)
    return tokens


def header_line(line: str) -> tuple[str, list[HeaderYear]] | None:
    """(heading text before the years, the years) when the line is a header of year columns."""
    tokens = tokens_of(line)
    years = [parse_header_year(t) for t in tokens]
    runs, current = [], []
    for i, year in enumerate(years):
        if year:
            current.append(i)
        elif current:
            runs.append(current)
            current = []
    runs += [current] if current else []
    run = max(runs, key=len, default=[])
    if len(run) < 2 or len({years[i].year for i in run}) < len(run):
        return None
    return " ".join(tokens[:run[0]]), [years[i] for i in run]


def _value_like(token: str) -> bool:
    return parse_value(token) is not None or bool(NOT_REPORTED.match(token)) or token.startswith("<")


def _space_grouped(run: list[str], width: int) -> list[str] | None:
    """'138 157 158 756 160 222' for three years: figures that a space groups by thousands, joined
    back, when the last tokens split into one figure per year of the same number of groups; else None."""
    for groups in (2, 3):
        tail = run[len(run) - width * groups:] if len(run) >= width * groups else []
        figures = [tail[i:i + groups] for i in range(0, len(tail), groups)]
        if figures and all(re.fullmatch(r"\d{1,3}", f[0]) and all(re.fullmatch(r"\d{3}", t) for t in f[1:])
                           for f in figures):
            return run[:len(run) - width * groups] + [",".join(f) for f in figures]
    return None


def split_row(line: str, width: int) -> tuple[str, list[str]] | None:
    """(label, one value text per year) or None when the line does not hold exactly the years."""
    tokens = tokens_of(line)
    while tokens and (tokens[-1].strip(",;") in FRAMEWORKS or (not _value_like(tokens[-1]) and len(tokens[-1]) < 12
                                                              and re.search(r"\d", tokens[-1]))):
        tokens.pop()  # a reference: GRI 305-1, WEF
    run = []
    while tokens and _value_like(tokens[-1]):
        run.insert(0, tokens.pop())
    while len(run) > width and run[-1].endswith("%"):
        run.pop()  # a change column
    if len(run) > width:
        run = _space_grouped(run, width) or run
    label_tail = run[: len(run) - width]
    scope_digit = len(label_tail) == 1 and SCOPE_DIGIT.search(" ".join(tokens)) is not None
    if label_tail and not scope_digit and all(re.fullmatch(r"\d{1,3}", t) for t in label_tail):
        return None  # figures grouped by spaces that do not regroup into one per year: never shifted
    run = run[len(run) - width:] if len(run) >= width else run
    label = " ".join(tokens + label_tail)
    if len(run) < width or not re.search(r"[A-Za-z]", label):
        return None
    if not label_tail and SCOPE_DIGIT.search(label) and re.fullmatch(r"[1-3]", run[0]):
        return None  # 'Scope 1' plus a value short: the 1 is the label's, not a figure
    return label, run


def _read_rows(document: Document, page: int, lines: list[str], start: int, heading: str,
               years: list[HeaderYear]) -> list[Candidate]:
    above = [line for line in lines[max(0, start - 2):start] if not split_row(line, len(years))]
    state = ctx.Context(title=heading or (above[-1] if above else ""), headings=[heading, *reversed(above)],
                        document=document, page=page)
    has_unit_column = re.search(r"\bunits?\b", heading, re.IGNORECASE) is not None
    rows = []
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if header_line(line) or (len(line.split()) > PROSE_WORDS and not split_row(line, len(years))):
            break
        rows.append((index, line, split_row(line, len(years))))
    candidates, waiting = [], []  # lines without values: a section heading, or a label wrapped above its values
    for i, (index, line, split) in enumerate(rows):
        if split is None:
            if not (i and rows[i - 1][2] and continues(rows[i - 1][2][0], line)):
                waiting.append(line)
            continue
        label, values = split
        following = rows[i + 1] if i + 1 < len(rows) else None
        if following and following[2] is None and continues(label, following[1]):
            label = f"{label} {following[1]}"
        label, unit_cell = _unit_at_end(label) if has_unit_column else (label, "")
        label, unit_cell, waiting = _wrapped_unit(label, unit_cell, waiting)
        if waiting and label and continues(waiting[-1], label):  # 'Electricity' / '(total) ... 5,586 5,629'
            label, waiting = f"{waiting[-1]} {label}", waiting[:-1]
        if not label.strip() and waiting:
            label, waiting = _label_from(waiting)
        for heading in waiting:
            state.enter_section(heading)
        waiting, label = [], PERIOD_CELL.sub("", label)
        place = Place(page=page, reader="text:rows", row_index=index, table_title=state.title, evidence=line)
        cells = {c: (text, year) for c, (text, year) in enumerate(zip(values, years))}
        candidates += state.read_row(label, cells, unit_cell, {c: y.unit_text for c, y in enumerate(years)}, place,
                                     reader="text:rows")
    return candidates


def _wrapped_unit(label: str, unit_cell: str, waiting: list[str]) -> tuple[str, str, list[str]]:
    """A unit cell wrapped over two lines above and beside the figures ('1,000 metric tons' /
    'of CO2e emissions 387 393'), or a figure line that holds only its unit ('t- CO2 1,034 ...'):
    the unit is taken as the unit, and the row's label is left to come from the lines above."""
    if waiting and re.match(r"^of\b", label.strip(), re.IGNORECASE) and is_only_a_unit(waiting[-1]):
        return "", f"{waiting[-1]} {label}".strip(), waiting[:-1]
    if label.strip() and is_only_a_unit(label):
        return "", label, waiting
    return label, unit_cell, waiting


def _label_from(waiting: list[str]) -> tuple[str, list[str]]:
    """(the row's label, the section headings above it) from the lines without figures above a
    row that has none of its own: lines that carry one another on are one cell; in a table of two
    languages, only the lines in Latin script are read."""
    latin = [line for line in waiting if not NO_LATIN.fullmatch(line)]
    if not latin:
        return " ".join(waiting[-2:]), waiting[:-2]
    cells: list[str] = []
    for line in latin:
        if cells and continues(cells[-1], line):
            cells[-1] = f"{cells[-1]} {line}"
        else:
            cells.append(line)
    return cells[-1], cells[:-1]



def _unit_at_end(label: str) -> tuple[str, str]:
    """'Total Scope 1 tCO2e' -> ('Total Scope 1', 'tCO2e'), '(total) Fiscal Year 1,000 gigajoule' ->
    ('(total) Fiscal Year', '1,000 gigajoule') when the table has a Unit column: the longest run of
    last words that is only a unit ('carbon dioxide emissions MtCO2e' keeps its gas)."""
    words = label.split()
    for size in range(min(5, len(words)), 0, -1):
        if is_only_a_unit(" ".join(words[-size:])):
            return " ".join(words[:-size]), " ".join(words[-size:])
    return label, ""
