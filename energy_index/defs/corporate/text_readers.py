"""Figures that are not in tables: questionnaire answers and figures in lines of text.

Questionnaires (CDP) print a field label, then its answer on the next line:
`Gross global Scope 1 emissions (metric tons CO2e)` / `123,704`. The period comes from the
answer's row (`Reporting year`: the period the document states, e.g. `FY21 (the reporting
period)`) or from a base year given before it (`Base year start` / `Base year end` dates, or
`Base year` / `2013`). A generic field (`Base year emissions (metric tons CO2e)`) takes its
metric from the item it answers (`Scope 2 (location-based)`); a Scope 2 field without a basis
takes the `Scope 2 accounting method` the questionnaire states for the same target; the unit
comes from the field or the question. Lines of text (`Scope 1 66,934` under `Meta's 2022
carbon footprint` / `mt CO2e`) are read only with a year and a unit stated next to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from energy_index.defs.corporate.candidate import Candidate, Place, make_candidate
from energy_index.defs.corporate.context import BASE_CONFIDENCE, FROM_CONTEXT
from energy_index.defs.corporate.document import DATE, Document
from energy_index.defs.corporate.labels import NOT_THE_METRIC, basis_of, clean, read_label, residue, scopes_of
from energy_index.defs.corporate.units import MASS, read_unit, unit_from_label
from energy_index.defs.corporate.values import HeaderYear, Number, parse_value, year_in_text

QUESTION = re.compile(r"^\(?C\d+(?:\.\d+)*[a-z]?\)?(?:\s|$)|\?$")
NEW_TARGET = re.compile(r"^target reference number", re.IGNORECASE)
ONE_NUMBER = re.compile(r"^(?P<label>.*?[A-Za-z)].*?)\s+(?P<number>\(?-?\d[\d,]*(?:\.\d+)?\)?)\s*(?P<unit>[A-Za-z][^\d%]{0,30})?$")
TARGET_COVERAGE = 0.9  # 'emissions covered by target' may be a subset (one category, one region)
YEAR_TOKEN = re.compile(r"\b(?:in\s+|during\s+)?(?:fiscal\s+year\s*|fy\s*'?)?(?:19|20)?\d{2}\b,?", re.IGNORECASE)


@dataclass
class QuestionnaireState:
    question_unit: object = None
    item: str = ""
    base_year: HeaderYear | None = None
    base_start: str = ""
    scope2_method: str | None = None
    reporting_row: bool = False
    past_row: bool = False
    row_start: str = ""
    pending: list = field(default_factory=list)  # past-year answers waiting for the row's End date
    completed: list = field(default_factory=list)  # past-year answers dated by it


def read_questionnaire(document: Document) -> list[Candidate]:
    state, candidates = QuestionnaireState(), []
    for page in range(1, len(document.pages) + 1):
        lines = document.lines(page)
        for i, line in enumerate(lines):
            answer = lines[i + 1] if i + 1 < len(lines) else ""
            if _update_state(state, line, answer, document):
                candidates += [c for c in state.completed if c]
                state.completed = []
                continue
            number = parse_value(answer) if re.fullmatch(r"[\d,.()\-]+", answer) else None
            total = None if number is not None else total_of_parts(answer)
            if total is not None and read_label(line).metric == "electricity" and document.reporting_period:
                period = HeaderYear(document.reporting_period.year, document.reporting_period.period_type)
                candidate = _field_candidate(state, line, total[0], total[1], page, i, document, period=period)
                if candidate:
                    candidate.notes.append(f"the total of a row of parts and their total: {answer}")
                    candidates.append(candidate)
                continue
            if number is None:
                reading = read_label(line)
                if reading.metric and not re.search(r"\d[\d,.]{2,}", line):
                    state.item = line  # an item whose fields follow ('Scope 2 (location-based)')
                continue
            if state.past_row:
                state.pending.append((line, answer, number, page, i))
                continue
            candidate = _field_candidate(state, line, answer, number, page, i, document)
            if candidate:
                candidates.append(candidate)
    return candidates


def _update_state(state: QuestionnaireState, line: str, answer: str, document: Document) -> bool:
    lowered = line.lower()
    if QUESTION.search(line):
        state.question_unit = read_unit(line, f'question "{line}"', document.glossary)
        state.item, state.base_year, state.base_start, state.reporting_row = "", None, "", False
        state.past_row, state.pending = False, []
        return True
    if NEW_TARGET.match(line):
        state.scope2_method, state.base_year = None, None
        return True
    if lowered == "scope 2 accounting method":
        state.scope2_method = basis_of(answer)
        return True
    if lowered in ("base year", "base year end") and (year := _year_of(answer, document)):
        start = state.base_start.lower()
        fiscal = lowered == "base year end" and not start.startswith("january 1")
        period_type = "fiscal" if fiscal or _fiscal_document(document) else "calendar"
        state.base_year = HeaderYear(year, period_type)
        return True
    if lowered == "base year start":
        state.base_start = answer
        return True
    if lowered == "reporting year" or re.fullmatch(r"past year \d+", lowered):
        state.reporting_row, state.past_row, state.pending = lowered == "reporting year", lowered != "reporting year", []
        return True
    if lowered in ("start date", "end date") and state.past_row:
        if lowered == "start date":
            state.row_start = answer
        elif (year := _year_of(answer, document)) and state.pending:
            calendar = re.match(r"(?:january 1\b|1 january)", state.row_start.lower())
            period = HeaderYear(year, "calendar" if calendar else "fiscal")
            state.completed = [_field_candidate(state, *args, document, period=period) for args in state.pending]
            state.pending = []
        return True
    return False


def total_of_parts(answer: str) -> tuple[str, Number] | None:
    """(printed total, total) for a line of figures whose last is the sum of the others within 0.5%
    (CDP's energy table: renewable, non-renewable, total MWh), else None."""
    texts = answer.split()
    numbers = [parse_value(t) for t in texts]
    if len(numbers) < 3 or any(n is None or n.percent for n in numbers):
        return None
    parts = sum(n.value for n in numbers[:-1])
    return (texts[-1], numbers[-1]) if abs(parts - numbers[-1].value) <= 0.005 * max(numbers[-1].value, 1) else None


def _year_of(text: str, document: Document) -> int | None:
    date = re.search(DATE, text, re.IGNORECASE)
    if date:
        return int(date.group(1))
    return int(text) if re.fullmatch(r"(?:19|20)\d{2}", text.strip()) else None


def _fiscal_document(document: Document) -> bool:
    return document.reporting_period is not None and document.reporting_period.period_type == "fiscal"


def _field_candidate(state, line, answer, number, page, index, document, period=None) -> Candidate | None:
    reading, notes, confidence = read_label(line), [], BASE_CONFIDENCE["text:qa"]
    metric = reading.metric
    if metric is None and _generic_emissions_field(line) and state.item:
        metric, notes = read_label(state.item).metric, [f'item "{state.item}"']
    if "covered by target" in line.lower():
        confidence, notes = confidence * TARGET_COVERAGE, [*notes, "a target's coverage, which may be part of the inventory"]
    if metric is None:
        return None
    basis_source = "field label" if reading.basis else None
    if metric == "scope2" and state.scope2_method:
        metric, basis_source = f"scope2_{state.scope2_method}", "field \"Scope 2 accounting method\""
        confidence *= FROM_CONTEXT
    period = period or _period(state, line, document)
    if period is None:
        return None
    unit = unit_from_label(line, "field label", document.glossary) or state.question_unit
    if unit is not None and unit.dimension != MASS and metric != "electricity":
        unit = None
    place = Place(page=page, reader="text:qa", row_index=index, evidence=f"{line} / {answer}")
    return make_candidate(metric, number, unit, year=period.year, period_type=period.period_type, raw_value=answer,
                          raw_label=line, place=place, confidence=confidence, basis_source=basis_source,
                          notes=[*notes, f"period: {'base year' if 'base year' in line.lower() else 'reporting year'}"])


def _generic_emissions_field(line: str) -> bool:
    """'Base year emissions (metric tons CO2e)', 'Emissions in reporting year': a field naming no metric."""
    label = clean(line)
    return "emissions" in label and not scopes_of(label) and not residue(label) and not NOT_THE_METRIC.search(label)


def _period(state: QuestionnaireState, line: str, document: Document) -> HeaderYear | None:
    lowered = line.lower()
    if "base year" in lowered or (state.base_year and not state.reporting_row and "reporting year" not in lowered):
        return state.base_year
    if ("reporting year" in lowered or state.reporting_row) and document.reporting_period:
        return HeaderYear(document.reporting_period.year, document.reporting_period.period_type)
    return None


def read_text_lines(document: Document) -> list[Candidate]:
    """`<metric label> <one number> [unit]` lines with a year and a unit stated beside them."""
    candidates = []
    for page in range(1, len(document.pages) + 1):
        lines = document.lines(page)
        for i, line in enumerate(lines):
            match = ONE_NUMBER.match(line)
            if not match or len(line) > 160 or NOT_THE_METRIC.search(match.group("label").lower()):
                continue
            label = YEAR_TOKEN.sub(" ", match.group("label"))
            label = re.sub(r"\b(?:our|were|was|totaled|totalled|amounted to|of)\b", " ", label, flags=re.IGNORECASE)
            reading = read_label(label)
            number = parse_value(match.group("number"))
            if not reading.metric or number is None:
                continue
            nearby = lines[max(0, i - 3):i]
            year = year_in_text(match.group("label")) or year_in_text(" ".join(nearby))
            unit = read_unit(match.group("unit") or "", "beside the figure", document.glossary) or next(
                (u for text in reversed(nearby) if len(text) < 25 and (u := read_unit(text, f'line "{text}"',
                                                                                        document.glossary))), None)
            if year is None or unit is None:
                continue
            place = Place(page=page, reader="text:line", row_index=i, evidence=" / ".join([*nearby, line]))
            candidates.append(make_candidate(reading.metric, number, unit, year=year.year, period_type=year.period_type,
                                             raw_value=match.group("number"), raw_label=match.group("label"),
                                             place=place, confidence=BASE_CONFIDENCE["text:line"]))
    return candidates
