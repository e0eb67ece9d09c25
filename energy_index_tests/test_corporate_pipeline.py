"""Corporate reports through the pipeline: partitions, metrics mart, emission factors, CO2e."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._core.storage.event_log.base import AssetRecordsFilter

from energy_index.definitions import build_definitions
from energy_index.defs.corporate.assets import CHECK, METRICS_KEY
from energy_index.defs.corporate.registry import REPORTS
from energy_index.defs.operations.launch import InProcessLauncher
from energy_index.defs.operations.refresh import REPORTS_JOB, RefreshPlan
from energy_index.defs.resources import build_resources
from energy_index.defs.sources.fetcher import SourceFetcher
from energy_index.settings import load_settings
from energy_index_tests.conftest import mirror_path
from energy_index_tests.fixtures import corporate, report_layouts
from energy_index_tests.fixtures.pipeline import (
    covered_partitions,
    environment,
    failure_messages,
    instance_beside,
    partition_check,
    published,
    query,
    run_changed,
    run_everything,
    run_partition,
    scalar,
    sources_environment,
)

FACT_SHEET = "microsoft_2024_data_fact_sheet"
GOOGLE = "google_2024_environmental_report"
MAIN_REPORT = "microsoft_2024_environmental_sustainability_report"
META = "meta_2023"  # Google's neighbour in the registry's order, which the generated sources leave out
DEFAULT_PUE = 1.58  # the assumptions seed's default_pue


def latest_partition_metadata(instance: dg.DagsterInstance, key: dg.AssetKey, partition: str) -> dict:
    """What the UI's partition page shows as the partition's latest materialisation."""
    records = instance.fetch_materializations(AssetRecordsFilter(asset_key=key, asset_partitions=[partition]),
                                              limit=1).records
    return records[0].asset_materialization.metadata


def plan_now(home, mirror: str) -> RefreshPlan:
    """What the next refresh of `home` would run, from its instance as it is (nothing observed or run)."""
    with environment(**sources_environment(home, mirror)):
        definitions = build_definitions(build_resources(load_settings()))
        return InProcessLauncher(definitions, instance_beside(home)).plan()


def test_each_report_is_a_partition_and_a_missing_one_is_skipped_not_failed(built_home):
    statuses = dict(query(built_home / "warehouse.duckdb",
                          "select report_id, status from raw.corporate_report_status"))
    served = {FACT_SHEET: "parsed", GOOGLE: "parsed", MAIN_REPORT: "unavailable"}
    assert {k: statuses[k] for k in served} == served
    assert all(statuses[k] == "unavailable" for k in set(REPORTS) - set(served)), "the loopback mirror serves no others"
    detail = scalar(built_home / "warehouse.duckdb",
                    f"select detail from raw.corporate_report_status where report_id = '{MAIN_REPORT}'")
    assert "not in the mirror" in detail
    assert scalar(published(built_home), "select count(*) from marts.fct_corporate_metrics "
                                         f"where report_id = '{MAIN_REPORT}'") == 0, "an unread report adds no rows"


def test_corporate_metrics_mart_keeps_provenance(built_home):
    rows = query(published(built_home), """
        select company, fiscal_year, value, unit, source_page, table_title, raw_label
        from marts.fct_corporate_metrics
        where is_primary and metric = 'scope2_location' and region is null order by company, fiscal_year""")
    assert rows[0][:4] == ("Google", 2023, 9_252_900, "tCO2e")
    assert rows[-1][:5] == ("Microsoft", 2023, 8_077_403, "tCO2e", 2)
    assert rows[-1][5].startswith("Table 1A") and rows[-1][6] == "Location-based"
    regions = scalar(built_home / "warehouse.duckdb", """select count(distinct region) from marts.fct_corporate_metrics
        where metric = 'scope1' and region is not null""")
    assert regions == 2


def test_emission_factors_by_hand(built_home):
    row = query(built_home / "warehouse.duckdb", """select location_kg_per_kwh, market_kg_per_kwh, pue, pue_source
        from marts.fct_corporate_emission_factors where company = 'Microsoft' and fiscal_year = 2023""")[0]
    assert row[0] == pytest.approx(8_077_403 / 23_567_502)
    assert row[1] == pytest.approx(393_134 / 23_567_502)
    assert row[2:] == (DEFAULT_PUE, "assumed (default_pue)")
    google = query(built_home / "warehouse.duckdb", """select pue, pue_source, location_kg_per_kwh
        from marts.fct_corporate_emission_factors where company = 'Google' and fiscal_year = 2023""")[0]
    assert google == (1.10, "reported", None)  # no electricity in the fixture: no factor, but its PUE


def test_workload_emissions_are_energy_times_pue_times_factor(built_home):
    warehouse = built_home / "warehouse.duckdb"
    energy_j, location, market = query(warehouse, """
        select energy_j, location_gco2e_per_unit, market_gco2e_per_unit from marts.fct_workload_emissions
        where factor_source = 'company' and factor_entity = 'Microsoft' and factor_year = 2023
        order by run_id limit 1""")[0]
    assert location == pytest.approx(energy_j / 3.6e6 * DEFAULT_PUE * 8_077_403 / 23_567_502 * 1000)
    assert market == pytest.approx(energy_j / 3.6e6 * DEFAULT_PUE * 393_134 / 23_567_502 * 1000)
    sources = dict(query(warehouse, "select factor_source, count(distinct run_id) from marts.fct_workload_emissions group by 1"))
    runs = scalar(warehouse, "select count(*) from marts.fct_workload_energy")
    assert sources == {"company": runs, "cloud_region": runs, "country": runs}


def test_task_emissions_and_closure(built_home):
    warehouse = built_home / "warehouse.duckdb"
    energy_kwh, location_kg = query(warehouse, """select energy_kwh, location_kgco2e from marts.fct_task_emissions
        where company = 'Microsoft' and fiscal_year = 2023 and task_name = 'write computer programs.'""")[0]
    assert location_kg == pytest.approx(energy_kwh * DEFAULT_PUE * 8_077_403 / 23_567_502)
    bottom_up, reported, share = query(warehouse, """select bottom_up_mwh, reported_electricity_mwh,
        share_of_reported_electricity_pct from marts.fct_energy_closure where company = 'Microsoft' and fiscal_year = 2023""")[0]
    assert reported == 23_567_502 and share == pytest.approx(bottom_up / reported * 100)


def test_every_parsed_report_passes_its_checks(built_home):
    rows = dict(query(built_home / "warehouse.duckdb",
                      "select report_id, checks_passed from raw.corporate_report_status where status = 'parsed'"))
    assert rows == {FACT_SHEET: True, GOOGLE: True}


def test_a_report_failing_its_checks_is_flagged_not_dropped(refreshed_home, mirror):
    copied_home = refreshed_home
    mirror.add(mirror_path(REPORTS[FACT_SHEET].url), corporate.inconsistent_fact_sheet())
    reports, main = run_changed(copied_home, mirror.base_url)
    assert set(reports) == {FACT_SHEET}, "only the changed report is read again"
    assert reports[FACT_SHEET].success and main.success, "a failing check flags, it does not block"
    check = partition_check(reports[FACT_SHEET], CHECK, FACT_SHEET)
    assert not check.passed
    failing = [record.data for record in check.metadata["failing_comparisons"].records]
    assert any("scope1 + scope2_market vs scope1_2_market 2023" in f["rows"] for f in failing)
    warehouse = copied_home / "warehouse.duckdb"
    assert scalar(warehouse, f"select checks_passed from raw.corporate_report_status where report_id = '{FACT_SHEET}'") is False
    assert scalar(warehouse, """select value from marts.fct_corporate_metrics where is_primary
        and metric = 'scope1_2_market' and fiscal_year = 2023 and company = 'Microsoft'""") == 600_000


def test_an_unreadable_report_fails_alone(refreshed_home, mirror):
    """Two neighbouring reports change upstream, so one run reads both; Google's page is not a PDF,
    so that run fails having written nothing, and each report then runs alone: Google's fails,
    Meta's (served for the first time, a report without figures) loads, and so does what reads them."""
    mirror.add(mirror_path(REPORTS[GOOGLE].url), b"<html>Service unavailable</html>")
    mirror.add(mirror_path(REPORTS[META].url), report_layouts.no_ghg_table())
    reports, main = run_changed(refreshed_home, mirror.base_url)
    assert set(reports) == {GOOGLE, META}
    assert not reports[GOOGLE].success and covered_partitions(reports[GOOGLE]) == [GOOGLE]
    assert "not a PDF" in failure_messages(reports[GOOGLE])
    assert reports[META].success and covered_partitions(reports[META]) == [META]
    assert main.success, "the other reports and everything downstream go on"
    statuses = dict(query(refreshed_home / "warehouse.duckdb", "select report_id, status from raw.corporate_report_status"))
    assert (statuses[GOOGLE], statuses[META]) == ("failed", "no_figures")
    assert scalar(published(refreshed_home),
                  "select count(*) from marts.fct_corporate_metrics where company = 'Google'") > 0, \
        "Google's last good metrics stay"
    shown = latest_partition_metadata(instance_beside(refreshed_home), METRICS_KEY, GOOGLE)
    assert (shown["status"].value, shown["report_status"].value) == ("unread", "failed")
    assert "google-2024-environmental-report.pdf" in shown["reason"].value and "not a PDF" in shown["reason"].value
    check = partition_check(reports[GOOGLE], CHECK, GOOGLE)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    plan = plan_now(refreshed_home, mirror.base_url)
    assert (REPORTS_JOB, GOOGLE) in plan.partitions and (REPORTS_JOB, META) not in plan.partitions, \
        "the failed read is tried again by the next refresh, though its file did not change"
    assert plan.reasons[f"raw/corporate_report_metrics[{GOOGLE}]"] == "its last read failed"


