"""Physics checks on a report's chosen values, and the `mt` they settle (metric tons or megatonnes)."""

from __future__ import annotations

import pytest

from energy_index.defs.corporate.candidate import Candidate, Place
from energy_index.defs.corporate.plausibility import check_plausibility


def chosen(metric: str, year: int, value: float, printed: str, canonical: str = "tCO2e") -> Candidate:
    return Candidate(metric=metric, region=None, fiscal_year=year, period_type="calendar", value=value,
                     unit=canonical, raw_value=f"{value:g}", raw_label=metric, raw_unit=printed,
                     unit_source="label", basis_source=None, boundary=None, place=Place(page=1, reader="table:stream"),
                     confidence=0.9, status="chosen")


def test_mt_is_settled_by_physics_for_every_value_printed_in_that_spelling():
    scope1, scope2 = chosen("scope1", 2023, 57.2, "mt CO2 eq"), chosen("scope2_location", 2023, 2.9, "mt CO2 eq")
    electricity = chosen("electricity", 2023, 5_000_000, "MWh", "MWh")  # 2.9 t would be 0.0000006 kg/kWh
    check_plausibility([scope1, scope2, electricity], "Prose that mentions metric tons of waste.")
    assert scope2.value == pytest.approx(2.9e6) and scope1.value == pytest.approx(57.2e6)  # physics beats words
    assert "read as megatonnes: 1 of 1 physics checks hold at that scale" in scope1.notes[0]
    tons = [chosen("scope2_location", 2023, 290_000, "mtCO2e"), chosen("electricity", 2023, 700_000, "MWh", "MWh")]
    check_plausibility(tons)
    assert tons[0].value == 290_000 and "metric tons" in tons[0].notes[0]


@pytest.mark.parametrize("text, expected", [
    ("All figures in metric tons of CO2 equivalent.", 57.2), ("Emissions fell to 57 million tonnes.", 57.2e6)])
def test_without_physics_the_documents_words_settle_mt_or_the_value_is_rejected(text, expected):
    scope1 = chosen("scope1", 2023, 57.2, "mt CO2 eq")
    check_plausibility([scope1], text)
    assert scope1.value == pytest.approx(expected) and scope1.status == "chosen"
    unsettled = chosen("scope1", 2023, 57.2, "mt CO2 eq")
    check_plausibility([unsettled], f"{text} Elsewhere: 3 metric tons, 2 million tonnes.")
    assert unsettled.status == "rejected" and "neither the physics checks" in unsettled.status_reason


def test_the_same_figure_printed_in_an_unambiguous_unit_settles_mt():
    """A document that prints '45 mt of CO2 eq' in one place and '45 million metric tons of CO2'
    in another says what its `mt` is, even when it also writes metric tons and tCO2e elsewhere."""
    scope1 = chosen("scope1", 2020, 38.6, "mt CO2 eq")
    check_plausibility([scope1], "Avoid 45 mt of CO2 eq by 2030. Waste: 3 metric tons. Chart (tCO2e). "
                                 "Customers avoided 45 million metric tons of CO2.")
    assert scope1.value == pytest.approx(38.6e6) and "45 million metric tons of CO2" in scope1.notes[0]
    by_chance = chosen("scope1", 2020, 38.6, "mt CO2 eq")  # a single digit could match by chance
    check_plausibility([by_chance], "5 mt of CO2 here, 5 million tonnes of CO2 there, 3 metric tons elsewhere.")
    assert by_chance.status == "rejected"


def test_implausible_values_in_plain_units_are_flagged_not_rescaled():
    scope2 = chosen("scope2_location", 2023, 2.9, "tCO2e")
    electricity = chosen("electricity", 2023, 5_000_000, "MWh", "MWh")
    check_plausibility([scope2, electricity])
    assert scope2.value == 2.9 and "physically implausible" in scope2.sanity_issue and electricity.sanity_issue
    parts = [chosen("scope1", 2023, 57.2, "t"), chosen("scope2_location", 2023, 2_900_000, "t"),
             chosen("scope1_2_location", 2023, 60_100_000, "t")]
    check_plausibility(parts)
    assert all("against the stated total" in c.sanity_issue for c in parts)
    series = [chosen("scope1", 2021, 10_000, "t"), chosen("scope1", 2022, 10, "t"), chosen("scope1", 2023, 9_500, "t")]
    check_plausibility(series)
    assert all("changes about 1000x" in c.sanity_issue for c in series)
    contracts = [chosen("scope2_market", 2022, 50_000, "t"), chosen("scope2_market", 2023, 3, "t")]
    check_plausibility(contracts)
    assert not any(c.sanity_issue for c in contracts)  # renewable contracts can cut market-based Scope 2 that far


def test_megatonnes_above_the_world_are_metric_tons_when_every_check_then_holds():
    """India's BRSR filings print 'MtCO2e' for metric tonnes: read as megatonnes, a company would emit
    more than the world does; as metric tons, every check holds, so that is what they were."""
    scope3 = [chosen("scope3_total", 2024, 1_482_327e6, "MtCO2e"), chosen("scope3_total", 2025, 2_208_455e6, "MtCO2e")]
    check_plausibility(scope3)
    assert [c.value for c in scope3] == [1_482_327, 2_208_455] and not any(c.sanity_issue for c in scope3)
    assert "read as metric tons: as megatonnes scope3_total 2024 above the world's annual emissions" in scope3[0].notes[0]
    real = [chosen("scope1", 2023, 38.6e6, "Mt CO2e"), chosen("scope2_location", 2023, 2.3e6, "Mt CO2e"),
            chosen("electricity", 2023, 5_000_000, "MWh", "MWh")]
    check_plausibility(real)
    assert real[0].value == 38.6e6 and not real[0].notes  # megatonnes that fit stay megatonnes
    misprint = chosen("scope1", 2023, 9e21, "Mt")  # above the world at either scale: flagged, never rescaled
    check_plausibility([misprint])
    assert misprint.value == 9e21 and "above the world's annual emissions" in misprint.sanity_issue
