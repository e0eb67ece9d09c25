"""Figures stated in sentences: prose, footnotes, and the response cells of GRI indexes.

`In 2023, our gross Scope 1 emissions were 18,240 metric tons (tCO2e), down 6% from 19,410
tCO2e in 2022.` A figure is a number with a unit beside it (`18,240 metric tons`, `96.3 GWh`).
Its metric is the one named between the previous figure and it (`Scope 1 emissions were`,
`location-based Scope 2 emissions were`, `GWh of electricity`), else the previous figure's
in the same sentence (`down 6% from 19,410 tCO2e`; `Location-based: ...; market-based: ...`
takes the basis it names). Its year is the one tied to it (`(2022: 6,930 tCO2e)`, `19,410
tCO2e in 2022`), else the one year its clause names, else the sentence's or paragraph's
(`In 2023, ...`), else the document's reporting period. A change (`reduced by`, `avoided`),
a ratio (`per employee`) or a target is never read as an amount. Trusted least of all readers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from energy_index.defs.corporate.candidate import Candidate, Place, make_candidate
from energy_index.defs.corporate.context import BASE_CONFIDENCE
from energy_index.defs.corporate.document import Document
from energy_index.defs.corporate.labels import GASES, NOT_THE_METRIC, SCOPES, basis_of, scopes_of
from energy_index.defs.corporate.units import read_unit
from energy_index.defs.corporate.values import HeaderYear, parse_value

UNIT = (r"(?:million|thousand|billion)\s+(?:metric\s+)?(?:tons?|tonnes?)(?:\s+of)?(?:\s+(?:carbon dioxide equivalent|CO2-?e?))?"
        r"|(?:metric\s+)?(?:tons?|tonnes?)(?:\s+of)?(?:\s+(?:carbon dioxide equivalent|CO2-?e?))?"
        r"|[kmMGT]?t\s?CO2-?e|MMT\s?CO2-?e?|mmt\s?CO2-?e?|(?:million|billion)\s+kWh|[kMGT]Wh|[TGP]J")
FIGURE = re.compile(rf"(?<![\w.,])(?P<number>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<unit>{UNIT})(?![\w/])")
SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]%][.;!?])\s+(?=[A-Z(\d])|\s*\u2029")
ABBREVIATION = re.compile(r"(?:\b[a-z]{1,2}|\b[A-Z]\.[A-Z]|\be\.g|\bi\.e|\bvs)\.$", re.IGNORECASE)
CHANGE_BEFORE = re.compile(r"\b(?:by|reduc\w*|avoid\w*|offset\w*|sav\w*|abat\w*|cut|lower\w*|compensat\w*|"
                           r"remov\w*|increase of|decrease of)\W*(?:\w+\W*){0,3}$", re.IGNORECASE)
FUTURE = re.compile(r"\b(?:will|would|shall|plans? to|expects? to|aims? to)\b(?:\W+\w+){0,3}\W*$", re.IGNORECASE)
CHANGE_AFTER = re.compile(r"^\s*(?:(?:were|was|of|been)\s+)?(?:avoided|reduced|saved|offset|less|fewer|lower|reduction|"
                          r"per\b|/|annually|a year|per year)", re.IGNORECASE)  # '0.09 million metric tons avoided'
# 'In 1,000 metric tons', '(1,000 GJ)': a scale stating the unit of the figures, not a figure.
SCALE_STATEMENT = re.compile(r"^1(?:[,.\s]?000)+$")
OTHER_NUMBER = re.compile(r"(?<![\w.,])(?!(?:19|20)\d{2}\b)\d[\d,.]*(?![\w])")  # not a year
SCALE_BEFORE = re.compile(r"(?:\bin|\bunits?:?|\()\s*$", re.IGNORECASE)
TIED_YEAR = re.compile(r"\(\s*(?:(FY)\s*'?)?((?:19|20)\d{2}|\d{2})\s*:\s*$", re.IGNORECASE)
YEAR_AFTER = re.compile(r"^\s*(?:\)\s*)?(?:in|for|during)\s+(?:(FY|fiscal year)\s*'?)?((?:19|20)\d{2}|\d{2})\b",
                        re.IGNORECASE)
CLAUSE_YEAR = re.compile(r"(?<!\bby )(?<!\bto )(?<!\buntil )\b(?:(FY|fiscal year)\s*'?((?:19|20)?\d{2})|((?:19|20)\d{2}))\b",
                         re.IGNORECASE)


@dataclass
class Reading:
    metric: str | None
    scopes: frozenset = frozenset()
    basis: str | None = None


def read_statements(document: Document) -> list[Candidate]:
    candidates = []
    period = document.reporting_period
    fallback = HeaderYear(period.year, period.period_type) if period else None
    for page in range(1, len(document.pages) + 1):
        paragraph_year = fallback
        for sentence in sentences(_joined_lines(document.lines(page))):
            paragraph_year = _sentence_year(sentence) or paragraph_year
            candidates += _read_sentence(sentence, page, paragraph_year, document)
    return candidates


def _joined_lines(lines: list[str]) -> str:
    """A page's lines as running text; a line opening with an index code ('305-1') or a bullet is a
    new statement (the rows of a GRI index carry no full stops)."""
    return "".join(("\n" if re.match(r"^(?:\d{1,3}-\d{1,2}\b|[\u2022\u25aa\u25cf-]\s)", line) else " ") + line
                   for line in lines)


def sentences(text: str) -> list[str]:
    text, parts = text.replace("\n", " \u2029"), []
    start = 0
    for match in SENTENCE_END.finditer(text):
        if "\u2029" not in match.group(0) and ABBREVIATION.search(text[start:match.start()]):
            continue  # 'p. 50', 'N.V.'
        parts.append(text[start:match.start()])
        start = match.end()
    return parts + [text[start:]]


def _sentence_year(sentence: str) -> HeaderYear | None:
    """'In 2023, ...' / 'During FY22 ...': the year a sentence opens with sets the paragraph's year."""
    match = re.match(r"^\s*(?:in|during|for)\s+(?:(FY|fiscal year)\s*'?)?((?:19|20)\d{2}|\d{2})\b", sentence, re.IGNORECASE)
    return _year(match.group(1), match.group(2)) if match else None