def test_online_http_failure_is_a_failure(copied_home):
    """Without a mirror a failed download (no network here) is an error, not 'unavailable'."""
    fetcher = SourceFetcher(cache_dir=str(copied_home / "cache"), retries=0, connect_timeout_s=2)
    reports, _ = run_everything(copied_home, None, fetcher=fetcher)
    assert not reports[MAIN_REPORT].success
    assert "download failed" in failure_messages(reports[MAIN_REPORT])


def test_reader_accuracy_is_scored_in_the_pipeline(built_home):
    exact, truth_rows, truth_set = query(built_home / "warehouse.duckdb", f"""select exact, truth_rows, truth_set
        from quality.corporate_reader_accuracy where document = '{FACT_SHEET}'""")[0]
    assert (exact, truth_rows, truth_set) == (16, 16, "reference")
    outcomes = dict(query(built_home / "warehouse.duckdb", """select outcome, count(*)
        from quality.corporate_reader_scored_rows group by 1"""))
    assert outcomes == {"exact": 16}


@pytest.mark.parametrize("pdf, status, detail", [
    (report_layouts.no_ghg_table(), "no_figures", "no GHG figures found"),
    (report_layouts.scanned(rows=[]), "no_text_layer", "no text layer"),
])
def test_a_report_without_figures_is_a_status_and_keeps_the_last_good_rows(copied_home, mirror, pdf, status, detail):
    """The report's partition alone (what reads it is the same as for any report run: the tests
    above run it); a scan or a PDF without figures is a status, never a crash."""
    mirror.add(mirror_path(REPORTS[GOOGLE].url), pdf)
    result = run_partition(copied_home, mirror.base_url, REPORTS_JOB, GOOGLE)
    assert result.success, "never a crash"
    warehouse = copied_home / "warehouse.duckdb"
    row = query(warehouse, f"select status, detail from raw.corporate_report_status where report_id = '{GOOGLE}'")[0]
    assert row[0] == status and detail in row[1]
    assert scalar(warehouse, "select count(*) from raw.corporate_report_metrics "
                             f"where report_id = '{GOOGLE}' and is_primary") > 0, "the last good rows stay"
    shown = next(event.materialization.metadata for event in result.get_asset_materialization_events()
                 if event.asset_key == METRICS_KEY)
    assert shown["status"].value == "unread" and detail in shown["reason"].value and shown["rows_kept"].value > 0
    check = partition_check(result, CHECK, GOOGLE)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN, "an unread report's check is not green"


def test_a_unit_error_is_flagged_and_its_factor_not_used(refreshed_home, mirror):
    """FY23 electricity printed in thousands of MWh: a 1000x drop the sanity rules flag."""
    copied_home = refreshed_home
    mirror.add(mirror_path(REPORTS[FACT_SHEET].url), corporate.fact_sheet_with_unit_error())
    reports, main = run_changed(copied_home, mirror.base_url)
    assert reports[FACT_SHEET].success and main.success
    check = partition_check(reports[FACT_SHEET], CHECK, FACT_SHEET)
    failing = [record.data for record in check.metadata["failing_values"].records]
    assert not check.passed and any("sanity_issue" in str(f) for f in failing)
    warehouse = copied_home / "warehouse.duckdb"
    usable = dict(query(warehouse, """select fiscal_year, has_factor from marts.fct_corporate_emission_factors
        where company = 'Microsoft'"""))
    assert usable[2023] is False and usable[2021] is True
    assert scalar(warehouse, """select count(*) from marts.fct_workload_emissions where factor_source = 'company'
        and factor_entity = 'Microsoft' and factor_year = 2023""") == 0
