"""Jobs and nightly schedules.

Corporate reports are a partitioned asset (one partition per report), so they run in their
own partitioned job, one run per report, at 01:30 UTC: a report that fails does so alone.
Everything else runs at 02:00 UTC in one unpartitioned job that reads whatever reports are
loaded. `refresh_all` runs both in that order, for `make run` and the tests.
"""

import dagster as dg

from energy_index.defs.corporate.assets import METRICS_KEY, TABLES_KEY
from energy_index.defs.corporate.registry import report_partitions

CORPORATE_REPORTS = dg.AssetSelection.assets(TABLES_KEY, METRICS_KEY)
# A run still going after this long is hung (a cold refresh takes about two minutes); run
# monitoring under `make dev` fails it and frees its pool slot.
MAX_RUNTIME = {"dagster/max_runtime": str(3 * 3600)}

refresh_everything = dg.define_asset_job(
    "refresh_everything",
    selection=dg.AssetSelection.all() - CORPORATE_REPORTS,
    description="Re-pull every source, re-validate, rebuild dbt models, retrain, publish.",
    # One step at a time in one process: DuckDB allows a single writer per file.
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

nightly_refresh = dg.ScheduleDefinition(
    name="nightly_refresh",
    job=refresh_everything,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Nightly refresh at 02:00 UTC; unchanged sources are cache hits.",
)


@dg.schedule(job=refresh_corporate_reports, cron_schedule="30 1 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING, name="nightly_corporate_reports")
def nightly_corporate_reports(context: dg.ScheduleEvaluationContext):
    """One run per registered report at 01:30 UTC, ahead of the 02:00 refresh that reads them."""
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    for report_id in report_partitions.get_partition_keys():
        yield dg.RunRequest(run_key=f"{report_id}:{day}", partition_key=report_id)


def refresh_all(definitions: dg.Definitions, instance: dg.DagsterInstance):
    """Every report partition, then everything else; returns ({report: result}, main result)."""
    reports_job = definitions.resolve_job_def("refresh_corporate_reports")
    reports = {key: reports_job.execute_in_process(partition_key=key, instance=instance, raise_on_error=False)
               for key in report_partitions.get_partition_keys()}
    main = definitions.resolve_job_def("refresh_everything").execute_in_process(
        instance=instance, raise_on_error=False)
    return reports, main
