"""Jobs and nightly schedules, which rebuild only what changed upstream or in code.

At 01:15 UTC `observe_sources` records what every source holds upstream (cheap: HEAD requests
and hashes). Corporate reports and Economic Index releases are partitioned (one partition per
report, per release): at 01:30 one run reads the stale reports together (one per contiguous range
of them); should it fail, `isolate_failed_batches` runs each of its reports alone, so a report
that fails does so alone. At 01:45 one run per stale release. At 02:00 one run of every other
asset that is stale or missing, and of what reads them; nothing stale, no run. `make run` does
the same in one go (operations/refresh.py).
"""

import dagster as dg
from dagster._core.loader import LoadingContextForTest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from energy_index.defs.corporate.assets import METRICS_KEY, TABLES_KEY
from energy_index.defs.corporate.registry import report_partitions
from energy_index.defs.economic_index.assets import economic_index_release
from energy_index.defs.economic_index.releases import release_partitions
from energy_index.defs.economic_index.source import FILES_KEY, UPSTREAM_ECONOMIC_INDEX
from energy_index.defs.mlenergy.assets import mlenergy_release
from energy_index.defs.mlenergy.releases import mlenergy_release_partitions
from energy_index.defs.mlenergy.source import FILES_KEY as BENCHMARK_FILES_KEY
from energy_index.defs.mlenergy.source import UPSTREAM_MLENERGY
from energy_index.defs.operations.launch import partition_tags
from energy_index.defs.operations.refresh import (
    BENCHMARKS_JOB,
    OBSERVE_BENCHMARKS_JOB,
    OBSERVE_JOB,
    OBSERVE_JOBS,
    OBSERVE_RELEASES_JOB,
    RELEASES_JOB,
    REPORTS_JOB,
    partition_runs,
    plan_refresh,
    record_verified,
)

CORPORATE_REPORTS = dg.AssetSelection.assets(TABLES_KEY, METRICS_KEY)
ECONOMIC_INDEX_RELEASES = dg.AssetSelection.assets(FILES_KEY, *economic_index_release.keys)
UPSTREAM = dg.AssetSelection.key_prefixes("upstream", include_sources=True)
MLENERGY_RELEASES = dg.AssetSelection.assets(BENCHMARK_FILES_KEY, *mlenergy_release.keys)
# A job's partitioned assets must share one partitioning: the releases are observed by their own jobs.
UPSTREAM_RELEASES = dg.AssetSelection.assets(UPSTREAM_ECONOMIC_INDEX)
UPSTREAM_BENCHMARKS = dg.AssetSelection.assets(UPSTREAM_MLENERGY)
# A run still going after this long is hung (a cold refresh takes about two minutes); run
# monitoring under `make dev` fails it and frees its pool slot.
MAX_RUNTIME = {"dagster/max_runtime": str(3 * 3600)}


def _job(name: str, selection: dg.AssetSelection, description: str,
         partitions_def: dg.PartitionsDefinition | None = None):
    """A job of the pipeline: one step at a time in one process (DuckDB allows a single writer per
    file), failed by run monitoring when it runs past MAX_RUNTIME."""
    return dg.define_asset_job(name, selection=selection, description=description, partitions_def=partitions_def,
                               executor_def=dg.in_process_executor, tags=MAX_RUNTIME)


refresh_everything = _job(
    "refresh_everything",
    dg.AssetSelection.all() - CORPORATE_REPORTS - ECONOMIC_INDEX_RELEASES - MLENERGY_RELEASES - UPSTREAM,
    "Pull, validate, rebuild dbt models, retrain and publish (the stale ones, as launched).")
observe_sources = _job(
    OBSERVE_JOB, UPSTREAM - UPSTREAM_RELEASES - UPSTREAM_BENCHMARKS,
    "Record what every source holds upstream now (HEAD requests and hashes; nothing downloaded).")
refresh_corporate_reports = _job(
    REPORTS_JOB, CORPORATE_REPORTS,
    "Download and parse registered corporate reports (one run per stale range of them, read in parallel).",
    report_partitions)
observe_economic_index_releases = _job(
    OBSERVE_RELEASES_JOB, UPSTREAM_RELEASES,
    "Record what each registered Economic Index release holds upstream now (nothing downloaded).")
refresh_economic_index_releases = _job(
    RELEASES_JOB, ECONOMIC_INDEX_RELEASES,
    "Download, validate and load one registered Economic Index release (one run per partition).", release_partitions)
observe_mlenergy_releases = _job(
    OBSERVE_BENCHMARKS_JOB, UPSTREAM_BENCHMARKS,
    "Record what each registered ML.ENERGY benchmark release holds upstream now (nothing downloaded).")
refresh_mlenergy_releases = _job(
    BENCHMARKS_JOB, MLENERGY_RELEASES,
    "Download, validate and load one registered ML.ENERGY benchmark release (one run per partition).",
    mlenergy_release_partitions)

nightly_observe = dg.ScheduleDefinition(
    name="nightly_observe", job=observe_sources, cron_schedule="15 1 * * *", execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="01:15 UTC: observe every source ahead of the refreshes that act on what changed.")

