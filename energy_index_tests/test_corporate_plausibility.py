"""Physics checks on a report's chosen values: corrected only when exactly one scale fits and the
unit leaves the scale open, else flagged."""

from __future__ import annotations

import pytest

from energy_index.defs.corporate.candidate import Candidate, Place
from energy_index.defs.corporate.plausibility import check_plausibility


def chosen(metric: str, year: int, value: float, printed: str, canonical: str = "tCO2e") -> Candidate:
    return Candidate(metric=metric, region=None, fiscal_year=year, period_type="calendar", value=value,
                     unit=canonical, raw_value=f"{value:g}", raw_label=metric, raw_unit=printed,
                     unit_source="label", basis_source=None, boundary=None, place=Place(page=1, reader="table:stream"),
                     confidence=0.9, status="chosen")


def test_an_ambiguous_mt_that_breaks_the_grid_is_rescaled_with_its_reason():
    scope2 = chosen("scope2_location", 2023, 2.9, "mt CO2 eq")  # read as metric tons: 0.0000006 kg/kWh
    electricity = chosen("electricity", 2023, 5_000_000, "MWh", "MWh")
    check_plausibility([scope2, electricity])
    assert scope2.value == pytest.approx(2.9e6) and not scope2.sanity_issue
    assert "scale corrected x1e+06" in scope2.notes[0] and "'mt CO2 eq'" in scope2.notes[0]
    assert electricity.value == 5_000_000 and not electricity.sanity_issue


def test_a_plain_unit_that_breaks_the_grid_is_flagged_not_rescaled():
    scope2 = chosen("scope2_location", 2023, 2.9, "tCO2e")
    electricity = chosen("electricity", 2023, 5_000_000, "MWh", "MWh")
    check_plausibility([scope2, electricity])
    assert scope2.value == 2.9 and "implausible" in scope2.sanity_issue and electricity.sanity_issue


def test_totals_and_year_on_year_jumps_are_checked_and_a_market_based_fall_is_not_a_jump():
    parts = [chosen("scope1", 2023, 57.2, "mt"), chosen("scope2_location", 2023, 2_900_000, "tCO2e"),
             chosen("scope1_2_location", 2023, 60_100_000, "tCO2e")]
    check_plausibility(parts)
    assert parts[0].value == pytest.approx(57.2e6) and not any(c.sanity_issue for c in parts)
    series = [chosen("scope1", 2021, 10_000, "t"), chosen("scope1", 2022, 10, "t"), chosen("scope1", 2023, 9_500, "t")]
    check_plausibility(series)
    assert all(c.sanity_issue for c in series[:2]) and series[1].value == 10
    contracts = [chosen("scope2_market", 2022, 50_000, "t"), chosen("scope2_market", 2023, 3, "t")]
    check_plausibility(contracts)
    assert not any(c.sanity_issue for c in contracts)
