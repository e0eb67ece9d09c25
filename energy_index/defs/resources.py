"""Resources built from the one settings object, shared by every domain."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from dagster_duckdb import DuckDBResource

from energy_index.defs.corporate.accuracy import ReaderTruth
from energy_index.defs.economic_index.files import EconomicIndexRelease
from energy_index.defs.grid_carbon.files import GridCarbonSource
from energy_index.defs.ml.assets import ModelStore
from energy_index.defs.publish.snapshot import AnalyticsTarget
from energy_index.defs.sources.fetcher import SourceFetcher
from energy_index.defs.transform.assets import dbt_cli
from energy_index.settings import Settings


class WarehouseResource(DuckDBResource):
    """DuckDBResource that also closes its connection when the step fails.

    The upstream context manager only closes on success; a failed audit (which raises by
    design) would otherwise leave the warehouse open in the process until garbage collection.
    """

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        connection = super().get_connection().__enter__()
        try:
            yield connection
        finally:
            connection.close()


def build_resources(settings: Settings) -> dict:
    return {
        "duckdb": WarehouseResource(database=str(settings.warehouse_path)),
        "dbt": dbt_cli(),
        "fetcher": SourceFetcher(cache_dir=str(settings.cache_dir), mirror=settings.mirror),
        "model_store": ModelStore(models_dir=str(settings.models_dir)),
        "analytics": AnalyticsTarget(path=str(settings.analytics_path)),
        "economic_index": EconomicIndexRelease(),
        "grid_carbon": GridCarbonSource(),
        "reader_truth": ReaderTruth(paths=[str(p) for p in settings.corporate_truth]),
    }
