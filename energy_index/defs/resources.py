"""Resources built from the one settings object, shared by every domain."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from dagster_duckdb import DuckDBResource

from energy_index.defs.corporate.accuracy import ReaderTruth
from energy_index.defs.estimates.reference_assets import TrainingReference
from energy_index.defs.footprint.recording import PipelineFootprint
from energy_index.defs.grid_carbon.files import GridCarbonSource
from energy_index.defs.ml.assets import ModelStore
from energy_index.defs.publish.snapshot import PublishedWarehouse
from energy_index.defs.ratings.assets import LabelStore
from energy_index.defs.sources.fetcher import SourceFetcher
from energy_index.defs.transform.assets import dbt_cli
from energy_index.lake import lake_for
from energy_index.settings import Settings
from energy_index.warehouse import connect_warehouse


class WarehouseResource(DuckDBResource):
    """DuckDBResource that waits a bounded time for another process's lock on the file (then
    fails naming the holder) and closes its connection when the step fails too.

    The upstream context manager only closes on success; a failed audit (which raises by
    design) would otherwise leave the warehouse open in the process until garbage collection.
    """

    lock_wait_s: float = 60.0

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        connection = connect_warehouse(self.database, self.lock_wait_s, self.connection_config)
        try:
            yield connection
        finally:
            connection.close()


def build_resources(settings: Settings) -> dict:
    lake = lake_for(settings)
    return {
        "duckdb": WarehouseResource(database=str(settings.warehouse_path), lock_wait_s=settings.lock_wait_s),
        "dbt": dbt_cli(),
        "fetcher": SourceFetcher(cache_dir=str(settings.cache_dir), mirror=settings.mirror),
        "model_store": ModelStore(models_dir=str(settings.models_dir)),
        "label_store": LabelStore(directory=str(settings.labels_dir)),
        "published": PublishedWarehouse(catalog=lake.catalog, data_path=lake.data_path, relocatable=lake.relocatable),
        "grid_carbon": GridCarbonSource(),
        "reader_truth": ReaderTruth(paths=[str(p) for p in settings.corporate_truth]),
        "footprint": PipelineFootprint(country_iso=settings.country_iso, enabled=settings.footprint,
                                       warehouse=str(settings.warehouse_path), lock_wait_s=min(settings.lock_wait_s, 10)),
        "training": TrainingReference(directory=str(settings.training_dir) if settings.training_dir else None),
    }
