"""A candidate value: one reading of one metric for one year, with all its evidence.

Every reader (year-column tables, column-metric tables, parameter tables, CDP answers, lines
of text) produces candidates through `make_candidate`, which applies the rules no reader may
bend: the unit must fit the metric (electricity in tCO2e is emissions from electricity, not
electricity), an amount without a stated unit is not a value, and a ratio is not an amount.
Rejected readings are kept with their reason, for `--explain` and inspection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from energy_index.defs.corporate.units import ENERGY, MASS, RATIO, Unit
from energy_index.defs.corporate.values import Number

ENERGY_METRICS = ("electricity", "total_energy", "renewable_electricity")


@dataclass
class Place:
    """Where a reading stands in the document."""

    page: int
    reader: str                 # table:stream, table:network, columns:<flavor>, quantities:<flavor>, text:qa, text:line
    table_index: int = 0
    row_index: int = 0
    table_title: str = ""
    evidence: str = ""          # the row or lines as printed


@dataclass
class Candidate:
    metric: str
    region: str | None
    fiscal_year: int
    period_type: str
    value: float | None
    unit: str
    raw_value: str
    raw_label: str
    raw_unit: str
    unit_source: str
    basis_source: str | None
    boundary: str | None
    place: Place
    confidence: float
    notes: list[str] = field(default_factory=list)
    status: str = "candidate"   # chosen | agrees | lost | rejected
    status_reason: str = ""
    sanity_issue: str = ""      # set by the sanity rules: a chosen value that fails one (e.g. a 1000x jump)
    table_number: tuple = (10_000, "")
    part: str = ""              # a Scope 1 or 2 row labelled by an activity ('manufacturing'): see resolve._sole_parts

    @property
    def key(self) -> tuple:
        return self.metric, self.region, self.fiscal_year


def make_candidate(metric: str, number: Number, unit: Unit | None, *, year: int, period_type: str, raw_value: str,
                   raw_label: str, place: Place, confidence: float, region: str | None = None,
                   basis_source: str | None = None, boundary: str | None = None,
                   notes: list[str] | None = None) -> Candidate:
    """One reading, normalised to tCO2e / MWh, or rejected with the reason."""
    notes = list(notes or [])
    value, canonical, reason = _normalise(metric, number, unit)
    if unit is not None and unit.dimension == RATIO and not reason and metric != "pue" \
            and not metric.endswith(("intensity", "_share")):
        metric = f"{metric}_intensity"
    candidate = Candidate(
        metric=metric, region=region, fiscal_year=year, period_type=period_type, value=value, unit=canonical,
        raw_value=raw_value, raw_label=" ".join(raw_label.split()), raw_unit=unit.printed if unit else "",
        unit_source=unit.source if unit else "", basis_source=basis_source, boundary=boundary, place=place,
        confidence=round(confidence, 3), notes=notes)
    if reason:
        candidate.status, candidate.status_reason = "rejected", reason
    return candidate


def _normalise(metric: str, number: Number, unit: Unit | None) -> tuple[float | None, str, str]:
    """(value in the canonical unit, canonical unit, rejection reason or '')."""
    if metric == "pue":
        return number.value, "ratio", ""
    if metric.endswith("_share"):
        return number.value, "%", ""
    if number.percent:
        return None, "%", "a percentage, not an amount"
    if unit is None:
        return None, "", "no unit stated for this figure (label, unit column, heading or table title)"
    if unit.dimension == RATIO:
        return number.value, unit.printed, ""
    wanted = ENERGY if metric in ENERGY_METRICS else MASS
    if unit.dimension != wanted:
        what = "emissions, not electricity or energy" if wanted == ENERGY else "energy, not emissions"
        return None, unit.canonical, f"stated in {unit.printed!r}, which is {what}"
    return float(f"{number.value * unit.factor:.10g}"), unit.canonical, ""  # 4.07 x 1e6 is 4,070,000
