"""The code location loads: every asset, check, job and schedule, each asset described."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from energy_index.definitions import defs


def test_definitions_load_with_the_whole_graph():
    definitions = defs()
    keys = {key.to_user_string() for key in definitions.resolve_all_asset_keys()}
    assert {"sources/mlenergy_release_files", "raw/mlenergy_runs", "raw/mlenergy_models",
            "staging/stg_mlenergy__runs", "marts/fct_workload_energy",
            "ml/energy_classifier_baseline", "publish/analytics_snapshot"} <= keys


def test_every_asset_has_a_description():
    graph = defs().resolve_asset_graph()
    undescribed = [key.to_user_string() for key in graph.get_all_asset_keys()
                   if not (graph.get(key).description or "").strip()]
    assert undescribed == []


def test_raw_tables_have_blocking_great_expectations_checks_and_dbt_tests_are_checks():
    graph = defs().resolve_asset_graph()
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert ("raw/mlenergy_runs", "great_expectations_suite") in checks
    assert ("marts/fct_workload_energy", "assert_energy_labels_balanced") in checks
    assert ("marts/fct_workload_energy", "unique_fct_workload_energy_run_id") in checks
    spec = next(iter(defs().resolve_assets_def(dg.AssetKey(["raw", "mlenergy_runs"])).check_specs))
    assert spec.blocking



def test_every_singular_dbt_test_is_a_check_on_the_model_it_judges():
    """A singular test that reads several models is only a check (not a bare observation, with a
    warning in the run log) if it names its model in `meta.dagster.ref`."""
    from energy_index.settings import DBT_PROJECT_DIR

    checks = {c.name: c.asset_key.to_user_string() for c in defs().resolve_asset_graph().asset_check_keys}
    singular = {path.stem for path in (DBT_PROJECT_DIR / "tests").glob("*.sql")}
    assert {name: checks.get(name) for name in singular} == {
        "assert_energy_labels_balanced": "marts/fct_workload_energy",
        "assert_one_reference_scenario": "intermediate/int_energy__chat_scenarios",
        "assert_task_energy_rolls_up_to_occupations": "marts/fct_occupation_energy",
        "assert_task_share_allocation_conserved": "marts/fct_occupation_usage",
        "assert_usable_factors_have_clean_inputs": "marts/fct_corporate_emission_factors"}

def test_nightly_schedules_observe_then_rebuild_what_is_stale(tmp_path):
    definitions = defs()
    schedule = definitions.resolve_schedule_def("nightly_refresh")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.execution_timezone == "UTC"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    covered = set()
    for name in ("observe_sources", "observe_economic_index_releases", "observe_mlenergy_releases",
                 "refresh_everything", "refresh_corporate_reports", "refresh_economic_index_releases",
                 "refresh_mlenergy_releases"):
        covered |= set(definitions.resolve_job_def(name).asset_layer.executable_asset_keys)
    assert covered >= set(definitions.resolve_all_asset_keys()), "the nightly jobs cover every asset"
    observe = definitions.resolve_schedule_def("nightly_observe")
    assert observe.cron_schedule == "15 1 * * *", "sources are observed before the refreshes plan"
    request = schedule(dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
                                                 instance=dg.DagsterInstance.local_temp(str(tmp_path)),
                                                 repository_def=definitions.get_repository_def()))
    never_built = definitions.resolve_job_def("refresh_everything").asset_layer.executable_asset_keys
    assert set(request.asset_selection) == set(never_built), "a new instance: every asset is missing, so planned"
    reports = definitions.resolve_schedule_def("nightly_corporate_reports")
    assert reports.cron_schedule == "30 1 * * *" and reports.execution_timezone == "UTC"
    assert reports.default_status == dg.DefaultScheduleStatus.RUNNING
    releases = definitions.resolve_schedule_def("nightly_economic_index_releases")
    assert releases.cron_schedule == "45 1 * * *" and releases.default_status == dg.DefaultScheduleStatus.RUNNING
    benchmarks = definitions.resolve_schedule_def("nightly_mlenergy_releases")
    assert benchmarks.cron_schedule == "50 1 * * *" and benchmarks.default_status == dg.DefaultScheduleStatus.RUNNING


def test_report_schedule_requests_one_run_of_every_report_never_materialised(tmp_path):
    """The reports are batched: every stale report in one run (they are contiguous when none was ever
    read); should that run fail, the sensor runs each report alone."""
    from energy_index.defs.corporate.registry import REPORTS
    definitions = defs()
    schedule = definitions.resolve_schedule_def("nightly_corporate_reports")
    instance = dg.DagsterInstance.local_temp(str(tmp_path))
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 23, 1, 30, tzinfo=UTC),
                                        repository_def=definitions.get_repository_def(), instance=instance)
    (request,) = schedule.evaluate_tick(context).run_requests
    keys = sorted(REPORTS)
    assert (request.tags[ASSET_PARTITION_RANGE_START_TAG], request.tags[ASSET_PARTITION_RANGE_END_TAG]) == \
        (keys[0], keys[-1])

    failed = dg.DagsterRun(job_name="refresh_corporate_reports", status=dg.DagsterRunStatus.FAILURE,
                           tags=request.tags)
    sensor = definitions.resolve_sensor_def("isolate_failed_batches")
    alone = sensor(dg.build_run_status_sensor_context(
        sensor_name="isolate_failed_batches", dagster_instance=instance, dagster_run=failed,
        dagster_event=dg.DagsterEvent(event_type_value="PIPELINE_FAILURE", job_name=failed.job_name),
        repository_def=definitions.get_repository_def()).for_run_failure())
    assert sorted(r.partition_key for r in alone) == keys


def test_release_schedule_requests_one_run_per_release_never_materialised(tmp_path):
    from energy_index.defs.economic_index.releases import RELEASES
    definitions = defs()
    schedule = definitions.resolve_schedule_def("nightly_economic_index_releases")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 23, 1, 45, tzinfo=UTC),
                                        repository_def=definitions.get_repository_def(),
                                        instance=dg.DagsterInstance.local_temp(str(tmp_path)))
    requests = list(schedule.evaluate_tick(context).run_requests)
    assert sorted(r.partition_key for r in requests) == sorted(RELEASES)
    assert {r.job_name for r in requests} <= {None, "refresh_economic_index_releases"}


def test_freshness_checks_say_what_they_check_and_still_run(tmp_path):
    """Each mart's freshness check carries this project's description (the window and why), and
    a check so described still runs: on a mart just built, it passes."""
    from energy_index.defs.domains import FRESHNESS_DESCRIPTION, freshness_checks
    from energy_index.defs.footprint.recording import PipelineFootprint

    graph = defs().resolve_asset_graph()
    freshness = [key for key in graph.asset_check_keys if key.name == "freshness_check"]
    assert len(freshness) > 20
    assert {graph.get_check_spec(key).description for key in freshness} == {FRESHNESS_DESCRIPTION}
    assert "30 hours" in FRESHNESS_DESCRIPTION

    @dg.asset(key=["marts", "fct_example"])
    def mart() -> None:
        """A mart to check."""

    checks = freshness_checks([dg.Definitions(assets=[mart])])
    footprint = PipelineFootprint(warehouse=str(tmp_path / "warehouse.duckdb"), enabled=False)  # the checks' hooks
    result = dg.materialize([mart, *checks], instance=dg.DagsterInstance.ephemeral(), resources={"footprint": footprint})
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.passed and evaluation.asset_key == dg.AssetKey(["marts", "fct_example"])
    assert {spec.description for spec in checks[0].check_specs} == {FRESHNESS_DESCRIPTION}
