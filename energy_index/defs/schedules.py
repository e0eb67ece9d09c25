"""The nightly refresh: every asset, in dependency order, at 02:00 UTC."""

from __future__ import annotations

import dagster as dg

refresh_everything = dg.define_asset_job(
    "refresh_everything",
    selection=dg.AssetSelection.all(),
    description="Re-pull every source, re-validate, rebuild dbt models, retrain, publish.",
    # One step at a time in one process: DuckDB allows a single writer per file.
    executor_def=dg.in_process_executor,
)

nightly_refresh = dg.ScheduleDefinition(
    name="nightly_refresh",
    job=refresh_everything,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Nightly refresh at 02:00 UTC; unchanged sources are cache hits.",
)
