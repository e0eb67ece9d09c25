"""The one Dagster entry point: every domain's definitions, with the jobs, schedules and resources.

Each domain package under `energy_index/defs/` that has a `definitions.py` owns its assets and
checks there (see defs/domains.py); this module finds them, so adding a domain or an asset never
means editing a central list.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

import dagster as dg

import energy_index.defs as domains_package
from energy_index.defs.domains import freshness_checks
from energy_index.defs.operations.run_health import dead_run_reaper
from energy_index.defs.resources import build_resources
from energy_index.defs.schedules import (
    isolate_failed_batches,
    nightly_corporate_reports,
    nightly_economic_index_releases,
    nightly_mlenergy_releases,
    nightly_observe,
    nightly_observe_benchmarks,
    nightly_observe_releases,
    nightly_refresh,
    observe_economic_index_releases,
    observe_mlenergy_releases,
    observe_sources,
    refresh_corporate_reports,
    refresh_economic_index_releases,
    refresh_everything,
    refresh_mlenergy_releases,
)
from energy_index.defs.transform.python_tables import with_python_table_schemas
from energy_index.settings import load_settings


def domain_definitions() -> list[dg.Definitions]:
    """The `defs` of every `energy_index/defs/<domain>/definitions.py`, in name order."""
    found = []
    for package in sorted(pkgutil.iter_modules(domains_package.__path__), key=lambda p: p.name):
        name = f"{domains_package.__name__}.{package.name}.definitions"
        if package.ispkg and importlib.util.find_spec(name) is not None:
            found.append(importlib.import_module(name).defs)
    return found


DOMAINS = domain_definitions()
FRESHNESS_CHECKS = freshness_checks(DOMAINS)
# Runs a mart's freshness check when it may have become overdue (under `make dev`'s daemon).
freshness_sensor = dg.build_sensor_for_freshness_checks(freshness_checks=FRESHNESS_CHECKS, name="marts_freshness",
                                                        default_status=dg.DefaultSensorStatus.RUNNING)


def build_definitions(resources: dict) -> dg.Definitions:
    """The whole code location around a given set of resources (tests pass their own); each Python
    asset shows its table's columns, declared once as a dbt source (transform/python_tables.py)."""
    return with_python_table_schemas(dg.Definitions.merge(*DOMAINS, dg.Definitions(
        asset_checks=FRESHNESS_CHECKS,
        jobs=[observe_sources, observe_economic_index_releases, observe_mlenergy_releases, refresh_everything,
              refresh_corporate_reports, refresh_economic_index_releases, refresh_mlenergy_releases],
        schedules=[nightly_observe, nightly_observe_releases, nightly_observe_benchmarks, nightly_refresh,
                   nightly_corporate_reports, nightly_economic_index_releases, nightly_mlenergy_releases],
        sensors=[dead_run_reaper, freshness_sensor, isolate_failed_batches],
        resources=resources,
    )))


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(build_resources(load_settings()))
