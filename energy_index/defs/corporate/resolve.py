"""Choosing one value per metric, region and year from every reading, by stated rules.

1. Sanity rules that hold for any company reject a reading: a negative amount; zero Scope 1,
   location-based Scope 2, electricity or energy (a company that reports them uses some;
   market-based Scope 2 may be zero under contracts for renewable power, so a zero Scope 2
   whose basis was not found is rejected too: it is a market-based figure without its word).
   Then a Scope 1 or Scope 2 row labelled as a part is rejected, unless it names only where the
   company operates (`Scope 1 – Direct Manufacturing`) and is the document's sole figure of that
   scope: the GHG Protocol has a company report all of its Scope 1 and 2, so a lone figure names
   what makes it up. With any other figure of that scope (a total, Scope 1 + 2, total emissions
   or another part of any kind) it stays a part. Scope 3 is never read this way.
2. A bare Scope 2 reading equal (within 0.5%) to a reading of exactly one stated basis for the
   same year is that figure (a questionnaire repeats its market-based figure without the word).
   Else, when every sentence of the document that names Scope 2 and a basis names the same one
   ('we report Scope 2 using the market-based method'), it takes that basis, unless a figure of
   that basis is stated for the year already.
3. Readings within 0.5% of each other agree. Among disagreeing groups the one chosen has the
   most trusted reading; then the most independent places (pages and readers) saying it;
   then the larger value (a company-wide total is never smaller than a part of it).
4. Within the chosen group the reading from the lowest-numbered table (`Table 1A` before
   `Table 3`) is the one shown, then the most trusted. Losers are kept, with the reason.
5. The chosen values must fit together physically (grid factor, parts and total, year on
   year; see `plausibility`): a value that does not is flagged. Values printed in `mt`
   (metric tons or megatonnes) take the scale the checks or the document's words settle, else
   are rejected, and the next best reading of the metric, if any, is chosen.
"""

from __future__ import annotations

import re
from collections import defaultdict

from energy_index.defs.corporate.candidate import Candidate
from energy_index.defs.corporate.context import FROM_CONTEXT
from energy_index.defs.corporate.labels import LOCATION, MARKET, names_own_activity
from energy_index.defs.corporate.plausibility import AMBIGUOUS_UNIT, check_plausibility

AGREEMENT = 0.005
# A bare Scope 2 of zero is a market-based figure whose basis the reader could not find.
NEVER_ZERO = ("scope1", "scope2_location", "scope2", "electricity", "total_energy", "scope1_2", "scope1_2_location",
              "total_emissions")
SOLE_PART = 0.85  # a label naming what a figure covers, standing for the whole: trusted less than one naming it


