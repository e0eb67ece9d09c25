"""Google Cloud region carbon on generated yearly files: raw table, header coalescing, bad files.

The assets are materialised directly (with the dbt models selected out of `dbt_models`), so
these tests do not depend on the code location's wiring.
"""

import shutil
from pathlib import Path

import dagster as dg
import pytest

from energy_index.defs.grid_carbon.assets import google_region_carbon, google_region_carbon_files
from energy_index.defs.grid_carbon.files import GridCarbonSource
from energy_index.defs.resources import WarehouseResource
from energy_index.defs.sources.fetcher import SourceFetcher
from energy_index.defs.transform.assets import dbt_cli, dbt_models
from energy_index.settings import HOME_ENV
from energy_index_tests.fixtures import grid_carbon as gc
from energy_index_tests.fixtures.mirror import find_mirror, require_mirror_in_ci
from energy_index_tests.fixtures.pipeline import environment, failure_messages, query, scalar
from energy_index_tests.fixtures.server import LoopbackServer

GRID_KEYS = ["sources/google_region_carbon_files", "raw/google_region_carbon",
             "staging/stg_grid__region_carbon", "marts/dim_grid_carbon_intensity"]
RAW = f"""select count(*), sum("{gc.LIFECYCLE_HEADER}"), sum("{gc.GRID_HEADER}"), sum("Google CFE")
    from raw.google_region_carbon"""
MIRROR = find_mirror()  # the real data, for the last test
require_mirror_in_ci(MIRROR)
MART = "select count(*), sum(grid_gco2e_per_kwh), sum(cfe_share) from marts.dim_grid_carbon_intensity"


def materialise(home: Path, mirror: str, grid_carbon: GridCarbonSource | None = None) -> dg.ExecuteInProcessResult:
    """The source, raw and dbt grid carbon assets, into `home`'s warehouse (dbt reads ENERGY_INDEX_HOME)."""
    home.mkdir(parents=True, exist_ok=True)
    resources = {
        "fetcher": SourceFetcher(cache_dir=str(home / "cache"), mirror=mirror),
        "duckdb": WarehouseResource(database=str(home / "warehouse.duckdb")),
        "grid_carbon": grid_carbon or GridCarbonSource(),
        "dbt": dbt_cli(),
    }
    with environment(**{HOME_ENV: str(home)}):
        return dg.materialize([google_region_carbon_files, google_region_carbon, dbt_models], resources=resources,
                              selection=GRID_KEYS, raise_on_error=False)


@pytest.fixture
def grid_mirror():
    with LoopbackServer() as loopback:
        yield gc.serve(loopback)


@pytest.fixture(scope="module")
def grid_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("grid") / "home"
    with LoopbackServer() as loopback:
        result = materialise(home, gc.serve(loopback).base_url)
    assert result.success, failure_messages(result)
    return home


