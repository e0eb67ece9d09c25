"""Physics checks on the chosen values, and the one unit they settle.

A company's figures must fit together the way energy and emissions do:

- **grid**: location-based Scope 2 per MWh of electricity lies between the cleanest and the
  dirtiest real grids (assumptions `min_plausible_grid_kg_per_kwh`, `max_plausible_kg_per_kwh`,
  widened by `report_plausibility_slack`); a market-based or bare Scope 2 only has the ceiling
  (contracts for renewable power can take it near zero);
- **parts and total**: Scope 1 + Scope 2 of one basis is within the slack of a stated Scope 1+2
  total of that basis;
- **year on year**: no year is about 1000x its neighbour (beyond 10^2.5), except a fall in
  market-based Scope 2;
- **the world**: no emission figure exceeds the world's annual emissions (`world_ghg_emissions_t`).

A value that fails is flagged (`sanity_issue`), and a flagged value never reaches a factor.

One unit is settled here rather than read: lowercase `mt`, which reports print for metric tons
(Microsoft's `mtCO2e`, Meta's `mt CO2e`) and for megatonnes (ENGIE's `mt CO2 eq`). A document
means one thing by one spelling, so every chosen value printed in it (regions too) is tried at
both scales together; the scale under which more of the checks they take part in hold is used,
and the reason recorded. Else the document's own words decide when they point one way only
(it spells out `metric tons` / `tCO2e`, or `million tonnes` / `Mt`). Else the values are
rejected: a figure whose scale nobody can establish is not a company's figure.

A value read as megatonnes from a spelling of `mt` in any case (`MtCO2e`, which India's BRSR filings
print for metric tonnes) that breaks a check is tried as metric tons, with every value printed in
that spelling: when all the checks they take part in then hold, it is corrected, the reason recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from energy_index.assumptions import assumption
from energy_index.defs.corporate.candidate import Candidate
from energy_index.defs.corporate.units import read_unit

UNIT_JUMP = 10 ** 2.5
AMBIGUOUS_UNIT = re.compile(r"(?<![A-Za-z])mt(?![a-z])")  # metric tons or megatonnes?
MT_ANY_CASE = re.compile(r"(?<![A-Za-z])mt", re.IGNORECASE)


@dataclass
class Check:
    """One physical relation between chosen values: which values, and whether they fit."""
    members: list[Candidate]
    passes: Callable[[dict[int, float]], bool]  # given id(candidate) -> value
    describe: str

    def involves(self, candidates: list[Candidate]) -> bool:
        return any(id(m) in {id(c) for c in candidates} for m in self.members)


def check_plausibility(chosen: list[Candidate], document_text: str = "") -> None:
    """Settle `mt`, then flag chosen company-wide values that break a physical relation."""
    checks = _grid_checks(chosen) + _total_checks(chosen) + _jump_checks(chosen) + _world_checks(chosen)
    values = {id(c): c.value for c in chosen if c.value is not None}
    for members in _ambiguous_groups(chosen).values():
        _settle(members, checks, values, document_text)
    for members in _megatonne_groups(chosen).values():
        _as_metric_tons_if_only_they_fit(members, checks, values)
    for check in checks:
        live = [c for c in check.members if c.status == "chosen"]
        if len(live) == len(check.members) and not check.passes(values):
            for candidate in live:
                candidate.sanity_issue = candidate.sanity_issue or f"{check.describe}: physically implausible"


def _ambiguous_groups(chosen: list[Candidate]) -> dict[tuple, list[Candidate]]:
    groups: dict[tuple, list[Candidate]] = {}
    for candidate in chosen:
        if candidate.value is not None and candidate.unit == "tCO2e" and AMBIGUOUS_UNIT.search(candidate.raw_unit) \
                and "=" not in candidate.unit_source:  # a unit the document defines is settled
            groups.setdefault(re.sub(r"\W", "", candidate.raw_unit.lower()), []).append(candidate)
    return groups


def _settle(members: list[Candidate], checks: list[Check], values: dict[int, float], text: str) -> None:
    """Metric tons (as read) or megatonnes (x1e6) for the values printed in one spelling of `mt`."""
    ids = {id(m) for m in members}
    involved = [c for c in checks if c.involves(members)  # a check inside the group holds at either scale
                and not all(id(m) in ids for m in c.members)]
    holding = {scale: sum(c.passes({**values, **{id(m): values[id(m)] * scale for m in members}}) for c in involved)
               for scale in (1.0, 1e6)}
    if holding[1.0] != holding[1e6]:  # a misprinted year elsewhere fails at both scales; it does not decide
        scale = max(holding, key=holding.get)
        why = (f"{holding[scale]} of {len(involved)} physics checks hold at that scale, "
               f"{min(holding.values())} at the other")
    elif (words := _same_figure_spelt_out(text) or _document_says(text)) is not None:
        scale, why = words
    else:
        for member in members:
            member.status, member.status_reason = "rejected", (
                f"unit {member.raw_unit!r} is printed for both metric tons and megatonnes, and neither the physics "
                "checks nor the document's own words settle which")
        return
    for member in members:
        values[id(member)] = values[id(member)] * scale
        member.value = float(f"{member.value * scale:.10g}")
        member.notes.append(f"{member.raw_unit!r} read as {'megatonnes' if scale > 1 else 'metric tons'}: {why}")


def _megatonne_groups(chosen: list[Candidate]) -> dict[str, list[Candidate]]:
    """The values read as megatonnes from a spelling of `mt` (any case), by spelling."""
    groups: dict[str, list[Candidate]] = {}
    for candidate in chosen:
        unit = read_unit(candidate.raw_unit or "", "label")
        if candidate.value is not None and candidate.unit == "tCO2e" and unit is not None and unit.factor == 1e6 \
                and MT_ANY_CASE.search(candidate.raw_unit) and "=" not in candidate.unit_source:
            groups.setdefault(re.sub(r"\W", "", candidate.raw_unit.lower()), []).append(candidate)
    return groups


def _as_metric_tons_if_only_they_fit(members: list[Candidate], checks: list[Check], values: dict[int, float]) -> None:
    """Megatonnes that break a check and fit every one as metric tons were metric tons."""
    involved = [c for c in checks if c.involves(members)]
    broken = [c for c in involved if not c.passes(values)]
    tons = {**values, **{id(m): values[id(m)] / 1e6 for m in members}}
    if not broken or not all(c.passes(tons) for c in involved):
        return  # fits as read, or fits neither way: flagged like any other value
    for member in members:
        values[id(member)] = tons[id(member)]
        member.value = float(f"{member.value / 1e6:.10g}")
        member.notes.append(f"{member.raw_unit!r} read as metric tons: as megatonnes {broken[0].describe}, "
                            f"as metric tons all {len(involved)} physics checks hold")


# An emission figure of two or three digits or with decimals ('45', '2.9'; a lone '5' could match by
# chance), then its unit and CO2: '45 mt of CO2 eq', '45 million metric tons of CO2', '45 MtCO2e'.
SHORT_FIGURE = r"(?<![\d.,])(\d{2,3}(?:[.,]\d{1,2})?|\d[.,]\d{1,2})"
OF_CO2 = r"\s*(?:of\s+)?co2"
SPELT = {1e6: re.compile(rf"{SHORT_FIGURE}\s*(?:(?i:million\s+(?:metric\s+)?ton(?:ne)?s|megatonnes?)|Mt)(?i:{OF_CO2})"),
         1.0: re.compile(rf"{SHORT_FIGURE}\s*(?:metric\s+)?ton(?:ne)?s{OF_CO2}", re.IGNORECASE)}


def _same_figure_spelt_out(text: str) -> tuple[float, str] | None:
    """(scale, why) when figures printed with `mt` are printed elsewhere in the document with an
    unambiguous unit of one scale only: '45 mt of CO2 eq' and '45 million metric tons of CO2'."""
    printed = {float(f.replace(",", ".")) for f in re.findall(rf"{SHORT_FIGURE}\s*mt(?i:{OF_CO2})", text)}
    found = {scale: [m.group(0) for m in pattern.finditer(text) if float(m.group(1).replace(",", ".")) in printed]
             for scale, pattern in SPELT.items()}
    if bool(found[1e6]) == bool(found[1.0]):
        return None
    scale = 1e6 if found[1e6] else 1.0
    return scale, f'the document prints the same figure as "{" ".join(found[scale][0].split())}"'


def _document_says(text: str) -> tuple[float, str] | None:
    """(scale, why) when the document spells out exactly one of the two readings."""
    metric = re.search(r"metric\s+ton(?:ne)?s|\btco2", text, re.IGNORECASE)
    mega = re.search(r"million\s+(?:metric\s+)?ton(?:ne)?s|megatonnes?|\d\s*Mt\b|\bMtCO2", text)
    if bool(metric) == bool(mega):
        return None
    found = metric or mega
    return (1.0 if metric else 1e6), f'the document writes "{found.group(0)}" and never the other scale'


def _by_year(chosen: list[Candidate]) -> dict[int, dict[str, Candidate]]:
    years: dict[int, dict[str, Candidate]] = {}
    for candidate in chosen:
        if candidate.region is None and candidate.value and candidate.unit in ("tCO2e", "MWh"):
            years.setdefault(candidate.fiscal_year, {})[candidate.metric] = candidate
    return years


def _grid_checks(chosen: list[Candidate]) -> list[Check]:
    slack = assumption("report_plausibility_slack")
    low, high = assumption("min_plausible_grid_kg_per_kwh") / slack, assumption("max_plausible_kg_per_kwh") * slack
    checks = []
    for year, metrics in _by_year(chosen).items():
        electricity = metrics.get("electricity")
        for metric in ("scope2_location", "scope2_market", "scope2"):
            scope2 = metrics.get(metric)
            if electricity is None or scope2 is None:
                continue
            floor = low if metric == "scope2_location" else 0.0  # t/MWh is kg/kWh
            checks.append(Check([scope2, electricity], _ratio_within(scope2, electricity, floor, high),
                                f"{metric} / electricity {year} outside {floor:g}-{high:g} kg/kWh"))
    return checks


def _total_checks(chosen: list[Candidate]) -> list[Check]:
    slack = assumption("report_plausibility_slack")
    checks = []
    for year, metrics in _by_year(chosen).items():
        for basis in ("location", "market"):
            scope1, scope2, total = (metrics.get(m) for m in ("scope1", f"scope2_{basis}", f"scope1_2_{basis}"))
            if scope1 and scope2 and total:
                checks.append(Check([scope1, scope2, total], _sum_fits(scope1, scope2, total, slack),
                                    f"Scope 1 + Scope 2 ({basis}) {year} against the stated total"))
    return checks


def _jump_checks(chosen: list[Candidate]) -> list[Check]:
    series: dict[str, list[Candidate]] = {}
    for metrics in _by_year(chosen).values():
        for metric, candidate in metrics.items():
            series.setdefault(metric, []).append(candidate)
    checks = []
    for metric, points in series.items():
        points.sort(key=lambda c: c.fiscal_year)
        for before, after in zip(points, points[1:]):
            falls_by_contract = metric == "scope2_market"
            checks.append(Check([before, after], _no_jump(before, after, falls_by_contract),
                                f"{metric} {before.fiscal_year} -> {after.fiscal_year} changes about 1000x"))
    return checks


def _world_checks(chosen: list[Candidate]) -> list[Check]:
    ceiling = assumption("world_ghg_emissions_t")
    return [Check([c], _at_most(c, ceiling), f"{c.metric} {c.fiscal_year} above the world's annual emissions")
            for c in chosen if c.value is not None and c.unit == "tCO2e"]


def _at_most(candidate: Candidate, ceiling: float):
    return lambda v: v[id(candidate)] <= ceiling


def _ratio_within(top: Candidate, bottom: Candidate, low: float, high: float):
    return lambda v: low <= v[id(top)] / v[id(bottom)] <= high


def _sum_fits(scope1: Candidate, scope2: Candidate, total: Candidate, slack: float):
    return lambda v: 1 / slack <= (v[id(scope1)] + v[id(scope2)]) / v[id(total)] <= slack


def _no_jump(before: Candidate, after: Candidate, falls_by_contract: bool):
    def fits(v: dict[int, float]) -> bool:
        ratio = v[id(after)] / v[id(before)]
        return ratio < UNIT_JUMP and (ratio > 1 / UNIT_JUMP or falls_by_contract)
    return fits
