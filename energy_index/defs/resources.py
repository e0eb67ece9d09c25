"""Resources built from the one settings object, shared by every domain."""

from __future__ import annotations

from dagster_duckdb import DuckDBResource

from energy_index.defs.ml.assets import ModelStore
from energy_index.defs.publish.assets import AnalyticsTarget
from energy_index.defs.sources.fetcher import SourceFetcher
from energy_index.defs.transform.assets import dbt_cli
from energy_index.settings import Settings


def build_resources(settings: Settings) -> dict:
    return {
        "duckdb": DuckDBResource(database=str(settings.warehouse_path)),
        "dbt": dbt_cli(),
        "fetcher": SourceFetcher(cache_dir=str(settings.cache_dir), mirror=settings.mirror),
        "model_store": ModelStore(models_dir=str(settings.models_dir)),
        "analytics": AnalyticsTarget(path=str(settings.analytics_path)),
    }