@pytest.fixture
def copied_grid_home(grid_home, tmp_path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(grid_home, home)
    return home


def test_raw_table_keeps_upstream_headers_with_one_row_per_region_and_year(grid_home):
    warehouse = grid_home / "warehouse.duckdb"
    per_year = dict(query(warehouse, "select year, count(*) from raw.google_region_carbon group by 1"))
    assert per_year == {year: len(rows) for year, rows in gc.ROWS.items()}
    columns = [r[0] for r in query(warehouse, "describe raw.google_region_carbon")]
    assert columns == ["Google Cloud Region", "Location", "Google CFE", gc.LIFECYCLE_HEADER, gc.GRID_HEADER,
                       "year", "source_url"]
    lifecycle_years = query(warehouse, f"""select distinct year from raw.google_region_carbon
        where "{gc.LIFECYCLE_HEADER}" is not null order by 1""")
    assert lifecycle_years == [(2019,), (2020,)]
    assert scalar(warehouse, """select "Google CFE" is null from raw.google_region_carbon
        where year = 2019 and "Google Cloud Region" = 'europe-west6'""") is True
    assert scalar(warehouse, "select source_url from raw.google_region_carbon where year = 2024 limit 1") == \
        "https://raw.githubusercontent.com/GoogleCloudPlatform/region-carbon-info/main/data/yearly/2024.csv"
    assert scalar(warehouse, "select count(*) from raw.source_fetches where source = 'google_region_carbon'") == 6


def test_both_header_styles_land_in_one_intensity_column(grid_home):
    rows = query(grid_home / "warehouse.duckdb", """select year, region, location, grid_gco2e_per_kwh,
        grid_kgco2e_per_kwh, cfe_share, intensity_basis from marts.dim_grid_carbon_intensity""")
    assert len(rows) == sum(len(r) for r in gc.ROWS.values())
    by_key = {(year, region): rest for year, region, *rest in rows}
    for year, fixture_rows in gc.ROWS.items():
        for region, location, cfe, intensity in fixture_rows:
            basis = "lifecycle" if year <= 2020 else "grid"
            assert by_key[(year, region)] == [location, pytest.approx(intensity),
                                              pytest.approx(intensity / 1000), cfe, basis]
    assert by_key[(2021, "northamerica-northeast1")][1] == 0  # a real zero, kept


def test_missing_cfe_stays_missing_and_market_based_is_then_unknown(built_home):
    warehouse = built_home / "warehouse.duckdb"  # the whole pipeline, from conftest's serve_sources
    assert scalar(warehouse, """select cfe_share from marts.dim_grid_carbon_intensity
        where region = 'europe-west6' and year = 2019""") is None
    market = query(warehouse, """select distinct market_gco2e_per_unit is null from marts.fct_workload_emissions
        where factor_entity = 'europe-west6' and factor_year = 2019""")
    assert market == [(True,)]


def test_unchanged_files_download_nothing_the_second_time(copied_grid_home, grid_mirror):
    assert materialise(copied_grid_home, grid_mirror.base_url).success
    statuses = query(copied_grid_home / "warehouse.duckdb", """select status, count(*) from raw.source_fetches
        where source = 'google_region_carbon' group by 1 order by 1""")
    assert statuses == [("HTTP 200", 6), ("cache hit", 6)]


def _replace_row(year: int, region: str, **changed) -> bytes:
    """The year's generated file with one region's `cfe` or `intensity` changed."""
    rows = [(r, location, changed.get("cfe", cfe), changed.get("intensity", intensity)) if r == region
            else (r, location, cfe, intensity) for r, location, cfe, intensity in gc.ROWS[year]]
    return gc.csv_bytes(year, rows)


@pytest.mark.parametrize("year, body, phrases", [
    (2021, _replace_row(2021, "asia-east1", intensity=-5),
     ["expect_column_values_to_be_between(Grid carbon intensity (gCO2eq / kWh))", "-5.0", "2021.csv:asia-east1"]),
    (2019, _replace_row(2019, "us-central1", cfe=1.7),
     ["expect_column_values_to_be_between(Google CFE)", "1.7", "2019.csv:us-central1"]),
    (2020, _replace_row(2020, "asia-east1", intensity=2500),
     ["expect_column_values_to_be_between(Lifecycle grid carbon intensity (gCO2eq / kWh))", "2500.0"]),
    (2022, gc.csv_bytes(2022, [*gc.ROWS[2022], gc.ROWS[2022][0]]),
     ["expect_compound_columns_to_be_unique(Google Cloud Region,year)", "2022.csv:asia-east1"]),
    (2024, gc.csv_bytes(2024, gc.ROWS[2024], intensity_header="Carbon intensity (gCO2e / kWh)"),
     ["expect_table_columns_to_match_set", "Carbon intensity (gCO2e / kWh)", "intensity_values", "2024.csv:"]),
])
def test_bad_file_fails_naming_file_and_problem_and_keeps_previous_tables(copied_grid_home, grid_mirror, year, body,
                                                                         phrases):
    warehouse = copied_grid_home / "warehouse.duckdb"
    before = query(warehouse, RAW), query(warehouse, MART)
    grid_mirror.add(gc.file_path(year), body)
    result = materialise(copied_grid_home, grid_mirror.base_url)
    assert not result.success
    message = failure_messages(result)
    assert "[google_region_carbon]" in message
    for phrase in phrases:
        assert phrase in message
    assert (query(warehouse, RAW), query(warehouse, MART)) == before
    assert scalar(warehouse, "select count(*) from raw_staging.google_region_carbon") > 0  # kept to inspect


def test_unreadable_file_is_named_with_duckdbs_problem(copied_grid_home, grid_mirror):
    warehouse = copied_grid_home / "warehouse.duckdb"
    before = query(warehouse, RAW)
    grid_mirror.add(gc.file_path(2022), gc.csv_bytes(2022, [("asia-east1", "Taiwan", "n/a", 453)]))
    result = materialise(copied_grid_home, grid_mirror.base_url)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error.message
    assert "[google_region_carbon] data/yearly/2022.csv (https://raw.githubusercontent.com/" in failure
    assert 'Error when converting column "Google CFE". Could not convert string "n/a"' in failure
    assert query(warehouse, RAW) == before


def test_configured_years_only_and_a_missing_lifecycle_header_still_builds(tmp_path, grid_mirror):
    home = tmp_path / "home"
    result = materialise(home, grid_mirror.base_url, GridCarbonSource(years=[2024, 2023]))
    assert result.success, failure_messages(result)
    warehouse = home / "warehouse.duckdb"
    columns = {r[0] for r in query(warehouse, "describe raw.google_region_carbon")}
    assert gc.LIFECYCLE_HEADER not in columns
    assert query(warehouse, """select year, intensity_basis, count(*) from marts.dim_grid_carbon_intensity
        group by all order by 1""") == [(2023, "grid", 5), (2024, "grid", 5)]


@pytest.mark.skipif(MIRROR is None, reason="no offline mirror here (ENERGY_INDEX_MIRROR or ../shared/mirror)")
def test_real_mirror_years_regions_and_intensities(tmp_path):
    home = tmp_path / "home"
    result = materialise(home, MIRROR)
    assert result.success, failure_messages(result)
    warehouse = home / "warehouse.duckdb"
    per_year = dict(query(warehouse, "select year, count(*) from marts.dim_grid_carbon_intensity group by 1"))
    assert per_year == {2019: 24, 2020: 27, 2021: 34, 2022: 36, 2023: 40, 2024: 44}
    assert scalar(warehouse, "select count(distinct region) from marts.dim_grid_carbon_intensity") == 44
    basis = dict(query(warehouse, "select intensity_basis, count(*) from marts.dim_grid_carbon_intensity group by 1"))
    assert basis == {"lifecycle": 51, "grid": 154}
    zeros = query(warehouse, """select region, year from marts.dim_grid_carbon_intensity
        where grid_gco2e_per_kwh = 0 order by year""")
    assert zeros == [("northamerica-northeast1", 2021), ("northamerica-northeast1", 2022)]
