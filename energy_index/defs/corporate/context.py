"""The context a table row is read in: its section, row group, headings and title.

The context decides what the label alone cannot: a `Location-based` row under a `Scope 2`
section is Scope 2 location-based; a bare `Scope 2` row takes its basis from a heading,
row group or title that states one, else from a footnote its label points to, else it stays
`scope2`; the unit is the row's own (unit column, label, year header), else the last one
stated above it in the table, else the headings' or title's. Every choice is written down
(`basis_source`, `unit_source`, notes) so `--explain` can say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from energy_index.defs.corporate.candidate import Candidate, Place, make_candidate
from energy_index.defs.corporate.document import Document
from energy_index.defs.corporate.labels import (CATEGORY, GASES, NOT_THE_METRIC, LabelReading, basis_of, boundary_of,
                                                clean, footnote_marks, read_label, residue)
from energy_index.defs.corporate.units import Unit, read_unit, unit_from_label, with_page_scale
from energy_index.defs.corporate.values import HeaderYear, parse_value

SUBTOTAL = re.compile(r"^(?:sub)?total(?: emissions)?$")
REGIONAL = re.compile(r"region|countr|geograph|by location", re.IGNORECASE)
# A section of electricity by source ('From Renewable Sources' / 'From non-renewable sources', as
# India's BRSR energy table splits it): its 'Total Electricity Consumption' is a part, not the company's.
BY_SOURCE_SECTION = re.compile(r"\b(?:non[\s-]*)?renewable\s+(?:energy\s+)?sources?\b", re.IGNORECASE)
# A cell that is a year and nothing else: 2023 printed without a thousands separator.
BARE_YEAR = re.compile(r"(?:19|20)\d{2}")
# How much a reading is trusted, by where its parts came from.
BASE_CONFIDENCE = {"table": 0.9, "text:rows": 0.75, "quantities": 0.8, "columns": 0.6, "text:qa": 0.9,
                   "text:line": 0.5, "text:statement": 0.5}
FROM_CONTEXT = 0.95        # the metric or unit came from a section, heading or title, not the row itself
FROM_OCR = 0.8            # the figure was read by OCR from an image, not from the text layer
ALTERNATIVE_BOUNDARY = 0.85  # equity share / financial control: most companies headline operational control


@dataclass
class Context:
    title: str
    headings: list[str]
    document: Document
    page: int
    section_text: str = ""
    section: LabelReading = field(default_factory=lambda: LabelReading(None))
    group_text: str = ""
    running_unit: Unit | None = None
    running_boundary: str | None = None

    @property
    def fiscal(self) -> bool:
        return bool(re.search(r"\bfiscal\b", " ".join([self.title, *self.headings]), re.IGNORECASE))

    def enter_section(self, text: str) -> None:
        self.section_text, self.section = text, read_label(text)
        self._note_unit(text, "section heading")

    def enter_group(self, text: str) -> None:
        self.group_text = text
        self._note_unit(text, "row group")

    def _note_unit(self, text: str, where: str) -> None:
        """A unit or boundary stated in a heading, group or label holds for the rows below it."""
        self.running_boundary = boundary_of(text) or self.running_boundary
        unit = unit_from_label(text, f'{where} "{" ".join(text.split())}"', self.document.glossary)
        if unit:
            self.running_unit = unit

    def read_row(self, label: str, values: dict[int, tuple[str, HeaderYear]], unit_cell: str,
                 column_units: dict[int, str], place: Place, reader: str = "table",
                 sole: bool = False, electricity: bool = False) -> list[Candidate]:
        """Candidates for one row: one per year column holding a number. `sole`: the only row of
        figures under its section heading; `electricity`: the sum of the electricity rows under it."""
        metric, region, notes = ("electricity", None, ["the sum of the electricity rows under it"]) if electricity \
            else self.metric_for(label, sole)
        if metric is None:
            metric, part = self.part_for(label)
        else:
            part = ""
        unit_before = self.running_unit
        self._note_unit(label, "label")
        if metric is None:
            return []
        basis_source = None
        if metric == "scope2":
            metric, basis_source = self.basis_for(label)
        boundary = self.boundary()
        confidence = BASE_CONFIDENCE[reader] * (FROM_CONTEXT if notes else 1.0)
        if boundary in ("equity share", "financial control"):
            confidence *= ALTERNATIVE_BOUNDARY
        candidates = []
        cells = [text.strip() for text, _ in values.values() if text.strip()]
        if cells and all(BARE_YEAR.fullmatch(text) for text in cells):
            return []  # 'Total energy use (PJ) | 2023 | 2022': a header row, its years are not figures
        for column, (printed, year) in values.items():
            text = self.document.without_raised_note(self.page, printed)
            number = parse_value(text)
            if number is None:
                continue
            unit, from_context = self.unit_for(label, unit_cell, column_units.get(column, ""), unit_before)
            raised = [f"{printed.strip()!r} read as {text}: a raised footnote mark follows the figure"] \
                if text != printed else []
            candidates.append(make_candidate(
                metric, number, unit, year=year.year, period_type="fiscal" if self.fiscal else year.period_type,
                raw_value=printed, raw_label=label, place=place, region=region, basis_source=basis_source,
                boundary=boundary, notes=notes + raised,
                confidence=confidence * (FROM_CONTEXT if from_context else 1.0)))
            candidates[-1].part = part
        return candidates

    def part_for(self, label: str) -> tuple[str | None, str]:
        """(the metric, the words) of a Scope 1 or 2 row labelled as a part ('Scope 1 – Direct
        Manufacturing'), outside a table of regions, else (None, ''); `resolve` keeps such a row
        only when it names where the company operates and is the document's sole figure."""
        if REGIONAL.search(" ".join([self.title, *self.headings, self.section_text])):
            return None, ""
        reading = read_label(label)
        return (reading.part_of, reading.part) if reading.part_of else (None, "")

    def metric_for(self, label: str, sole: bool = False) -> tuple[str | None, str | None, list[str]]:
        """(metric, region, notes): from the label itself, else from the section it sits in (its
        subtotal, a Scope 3 category, a region, or the section's only row of figures)."""
        reading = read_label(label)
        if reading.metric == "electricity" and BY_SOURCE_SECTION.search(self.section_text):
            return None, None, []
        if reading.metric:
            return reading.metric, None, []
        cleaned, section = clean(label), self.section
        if not section.metric or reading.scopes or not cleaned:
            return None, None, []
        via = [f'section "{self.section_text}"']
        basis = basis_of(cleaned)
        if section.scopes == {2} and basis and not residue(cleaned):
            return f"scope2_{basis}", None, via
        if SUBTOTAL.match(re.sub(r"\s*\([^()]*\)", "", cleaned)):  # 'Subtotal (actual emissions factor)'
            return section.metric, None, via
        category = CATEGORY.search(cleaned)
        if section.metric == "scope3_total" and category:
            return f"scope3_category_{int(category.group(1))}", None, via
        if REGIONAL.search(" ".join([self.title, *self.headings])):
            return section.metric, " ".join(footnote_marks(label)[0].split()), via
        if sole and not NOT_THE_METRIC.search(cleaned) and not GASES.search(cleaned):
            return section.metric, None, [*via, "the only row of figures under it"]
        return None, None, []

    def basis_for(self, label: str) -> tuple[str, str | None]:
        """A bare Scope 2 row's basis: a heading, row group or title that states it, else a footnote."""
        sources = [("section", self.section_text), ("row group", self.group_text)]
        sources += [("heading", h) for h in self.headings] + [("title", self.title)]
        for where, text in sources:
            basis = basis_of(text) if text else None
            if basis:
                return f"scope2_{basis}", f'{where} "{" ".join(text.split())}"'
        for mark in footnote_marks(label)[1]:
            stated = {basis_of(note): note for note in self.document.footnotes(mark, self.page) if basis_of(note)}
            if len(stated) == 1:  # of several notes with this mark, the one that states a basis
                basis, note = stated.popitem()
                return f"scope2_{basis}", f'footnote {mark}: "{note}"'
        return "scope2", None

    def boundary(self) -> str | None:
        if self.running_boundary:
            return self.running_boundary
        for text in [*self.headings, self.title]:
            found = boundary_of(text) if text else None
            if found:
                return found
        return None

    def unit_for(self, label: str, unit_cell: str, column_unit: str, running: Unit | None) -> tuple[Unit | None, bool]:
        """(unit, whether it came from the context rather than the row), times the page's stated
        scale ('All figures in thousands') when the unit states none of its own."""
        unit, from_context = self._stated_unit(label, unit_cell, column_unit, running)
        return (with_page_scale(unit, self.document.scale_notes.get(self.page)) if unit else None), from_context

    def _stated_unit(self, label: str, unit_cell: str, column_unit: str, running: Unit | None) -> tuple[Unit | None, bool]:
        glossary = self.document.glossary
        own = (read_unit(unit_cell, "unit column", glossary) if unit_cell else None) \
            or unit_from_label(label, "label", glossary) \
            or (read_unit(column_unit, "year header", glossary) if column_unit else None)
        if own:
            return own, False
        if running:
            return running, True
        for where, text in [*(("heading", h) for h in self.headings), ("title", self.title)]:
            unit = unit_from_label(text, f'{where} "{text}"', glossary) if text else None
            if unit:
                return unit, True
        return None, False
