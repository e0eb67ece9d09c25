"""Jobs and nightly schedules, which rebuild only what changed upstream or in code.

At 01:15 UTC `observe_sources` records what every source holds upstream (cheap: HEAD requests
and hashes). Corporate reports are a partitioned asset (one partition per report): at 01:30 one
run per report whose partition is stale, so a report that fails does so alone. At 02:00 one run
of every other asset that is stale or missing, and of what reads them; nothing stale, no run.
`make run` does the same in one go (operations/refresh.py).
"""

import dagster as dg
from dagster._core.loader import LoadingContextForTest

from energy_index.defs.corporate.assets import METRICS_KEY, TABLES_KEY
from energy_index.defs.corporate.registry import report_partitions
from energy_index.defs.operations.refresh import plan_refresh, record_verified

CORPORATE_REPORTS = dg.AssetSelection.assets(TABLES_KEY, METRICS_KEY)
UPSTREAM = dg.AssetSelection.key_prefixes("upstream", include_sources=True)
# A run still going after this long is hung (a cold refresh takes about two minutes); run
# monitoring under `make dev` fails it and frees its pool slot.
MAX_RUNTIME = {"dagster/max_runtime": str(3 * 3600)}

refresh_everything = dg.define_asset_job(
    "refresh_everything",
    selection=dg.AssetSelection.all() - CORPORATE_REPORTS - UPSTREAM,
    description="Pull, validate, rebuild dbt models, retrain and publish (the stale ones, as launched).",
    # One step at a time in one process: DuckDB allows a single writer per file.
    executor_def=dg.in_process_executor,
    tags=MAX_RUNTIME,
)

observe_sources = dg.define_asset_job(
    "observe_sources",
    selection=UPSTREAM,
    description="Record what every source holds upstream now (HEAD requests and hashes; nothing downloaded).",
    executor_def=dg.in_process_executor,
    tags=MAX_RUNTIME,
)

refresh_corporate_reports = dg.define_asset_job(
    "refresh_corporate_reports",
    selection=CORPORATE_REPORTS,
    partitions_def=report_partitions,
    description="Download and parse one registered corporate report (one run per partition).",
    executor_def=dg.in_process_executor,
    tags=MAX_RUNTIME,
)

nightly_observe = dg.ScheduleDefinition(
    name="nightly_observe", job=observe_sources, cron_schedule="15 1 * * *", execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="01:15 UTC: observe every source ahead of the refreshes that act on what changed.")


def _plan(context: dg.ScheduleEvaluationContext):
    """The plan `make run` makes: what is stale or missing, and everything that reads it."""
    return plan_refresh(context.instance, context.repository_def.asset_graph, LoadingContextForTest(context.instance))


def _observed_today(context: dg.ScheduleEvaluationContext) -> bool:
    """Whether the latest `observe_sources` run succeeded within the last day: only then does an
    up-to-date plan say the marts are current."""
    runs = context.instance.get_runs(dg.RunsFilter(job_name=observe_sources.name), limit=1)
    if not runs or runs[0].status != dg.DagsterRunStatus.SUCCESS:
        return False
    record = context.instance.get_run_record_by_id(runs[0].run_id)
    ended = record.end_time if record else None
    return ended is not None and context.scheduled_execution_time.timestamp() - ended < 24 * 3600


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


@dg.schedule(job=refresh_corporate_reports, cron_schedule="30 1 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING, name="nightly_corporate_reports")
def nightly_corporate_reports(context: dg.ScheduleEvaluationContext):
    """01:30 UTC: one run per registered report whose partition is stale (its PDF or the reader changed)."""
    plan = _plan(context)
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    if not plan.partitions:
        return dg.SkipReason(f"every report is up to date ({len(plan.unavailable)} not available upstream)")
    return [dg.RunRequest(run_key=f"{report_id}:{day}", partition_key=report_id) for report_id in plan.partitions]