def _year(fiscal: str | None, digits: str) -> HeaderYear:
    year = 2000 + int(digits) if len(digits) == 2 else int(digits)
    return HeaderYear(year, "fiscal" if fiscal else "calendar")


def _read_sentence(sentence: str, page: int, paragraph_year: HeaderYear | None, document: Document) -> list[Candidate]:
    candidates, previous, position = [], Reading(None), 0
    figures = list(FIGURE.finditer(sentence))
    tied = {m.start() for m in figures if TIED_YEAR.search(sentence[:m.start()])}
    for match in figures:
        before, after = sentence[position:match.start()], sentence[match.end():]
        position = match.end()
        if _states_a_scale(match.group("number"), before, after):
            continue
        reading = _metric(before, after, match.group("unit"), previous)
        if reading.metric is None or CHANGE_BEFORE.search(before) or CHANGE_AFTER.search(after) \
                or FUTURE.search(before) or re.match(r"^[^.;]{0,40}\b(?:per year|a year|annually)\b", after, re.IGNORECASE):
            previous = reading if reading.metric else previous
            continue
        previous = reading
        year = _figure_year(sentence, match, before, after, tied, paragraph_year)
        number, unit = parse_value(match.group("number")), read_unit(match.group("unit"), "beside the figure",
                                                                    document.glossary)
        if year is None or number is None:
            continue
        place = Place(page=page, reader="text:statement", evidence=sentence[:400])
        candidates.append(make_candidate(reading.metric, number, unit, year=year.year, period_type=year.period_type,
                                         raw_value=match.group("number"), raw_label=before.strip()[-120:],
                                         place=place, confidence=BASE_CONFIDENCE["text:statement"],
                                         basis_source="the sentence" if reading.basis else None))
    return candidates