def resolve(candidates: list[Candidate], document_text: str = "") -> list[Candidate]:
    for candidate in candidates:
        _apply_sanity(candidate)
        candidate.table_number = table_number(candidate.place.table_title)
    _sole_parts(candidates)
    _name_bare_scope2(candidates, document_text)
    groups: dict[tuple, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        if candidate.status != "rejected":
            groups[candidate.key].append(candidate)
    for group in groups.values():
        _choose(group)
    check_plausibility([c for c in candidates if c.status == "chosen"], document_text)
    for group in groups.values():  # a chosen value whose scale could not be settled: the next best, if any
        unsettled = [c for c in group if c.status == "rejected" and AMBIGUOUS_UNIT.search(c.raw_unit or "")]
        if unsettled and not any(c.status == "chosen" for c in group):
            for candidate in group:
                if AMBIGUOUS_UNIT.search(candidate.raw_unit or "") and candidate.status != "rejected":
                    candidate.status, candidate.status_reason = "rejected", unsettled[0].status_reason
            remaining = [c for c in group if c.status != "rejected"]
            if remaining:
                _choose(remaining)
    return candidates


def table_number(title: str) -> tuple:
    match = re.match(r"^table\s+(\d+)([a-z]?)", title.strip(), re.IGNORECASE)
    return (int(match.group(1)), match.group(2).lower()) if match else (10_000, "")


def agree(a: float, b: float) -> bool:
    return abs(a - b) <= AGREEMENT * max(abs(a), abs(b), 1e-9)


def _apply_sanity(candidate: Candidate) -> None:
    if candidate.status == "rejected" or candidate.value is None or candidate.unit in ("%", "ratio"):
        return
    if candidate.value < 0:
        candidate.status, candidate.status_reason = "rejected", "negative: emissions and energy are never below zero"
    elif candidate.value == 0 and candidate.metric in NEVER_ZERO:
        candidate.status, candidate.status_reason = "rejected", f"zero {candidate.metric} is not a company's figure"


def _sole_parts(candidates: list[Candidate]) -> None:
    """Rule 1's second half: a part of Scope 1 or 2 stands for it when no other figure of that scope
    is read. One part may be printed at both bases (Scope 2 market- and location-based)."""
    for scope in ("scope1", "scope2"):
        parts = [c for c in candidates if c.part and c.metric.startswith(scope) and c.status != "rejected"]
        whole = [c for c in candidates if not c.part and c.status != "rejected" and not c.metric.endswith("intensity")
                 and c.metric.startswith((scope, "scope1_2", "total_emissions"))]
        named = {c.part for c in parts}
        sole = len(named) == 1 and not whole and names_own_activity(next(iter(named)))
        for part in parts:
            if sole:
                part.confidence = round(part.confidence * SOLE_PART, 3)
                part.notes.append(f"labelled by what it covers ({part.part}): the document's only "
                                  f"{scope.replace('scope', 'Scope ')} figure")
            else:
                part.status = "rejected"
                part.status_reason = (f"a part of {scope.replace('scope', 'Scope ')} ({part.part}): " + (
                    "the document gives a figure for the whole" if whole else "the document gives several parts"
                    if len(named) > 1 else "not where a company operates, so not all of its figure"))


def _name_bare_scope2(candidates: list[Candidate], document_text: str) -> None:
    stated = [c for c in candidates if c.status != "rejected" and c.metric in ("scope2_market", "scope2_location")]
    declared = declared_basis(document_text)
    for bare in (c for c in candidates if c.metric == "scope2" and c.status != "rejected"):
        same = {c.metric for c in stated
                if (c.fiscal_year, c.region) == (bare.fiscal_year, bare.region) and agree(c.value, bare.value)}
        if len(same) == 1:
            bare.metric = same.pop()
            bare.notes.append(f"no basis stated here; the same figure is stated as {bare.metric}")
        elif declared and not any(c.metric == f"scope2_{declared[0]}" and c.fiscal_year == bare.fiscal_year
                                  and c.region == bare.region for c in stated):
            bare.metric, bare.basis_source = f"scope2_{declared[0]}", f'the document: "{declared[1]}"'
            bare.confidence = round(bare.confidence * FROM_CONTEXT, 3)


def declared_basis(text: str) -> tuple[str, str] | None:
    """(basis, sentence) when every sentence that names Scope 2 and a basis names the same one
    ('We report Scope 2 emissions using the market-based method'), else None."""
    said: dict[str, str] = {}
    for sentence in re.split(r"(?<=[.;:])\s+|\n\s*\n", text):
        flat = " ".join(sentence.split())
        if len(flat) < 400 and re.search(r"\bscope\s*2\b", flat, re.IGNORECASE):
            market, location = bool(MARKET.search(flat.lower())), bool(LOCATION.search(flat.lower()))
            if market:
                said.setdefault("market", flat)
            if location:
                said.setdefault("location", flat)
    return next(iter(said.items())) if len(said) == 1 else None


def _choose(group: list[Candidate]) -> None:
    clusters: list[list[Candidate]] = []
    for candidate in sorted(group, key=lambda c: -c.confidence):
        home = next((cl for cl in clusters if agree(cl[0].value, candidate.value)), None)
        home.append(candidate) if home is not None else clusters.append([candidate])

    def strength(cluster: list[Candidate]) -> tuple:
        places = {(c.place.page, c.place.reader.split(":")[0]) for c in cluster}
        return max(c.confidence for c in cluster), len(places), max(c.value for c in cluster)

    ranked = sorted(clusters, key=strength, reverse=True)
    best = ranked[0]
    shown = min(best, key=lambda c: (c.table_number, -c.confidence, c.place.reader != "table:stream",
                                     c.place.page, c.place.row_index))
    for candidate in best:
        candidate.status = "chosen" if candidate is shown else "agrees"
        candidate.status_reason = _why_chosen(best, ranked) if candidate is shown else "agrees with the chosen value"
    for cluster in ranked[1:]:
        for candidate in cluster:
            candidate.status = "lost"
            candidate.status_reason = (f"{candidate.value:,.10g} conflicts with the chosen {shown.value:,.10g}, "
                                       f"which is {_margin(strength(best), strength(cluster))}")


def _why_chosen(best: list[Candidate], ranked: list[list[Candidate]]) -> str:
    places = len({(c.place.page, c.place.reader.split(":")[0]) for c in best})
    said = f"read {len(best)} time(s) in {places} place(s)"
    return said if len(ranked) == 1 else f"{said}; {len(ranked) - 1} conflicting value(s) lost"


def _margin(winner: tuple, loser: tuple) -> str:
    if winner[0] != loser[0]:
        return f"more trusted ({winner[0]:.2f} against {loser[0]:.2f})"
    if winner[1] != loser[1]:
        return f"stated in more places ({winner[1]} against {loser[1]})"
    return "larger (a total is never smaller than its parts)"
