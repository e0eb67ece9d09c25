"""Recognising canonical metrics in report tables, whatever their layout.

A table grid is split into blocks: a block is a run of year columns (FY20..FY23 or
2019..2023) found on a header row, plus the label column to its left. Side-by-side tables
become separate blocks; tables stacked in the same columns take over when their header row
appears. Each row's label, stripped of footnote digits ("Scope 3 (market-based)1"), is
matched against the rules below, with the section it sits in ("Location-based" under
"Scope 2", "Asia" under "Scope 1" in a regional table). Units come from the label or the
table title and are normalised to tCO2e and MWh. Nothing depends on page numbers.
"""

import re
from dataclasses import dataclass

from energy_index.defs.corporate.extract import FLAVORS, ExtractedTable

YEAR = re.compile(r"^(?:FY\s?'?(\d{2}|\d{4})|((?:19|20)\d{2}))$", re.IGNORECASE)
RULES = [  # (canonical metric, pattern on the cleaned, lower-case label); first match wins
    ("total_emissions", r"^total (ghg |operational ghg )?emissions\b|^scope 1 \+ 2 \+ 3\b"),
    ("scope1_2_market", r"^(subtotal emissions )?\(?scope 1 \+ 2 \(?market-based\)?\)?$"),
    ("scope1_2_location", r"^(subtotal emissions )?\(?scope 1 \+ 2 \(?location-based\)?\)?$"),
    ("scope1_2", r"^scope 1 \+ 2$|^scope 1 and 2$"),
    ("scope1", r"^scope 1( emissions)?$"),
    ("scope2_location", r"^scope 2 \(?location-based\)?( emissions)?$"),
    ("scope2_market", r"^scope 2 \(?market-based\)?( emissions)?$"),
    ("scope2", r"^scope 2( emissions)?$"),
    ("scope3_total", r"^(total )?scope 3( \(market-based\))?( emissions)?$"),
    ("total_energy", r"^total energy (consumption|use)"),
    ("renewable_electricity", r"^(total )?renewable electricity (consumption|use)"),
    ("renewable_electricity_share", r"^percentage of renewable electricity$|^renewable electricity (share|percentage)"),
    ("electricity", r"^(total )?electricity( consumed within the organization| consumption| use)?$"),
    ("pue", r"power usage effectiveness|\bpue\b"),
]
SUBTOTAL = re.compile(r"^(sub)?total( emissions)?$")
CATEGORY = re.compile(r"^category (\d+)\b")
UNITS = [  # (pattern in a unit text, canonical unit, factor to it)
    (r"million metric tons|mmtco2e|mtco2e \(millions\)", "tCO2e", 1e6),
    (r"ktco2e|thousand", "tCO2e", 1e3),
    (r"tco2e|metric tons", "tCO2e", 1.0),
    (r"twh", "MWh", 1e6), (r"gwh", "MWh", 1e3), (r"mwh", "MWh", 1.0), (r"kwh", "MWh", 1e-3),
]


@dataclass
class Metric:
    metric: str
    region: str | None
    fiscal_year: int
    period_type: str
    value: float
    unit: str
    raw_value: str
    raw_label: str
    table_title: str
    page: int
    table_index: int
    flavor: str
    row_index: int
    precedence: tuple


@dataclass
class Block:
    label_col: int
    years: dict[int, tuple[int, str]]  # column -> (year, 'fiscal' | 'calendar')
    title: str


def clean_label(text: str) -> str:
    """Lower case, one space, footnote digits removed ('Scope 1 + 21' -> 'scope 1 + 2')."""
    label = " ".join(text.replace("\u2013", "-").replace("\u2014", "-").split()).lower()
    label = re.sub(r"\b(scope\s?[123])\d+\b", r"\1", label)
    label = re.sub(r"(\+\s?[123])\d+\b", r"\1", label)
    return re.sub(r"(?<=[a-z)%])\d+(?:,\d+)*$", "", label).strip()


def parse_year(text: str) -> tuple[int, str] | None:
    match = YEAR.match(text.strip())
    if not match:
        return None
    if match.group(1):
        digits = match.group(1)
        return (2000 + int(digits) if len(digits) == 2 else int(digits)), "fiscal"
    return int(match.group(2)), "calendar"


def parse_number(text: str) -> float | None:
    """'118,100' -> 118100.0, '100%' -> 100.0, '(12)' -> -12.0; dashes, '<1%' and prose -> None."""
    cleaned = text.strip().replace(",", "").replace("\u2212", "-").rstrip("%").strip()
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    cleaned = cleaned.strip("()")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        return None
    return -float(cleaned) if negative else float(cleaned)