def _states_a_scale(number: str, before: str, after: str) -> bool:
    """'In 1,000 metric tons', 'Fiscal Year 1,000 metric tons of CO2e emissions 387 393': a scale
    that is the unit of the figures beside it, not a figure itself."""
    return bool(SCALE_STATEMENT.match(number)) and (
        bool(SCALE_BEFORE.search(before)) or not before.strip()
        or re.match(r"^[A-Za-z0-9 ]{0,30}?\s\(?(?!(?:19|20)\d{2}\b)[\d<]", after) is not None)


def _metric(before: str, after: str, unit: str, previous: Reading) -> Reading:
    """The metric named before the figure (from its last scope mention on), else the previous one."""
    energy = bool(re.search(r"wh\b|j$", unit, re.IGNORECASE))
    if energy:
        if re.match(r"^\s*(?:of\s+)?(?:purchased\s+|grid\s+)?electricity\b", after, re.IGNORECASE) or re.search(
                r"electricity (?:consumption|use|consumed|used)\b[^.]{0,25}$", before, re.IGNORECASE):
            return Reading(None if re.search(r"renewable", before[-40:], re.IGNORECASE) else "electricity")
        if TIED_YEAR.search(before) and previous.metric in ("electricity", "total_energy"):
            return previous  # the comparative: '68,400 kWh of electricity (2022: 74,950 kWh)'
        return Reading("total_energy") if re.search(r"total energy (?:consumption|use)\b[^.]{0,25}$", before,
                                                    re.IGNORECASE) else Reading(None)
    mentions = list(re.finditer(r"\bscopes?\s*[123]", before, re.IGNORECASE))
    if not mentions:
        basis = basis_of(before) or previous.basis
        if previous.scopes == {2} and previous.metric:
            return Reading(f"scope2_{basis}" if basis else "scope2", previous.scopes, basis)
        return Reading(previous.metric, previous.scopes, previous.basis)
    # 'Scope 1 and 2', 'Scope 1 + Scope 2': mentions close together name one metric.
    start = min(m.start() for m in mentions if mentions[-1].start() - m.start() <= 30)
    named = before[start:].lower()
    if OTHER_NUMBER.search(SCOPES.sub(" ", named)):
        return Reading(None)  # 'Scope 2 emissions ... 0 ... allowances (48,357 t)': another figure's metric
    part = re.search(r"scopes?\s*[123]\S*\s+(?:ghg\s+)?emissions?\s*[\u2013-]\s*[a-z]", named)  # '... - Business Travel'
    if NOT_THE_METRIC.search(named) or GASES.search(named) or "categor" in named or part:
        return Reading(None)
    scopes = scopes_of(named)
    basis = basis_of(before[max(0, start - 40):])
    names = {frozenset({1}): "scope1", frozenset({2}): f"scope2_{basis}" if basis else "scope2",
             frozenset({3}): "scope3_total", frozenset({1, 2}): f"scope1_2_{basis}" if basis else "scope1_2"}
    return Reading(names.get(frozenset(scopes)), frozenset(scopes), basis)


def _figure_year(sentence, match, before, after, tied, paragraph_year) -> HeaderYear | None:
    if match.start() in tied:
        found = TIED_YEAR.search(sentence[:match.start()])
        return _year(found.group(1), found.group(2))
    following = YEAR_AFTER.match(after)
    if following:
        return _year(following.group(1), following.group(2))
    stated = {(f or None, fy or y) for f, fy, y in CLAUSE_YEAR.findall(before)}
    if len(stated) == 1:
        fiscal, digits = stated.pop()
        return _year(fiscal, digits)
    return paragraph_year
