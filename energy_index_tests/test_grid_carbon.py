"""Google Cloud region carbon: yearly files with two header styles, into one intensity dimension."""

from __future__ import annotations

import pytest

from energy_index_tests.fixtures import grid_carbon
from energy_index_tests.fixtures.pipeline import failure_messages, query, run_pipeline, scalar

SELECTION = ["sources/google_region_carbon_files", "raw/google_region_carbon"]


def test_every_year_lands_with_both_header_styles_in_one_column(built_home):
    rows = query(built_home / "analytics.duckdb", """select year, count(*), min(intensity_basis), max(intensity_basis)
        from marts.dim_grid_carbon_intensity group by 1 order by 1""")
    assert [r[0] for r in rows] == sorted(grid_carbon.ROWS)
    assert all(r[1] == 2 for r in rows)
    assert {r[0]: r[2] for r in rows}[2019] == "lifecycle" and {r[0]: r[2] for r in rows}[2024] == "grid"
    iowa_2024 = query(built_home / "analytics.duckdb", """select grid_gco2e_per_kwh, grid_kgco2e_per_kwh, cfe_share
        from marts.dim_grid_carbon_intensity where region = 'us-central1' and year = 2024""")[0]
    assert iowa_2024 == pytest.approx((406.2, 0.4062, 0.87))


def test_missing_cfe_stays_missing_and_market_based_is_then_unknown(built_home):
    warehouse = built_home / "warehouse.duckdb"
    assert scalar(warehouse, """select cfe_share from marts.dim_grid_carbon_intensity
        where region = 'us-central1' and year = 2019""") is None
    market = query(warehouse, """select distinct market_gco2e_per_unit is null from marts.fct_workload_emissions
        where factor_entity = 'us-central1' and factor_year = 2019""")
    assert market == [(True,)]


@pytest.mark.parametrize("year, rows, phrase", [
    (2023, [("us-central1", "Iowa", "1.7", "413")], "expect_column_values_to_be_between(Google CFE)"),
    (2021, [("us-central1", "Iowa", "0.9", "-5")],
     "expect_column_values_to_be_between(Grid carbon intensity (gCO2eq / kWh))"),
])
def test_a_bad_yearly_file_fails_naming_the_file_and_keeps_the_table(copied_home, mirror, year, rows, phrase):
    warehouse = copied_home / "warehouse.duckdb"
    before = scalar(warehouse, "select count(*) from raw.google_region_carbon")
    mirror.add(grid_carbon.file_path(year), grid_carbon.build_file(year, rows))
    result = run_pipeline(copied_home, mirror.base_url, selection=SELECTION)
    assert not result.success
    message = failure_messages(result)
    assert "[google_region_carbon]" in message and phrase in message and f"us-central1 in {year}.csv" in message
    assert scalar(warehouse, "select count(*) from raw.google_region_carbon") == before
