"""Physics checks on the chosen values, and the scale corrections they allow.

A company's figures must fit together the way energy and emissions do:

- **grid**: location-based Scope 2 per MWh of electricity lies between the cleanest and the
  dirtiest real grids (assumptions `min_plausible_grid_kg_per_kwh`, `max_plausible_kg_per_kwh`,
  widened by `report_plausibility_slack`); a market-based or bare Scope 2 only has the ceiling
  (contracts for renewable power can take it near zero);
- **parts and total**: Scope 1 + Scope 2 of one basis is within the slack of a stated Scope 1+2
  total of that basis;
- **year on year**: no year is about 1000x its neighbour (beyond 10^2.5), except a fall in
  market-based Scope 2.

A value that fails is tried at the other plausible scales (x1000, x0.001, x1e6, x1e-6). When
exactly one value and one scale make every check it takes part in pass, and its unit evidence
allows a different scale (the printed unit is one reports use for both metric tons and
megatonnes: `mt`, `MT`, `Mt`, `mmt`), it is corrected and the reason recorded. Otherwise every value in the
failing check is flagged (`sanity_issue`), and a flagged value never reaches a factor.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from energy_index.assumptions import assumption
from energy_index.defs.corporate.candidate import Candidate

SCALES = (1e3, 1e-3, 1e6, 1e-6)
UNIT_JUMP = 10 ** 2.5
AMBIGUOUS_UNIT = re.compile(r"(?<![A-Za-z])(?:mt|MT|mmt|MMT|Mt)(?![a-z])")  # metric tons or megatonnes?


@dataclass
class Check:
    """One physical relation between chosen values: which values, and whether they fit."""
    name: str
    members: list[Candidate]
    fits: Callable[[dict[int, float]], bool]  # id(candidate) -> value
    describe: str

    def passes(self, values: dict[int, float]) -> bool:
        return self.fits(values)


def check_plausibility(chosen: list[Candidate]) -> None:
    """Correct or flag chosen company-wide values that break a physical relation (see module doc)."""
    checks = _grid_checks(chosen) + _total_checks(chosen) + _jump_checks(chosen)
    values = {id(c): c.value for c in chosen if c.value is not None}
    for check in checks:
        if check.passes(values):
            continue
        fix = _only_fix(check, checks, values)
        if fix is None:
            for candidate in check.members:
                candidate.sanity_issue = candidate.sanity_issue or f"{check.describe}: implausible, and no single " \
                                                                  "scale correction fits every check"
            continue
        candidate, scale = fix
        values[id(candidate)] = candidate.value * scale
        candidate.notes.append(f"scale corrected x{scale:g}: {check.describe} fails as printed and holds at x{scale:g}; "
                               f"the unit ({candidate.raw_unit!r}, {candidate.unit_source}) allows another scale")
        candidate.value = float(f"{candidate.value * scale:.10g}")


def _only_fix(failed: Check, checks: list[Check], values: dict[int, float]) -> tuple[Candidate, float] | None:
    fixes = []
    for candidate in failed.members:
        if not _scale_is_open(candidate):
            continue
        for scale in SCALES:
            trial = {**values, id(candidate): values[id(candidate)] * scale}
            if all(c.passes(trial) for c in checks if candidate in c.members):
                fixes.append((candidate, scale))
    return fixes[0] if len(fixes) == 1 else None


def _scale_is_open(candidate: Candidate) -> bool:
    """Whether the unit evidence leaves the scale open: a unit reports print for both metric tons
    and megatonnes. A plain unit (MWh, tonnes, '1,000 t') is what the document says; a figure
    that breaks physics under it is the document's inconsistency, flagged, never re-scaled."""
    return bool(AMBIGUOUS_UNIT.search(candidate.raw_unit or ""))


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
            checks.append(Check("grid", [scope2, electricity], _ratio_within(scope2, electricity, floor, high),
                                f"{metric} / electricity {year} outside {floor:g}-{high:g} kg/kWh"))
    return checks


def _total_checks(chosen: list[Candidate]) -> list[Check]:
    slack = assumption("report_plausibility_slack")
    checks = []
    for year, metrics in _by_year(chosen).items():
        for basis in ("location", "market"):
            scope1, scope2, total = (metrics.get(m) for m in ("scope1", f"scope2_{basis}", f"scope1_2_{basis}"))
            if scope1 and scope2 and total:
                checks.append(Check("total", [scope1, scope2, total], _sum_fits(scope1, scope2, total, slack),
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
            checks.append(Check("jump", [before, after], _no_jump(before, after, falls_by_contract),
                                f"{metric} {before.fiscal_year} -> {after.fiscal_year} changes about 1000x"))
    return checks


def _ratio_within(top: Candidate, bottom: Candidate, low: float, high: float):
    return lambda v: low <= v[id(top)] / v[id(bottom)] <= high


def _sum_fits(scope1: Candidate, scope2: Candidate, total: Candidate, slack: float):
    return lambda v: 1 / slack <= (v[id(scope1)] + v[id(scope2)]) / v[id(total)] <= slack


def _no_jump(before: Candidate, after: Candidate, falls_by_contract: bool):
    def fits(v: dict[int, float]) -> bool:
        ratio = v[id(after)] / v[id(before)]
        return ratio < UNIT_JUMP and (ratio > 1 / UNIT_JUMP or falls_by_contract)
    return fits
