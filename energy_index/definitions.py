"""The one Dagster entry point: every domain's assets, checks, jobs, schedules and resources."""

from __future__ import annotations

import dagster as dg
from dagster._core.definitions.external_asset import create_external_asset_from_source_asset

from energy_index.defs.analysis.gpu_comparison import gpu_comparison
from energy_index.defs.analysis.scenarios import fct_scenarios
from energy_index.defs.code_versions import versioned
from energy_index.defs.corporate.accuracy import corporate_reader_accuracy, upstream_reader_truth
from energy_index.defs.corporate.assets import corporate_reports, upstream_corporate_reports
from energy_index.defs.economic_index.assets import raw_tables as economic_index_raw_tables
from energy_index.defs.economic_index.checks import interaction_shares_sum_to_100, task_statement_match_rate
from energy_index.defs.economic_index.report import economic_index_usage
from energy_index.defs.estimates.inference_assets import fct_inference_estimator_accuracy
from energy_index.defs.estimates.reference_assets import (
    accelerator_specs,
    training_reference,
    upstream_training_reference,
)
from energy_index.defs.estimates.training_assets import fct_training_emissions
from energy_index.defs.footprint.assets import pipeline_emissions
from energy_index.defs.footprint.countries import codecarbon_country_energy_mix, upstream_codecarbon_country_energy_mix
from energy_index.defs.footprint.hooks import FOOTPRINT_HOOKS
from energy_index.defs.grid_carbon.assets import (
    google_region_carbon,
    google_region_carbon_files,
    upstream_google_region_carbon,
)
from energy_index.defs.ml.assets import energy_classifier_baseline
from energy_index.defs.ml.energy_models import energy_drivers, energy_model_evaluation, energy_model_production
from energy_index.defs.ml.tradeoffs import fct_model_tradeoffs
from energy_index.defs.mlenergy.assets import mlenergy_models, mlenergy_runs
from energy_index.defs.operations.run_health import dead_run_reaper
from energy_index.defs.publish.assets import analytics_snapshot
from energy_index.defs.ratings.assets import fct_model_ratings, model_labels
from energy_index.defs.resources import build_resources
from energy_index.defs.schedules import (
    nightly_corporate_reports,
    nightly_observe,
    nightly_refresh,
    observe_sources,
    refresh_corporate_reports,
    refresh_everything,
)
from energy_index.defs.sources.assets import (
    economic_index_files,
    mlenergy_archive,
    upstream_economic_index,
    upstream_mlenergy_archive,
)
from energy_index.defs.transform.assets import dbt_models
from energy_index.settings import load_settings

# What each source holds upstream, observed before anything is downloaded (sources/upstream.py).
UPSTREAM_SOURCES = [create_external_asset_from_source_asset(source) for source in [
    upstream_mlenergy_archive,
    upstream_economic_index,
    upstream_corporate_reports,
    upstream_reader_truth,
    upstream_google_region_carbon,
    upstream_codecarbon_country_energy_mix,
    upstream_training_reference,
]]

# Every asset and check carries the footprint hooks, so every step of any run (the jobs, the
# schedules, `make run`, a materialisation launched from the asset graph) is measured; every
# Python asset carries its domain's code version, so an unchanged one on unchanged inputs is skipped.
ALL_ASSETS = [versioned(a).with_hooks(FOOTPRINT_HOOKS) for a in [
    *UPSTREAM_SOURCES,
    mlenergy_archive,
    mlenergy_runs,
    mlenergy_models,
    economic_index_files,
    *economic_index_raw_tables,
    corporate_reports,
    corporate_reader_accuracy,
    google_region_carbon_files,
    google_region_carbon,
    codecarbon_country_energy_mix,
    pipeline_emissions,
    dbt_models,
    economic_index_usage,
    energy_classifier_baseline,
    energy_model_evaluation,
    energy_model_production,
    energy_drivers,
    fct_model_tradeoffs,
    gpu_comparison,
    fct_scenarios,
    training_reference,
    accelerator_specs,
    fct_training_emissions,
    fct_inference_estimator_accuracy,
    fct_model_ratings,
    model_labels,
    analytics_snapshot,
]]

ALL_CHECKS = [c.with_hooks(FOOTPRINT_HOOKS) for c in [interaction_shares_sum_to_100, task_statement_match_rate]]


def build_definitions(resources: dict) -> dg.Definitions:
    """The whole code location around a given set of resources (tests pass their own)."""
    return dg.Definitions(
        assets=ALL_ASSETS,
        asset_checks=ALL_CHECKS,
        jobs=[observe_sources, refresh_everything, refresh_corporate_reports],
        schedules=[nightly_observe, nightly_refresh, nightly_corporate_reports],
        sensors=[dead_run_reaper],
        resources=resources,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(build_resources(load_settings()))