nightly_observe_releases = dg.ScheduleDefinition(
    name="nightly_observe_releases", job=observe_economic_index_releases, cron_schedule="15 1 * * *",
    execution_timezone="UTC", default_status=dg.DefaultScheduleStatus.RUNNING,
    description="01:15 UTC: observe every registered Economic Index release ahead of the refreshes.")

nightly_observe_benchmarks = dg.ScheduleDefinition(
    name="nightly_observe_benchmarks", job=observe_mlenergy_releases, cron_schedule="15 1 * * *",
    execution_timezone="UTC", default_status=dg.DefaultScheduleStatus.RUNNING,
    description="01:15 UTC: observe every registered ML.ENERGY benchmark release ahead of the refreshes.")


def _plan(context: dg.ScheduleEvaluationContext):
    """The plan `make run` makes: what is stale or missing, and everything that reads it."""
    return plan_refresh(context.instance, context.repository_def.asset_graph, LoadingContextForTest(context.instance))


def _observed_today(context: dg.ScheduleEvaluationContext) -> bool:
    """Whether the latest run of each observing job succeeded within the last day: only then does an
    up-to-date plan say the marts are current."""
    for job in OBSERVE_JOBS:
        runs = context.instance.get_runs(dg.RunsFilter(job_name=job), limit=1)
        if not runs or runs[0].status != dg.DagsterRunStatus.SUCCESS:
            return False
        record = context.instance.get_run_record_by_id(runs[0].run_id)
        ended = record.end_time if record else None
        if ended is None or context.scheduled_execution_time.timestamp() - ended >= 24 * 3600:
            return False
    return True


@dg.schedule(job=refresh_everything, cron_schedule="0 2 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING, name="nightly_refresh")
def nightly_refresh(context: dg.ScheduleEvaluationContext):
    """02:00 UTC: rebuild the assets that are stale or missing and those downstream of them; none, no run.
    (Dagster's own `stale_assets_only` would rebuild one level a night: an asset becomes stale only
    once what it reads has been rebuilt.)"""
    plan = _plan(context)
    if _observed_today(context):
        record_verified(context.instance, plan)
    if not plan.assets:
        return dg.SkipReason(f"every asset is up to date ({len(plan.up_to_date)} checked)")
    return dg.RunRequest(run_key=context.scheduled_execution_time.strftime("%Y-%m-%d"), asset_selection=plan.assets)


def _partition_runs(context: dg.ScheduleEvaluationContext, job: str, what: str):
    """The run requests that load `job`'s stale partitions today (operations/refresh.py's
    `partition_runs`: a batched source's together); none, a skip saying why."""
    plan = _plan(context)
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    runs = [keys for planned_job, keys in partition_runs(plan.partitions) if planned_job == job]
    if not runs:
        return dg.SkipReason(f"every {what} is up to date ({len(plan.unavailable)} not available upstream)")
    return [dg.RunRequest(run_key=f"{keys[0]}:{day}", partition_key=keys[0]) if len(keys) == 1 else
            dg.RunRequest(run_key=f"{keys[0]}...{keys[-1]}:{day}", tags=partition_tags(None, (keys[0], keys[-1])))
            for keys in runs]


@dg.run_failure_sensor(name="isolate_failed_batches", monitored_jobs=[refresh_corporate_reports],
                       request_job=refresh_corporate_reports, default_status=dg.DefaultSensorStatus.RUNNING)
def isolate_failed_batches(context: dg.RunFailureSensorContext):
    """When a run of several reports fails, runs each of them alone, so the report at fault fails
    alone and the others load (as `make run` does itself)."""
    tags = context.dagster_run.tags
    first, last = tags.get(ASSET_PARTITION_RANGE_START_TAG), tags.get(ASSET_PARTITION_RANGE_END_TAG)
    if first is None or first == last:
        return dg.SkipReason("the failed run was for one report: it failed alone")
    keys = report_partitions.get_partition_keys()
    return [dg.RunRequest(run_key=f"{context.dagster_run.run_id}:{key}", partition_key=key)
            for key in keys[keys.index(first):keys.index(last) + 1]]


@dg.schedule(job=refresh_corporate_reports, cron_schedule="30 1 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING, name="nightly_corporate_reports")
def nightly_corporate_reports(context: dg.ScheduleEvaluationContext):
    """01:30 UTC: one run per registered report whose partition is stale (its PDF or the reader changed)."""
    return _partition_runs(context, REPORTS_JOB, "report")


@dg.schedule(job=refresh_economic_index_releases, cron_schedule="45 1 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING, name="nightly_economic_index_releases")
def nightly_economic_index_releases(context: dg.ScheduleEvaluationContext):
    """01:45 UTC: one run per registered Economic Index release that is new or changed upstream."""
    return _partition_runs(context, RELEASES_JOB, "release")


@dg.schedule(job=refresh_mlenergy_releases, cron_schedule="50 1 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING, name="nightly_mlenergy_releases")
def nightly_mlenergy_releases(context: dg.ScheduleEvaluationContext):
    """01:50 UTC: one run per registered ML.ENERGY benchmark release that is new or changed upstream."""
    return _partition_runs(context, BENCHMARKS_JOB, "benchmark release")