def unit_of(label: str, title: str) -> tuple[str, float, bool]:
    """(canonical unit, factor, is_intensity) from the label's own unit, else the title's."""
    for text in (label, title):
        units = re.findall(r"\(([^()]*)\)", text.lower())
        for unit_text in reversed(units):
            if "/" in unit_text:
                return unit_text.replace("mtco2e", "tCO2e").replace("$m", "$M"), 1.0, True
            for pattern, unit, factor in UNITS:
                if re.search(pattern, unit_text):
                    return unit, factor, False
    return "", 1.0, False


def match_rule(label: str) -> str | None:
    return next((metric for metric, pattern in RULES if re.search(pattern, label)), None)


def find_blocks(cells: list[list[str]], row: int, previous: list[Block]) -> list[Block]:
    """Blocks defined on `row` if it is a header row; blocks it does not overlap stay active."""
    years = {c: y for c, text in enumerate(cells[row]) if (y := parse_year(text))}
    if len(years) < 2:
        return previous
    runs, current = [], []
    for column in sorted(years):
        if current and column != current[-1] + 1:
            runs.append(current)
            current = []
        current.append(column)
    runs.append(current)
    blocks = [Block(run[0] - 1, {c: years[c] for c in run}, _title_above(cells, row, run[0] - 1, run[-1]))
              for run in runs if run[0] > 0]
    covered = {c for b in blocks for c in range(b.label_col, max(b.years) + 1)}
    kept = [b for b in previous if not covered & set(range(b.label_col, max(b.years) + 1))]
    return kept + blocks


def _title_above(cells: list[list[str]], row: int, first: int, last: int) -> str:
    candidates = [cells[r][c] for r in range(row - 1, max(-1, row - 5), -1) for c in range(first, last + 1)
                  if c < len(cells[r]) and cells[r][c] and not parse_year(cells[r][c])]
    titled = [text for text in candidates if re.match(r"^table\b", text, re.IGNORECASE)]
    return " ".join((titled or candidates or [""])[0].split())


def _precedence(title: str, table: ExtractedTable, row: int) -> tuple:
    """Tables rank by their own number ('Table 1A' before 'Table 3'), not by page; then by
    flavour, so stream's reading wins where network read the same table too."""
    flavor = FLAVORS.index(table.flavor)
    match = re.match(r"^table\s+(\d+)([a-z]?)", title, re.IGNORECASE)
    if match:
        return int(match.group(1)), match.group(2).lower(), flavor, row
    return 10_000, "", flavor, table.page * 1000 + row


def recognise_table(table: ExtractedTable) -> list[Metric]:
    metrics, blocks, sections = [], [], {}
    for row_index, row in enumerate(table.cells):
        active = blocks
        if parse_year_row(row):
            # A header row of one table can be a section heading of the table beside it.
            blocks = find_blocks(table.cells, row_index, blocks)
            active = [b for b in blocks if b in active]
        for block in active:
            metrics += _recognise_row(table, row_index, block, sections)
    return metrics


def parse_year_row(row: list[str]) -> bool:
    return sum(1 for text in row if parse_year(text)) >= 2


def _recognise_row(table: ExtractedTable, row_index: int, block: Block, sections: dict) -> list[Metric]:
    row = table.cells[row_index]
    raw_label = row[block.label_col] if block.label_col < len(row) else ""
    label = clean_label(raw_label)
    if not label:
        return []
    values = {c: parse_number(row[c]) for c in block.years if c < len(row)}
    rule = match_rule(label)
    if all(v is None for v in values.values()):
        sections[block.label_col] = rule  # a section heading, or prose that ends the section
        return []
    metric, region = _in_context(label, raw_label, rule, sections.get(block.label_col), block.title)
    if metric is None or metric == "scope2":
        return []
    unit, factor, intensity = unit_of(raw_label, block.title)
    if metric == "pue":
        unit, factor = "ratio", 1.0
    elif "%" in "".join(row[c] for c in values) or metric.endswith("_share"):
        unit, factor = "%", 1.0
    elif intensity:
        metric = f"{metric}_intensity"
    return [Metric(metric, region, block.years[c][0], block.years[c][1], value * factor, unit, row[c],
                   raw_label, block.title, table.page, table.index, table.flavor, row_index,
                   _precedence(block.title, table, row_index))
            for c, value in values.items() if value is not None]


def _in_context(label: str, raw_label: str, rule: str | None, section: str | None,
                title: str) -> tuple[str | None, str | None]:
    """The metric a row stands for, given the section heading above it."""
    if rule and rule != "scope2":
        return rule, None
    if section == "scope2" and label in ("location-based", "market-based"):
        return f"scope2_{label.split('-')[0]}", None
    if section and SUBTOTAL.match(label):
        return section, None
    if section and "region" in title.lower():
        return section, " ".join(raw_label.split())
    category = CATEGORY.match(label)
    if section == "scope3_total" and category:
        return f"scope3_category_{category.group(1)}", None
    return rule, None


def recognise(tables: list[ExtractedTable]) -> list[Metric]:
    """Every recognised value in every table; duplicates are resolved downstream by precedence."""
    return [metric for table in tables for metric in recognise_table(table)]
