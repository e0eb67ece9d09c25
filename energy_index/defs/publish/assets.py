"""The publish step: the finished warehouse committed to the lake as one snapshot analysts can read."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from energy_index.defs.analysis.scenarios import fct_scenarios
from energy_index.defs.analyst.assets import analyst_views
from energy_index.defs.corporate.accuracy import corporate_reader_accuracy
from energy_index.defs.economic_index.report import economic_index_usage
from energy_index.defs.estimates.inference_assets import (
    fct_inference_estimator_accuracy,
)
from energy_index.defs.estimates.training_assets import fct_training_emissions
from energy_index.defs.ml.assets import energy_classifier_baseline
from energy_index.defs.ml.energy_models import energy_drivers
from energy_index.defs.ml.tradeoffs import fct_model_tradeoffs
from energy_index.defs.publish.snapshot import PublishedWarehouse, publish_to_lake
from energy_index.defs.ratings.assets import fct_model_ratings
from energy_index.defs.transform.assets import dbt_models
from energy_index.metadata_tables import records_table


@dg.asset(key=["publish", "analytics_snapshot"], kinds={"duckdb", "ducklake"},
          deps=[*dbt_models.keys, *energy_classifier_baseline.keys, *economic_index_usage.keys, *fct_scenarios.keys,
                *energy_drivers.keys, *corporate_reader_accuracy.keys, *fct_training_emissions.keys,
                *fct_inference_estimator_accuracy.keys, *fct_model_ratings.keys, *fct_model_tradeoffs.keys,
                *analyst_views.keys], pool="warehouse")
def analytics_snapshot(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
                       published: PublishedWarehouse) -> dg.MaterializeResult:
    """Commits every warehouse table and view to the published DuckLake as one snapshot.

    Analysts attach the lake read-only (`energy-index sql`, or the statements of `energy-index sql --attach`) and see the
    previous refresh until this commit, then the new one; every earlier refresh stays readable
    by its snapshot id (`snapshot_id` here, and `meta.refreshes` / `ducklake_snapshots` there).
    Unchanged tables are not rewritten. Staging tables of rejected loads are not published.
    """
    lake = published.lake
    with duckdb.get_connection() as conn:
        done = publish_to_lake(conn, lake, context.run_id)
    return dg.MaterializeResult(
        metadata={
            "snapshot_id": dg.MetadataValue.int(done.snapshot_id),
            "run_id": context.run_id,
            "catalog": lake.shown, "data_path": lake.data_path,
            "tables": len(done.rows), "tables_changed": len(done.changed),
            "tables_dropped": dg.MetadataValue.json(done.dropped),
            "tables_rewritten_for_missing_files": dg.MetadataValue.json(done.rewritten_missing_files),
            "orphan_files_deleted": done.orphans_deleted,
            "rows_per_table": records_table([{"table": k, "rows": v, "changed": k in done.changed}
                                             for k, v in done.rows.items()], ["table", "rows", "changed"]),
        },
        data_version=dg.DataVersion(str(done.snapshot_id)),
    )
