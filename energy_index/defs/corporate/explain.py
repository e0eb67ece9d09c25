"""What `energy-index parse-report` prints: the chosen values, or every candidate and why.

The JSON and CSV rows keep the contract scripts rely on (`metric`, `fiscal_year`,
`period_type`, `value` in tCO2e or MWh, `unit`, `page`) and add the evidence: `raw_label`,
`raw_value`, `raw_unit`, `unit_source`, `basis_source`, `boundary`, `reader`,
`table_title`, `evidence`, `confidence`, `status`. `--explain` groups every reading by
metric and year: the one chosen, those that agree, those that lost (and to what), and those
rejected (and why).
"""

from __future__ import annotations

import json
from collections import defaultdict

import polars as pl

from energy_index.defs.corporate.candidate import Candidate
from energy_index.defs.corporate.report import ParsedReport

COLUMNS = ["company", "metric", "region", "fiscal_year", "period_type", "value", "unit", "page", "table_title",
           "raw_label", "raw_value", "raw_unit", "unit_source", "basis_source", "boundary", "reader", "evidence",
           "confidence", "status", "status_reason", "sanity_issue"]
ORDER = {"chosen": 0, "agrees": 1, "lost": 2, "rejected": 3}


def values_frame(report: ParsedReport, name: str, company: str, everything: bool, regions: bool) -> pl.DataFrame:
    """The chosen company-wide values (regions with `regions`, every reading with `everything`)."""
    frame = report.metrics_frame(name, company)
    if not everything:
        frame = frame.filter(pl.col("is_primary"))
    if not (regions or everything):
        frame = frame.filter(pl.col("region").is_null())
    return frame.select(COLUMNS).sort("metric", "region", "fiscal_year", nulls_last=False)


def explain(report: ParsedReport, as_json: bool) -> str:
    groups: dict[tuple, list[Candidate]] = defaultdict(list)
    for candidate in report.candidates:
        groups[(candidate.metric, candidate.region or "", candidate.fiscal_year)].append(candidate)
    if as_json:
        return json.dumps([{"metric": m, "region": r or None, "fiscal_year": y,
                            "candidates": [_as_dict(c) for c in _ordered(cs)]}
                           for (m, r, y), cs in sorted(groups.items())], indent=1)
    lines = []
    for (metric, region, year), candidates in sorted(groups.items()):
        chosen = next((c for c in candidates if c.status == "chosen"), None)
        period = f"{'FY' if (chosen or candidates[0]).period_type == 'fiscal' else ''}{year}"
        head = f"{metric}{f' [{region}]' if region else ''} {period}: "
        head += f"{chosen.value:,.10g} {chosen.unit}" if chosen else "not found (every reading rejected)"
        lines.append(head)
        lines += [f"  {c.status:<8} {_describe(c)}" for c in _ordered(candidates)]
    return "\n".join(lines)


def _ordered(candidates: list[Candidate]) -> list[Candidate]:
    return sorted(candidates, key=lambda c: (ORDER.get(c.status, 9), -c.confidence, c.place.page))


def _describe(c: Candidate) -> str:
    value = f"{c.value:,.10g} {c.unit}" if c.value is not None else f"({c.raw_value})"
    parts = [f"{c.raw_value!r}{' ' + c.raw_unit if c.raw_unit else ''}"]
    if c.unit_source:
        parts.append(f"unit from {c.unit_source}")
    if c.basis_source:
        parts.append(f"basis from {c.basis_source}")
    if c.boundary:
        parts.append(c.boundary)
    parts += c.notes
    why = c.status_reason + (f"; {c.sanity_issue}" if c.sanity_issue else "")
    return (f"{value:<22} p{c.place.page} {c.place.reader:<16} {c.raw_label[:60]!r} = {'; '.join(parts)}"
            f" (confidence {c.confidence:.2f}){' - ' + why if why else ''}")


def _as_dict(c: Candidate) -> dict:
    return {"status": c.status, "why": c.status_reason, "value": c.value, "unit": c.unit, "page": c.place.page,
            "reader": c.place.reader, "raw_label": c.raw_label, "raw_value": c.raw_value, "raw_unit": c.raw_unit,
            "unit_source": c.unit_source, "basis_source": c.basis_source, "boundary": c.boundary,
            "confidence": c.confidence, "notes": c.notes, "sanity_issue": c.sanity_issue or None,
            "evidence": c.place.evidence}
