"""The publish step: the finished warehouse as a snapshot analysts can read during refreshes."""


from pathlib import Path

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
from energy_index.defs.publish.snapshot import AnalyticsTarget, publish_snapshot
from energy_index.defs.ratings.assets import fct_model_ratings
from energy_index.defs.transform.assets import dbt_models
from energy_index.metadata_tables import records_table


@dg.asset(key=["publish", "analytics_snapshot"], kinds={"duckdb"},
          deps=[*dbt_models.keys, *energy_classifier_baseline.keys, *economic_index_usage.keys, *fct_scenarios.keys,
                *energy_drivers.keys, *corporate_reader_accuracy.keys, *fct_training_emissions.keys,
                *fct_inference_estimator_accuracy.keys, *fct_model_ratings.keys, *fct_model_tradeoffs.keys,
                *analyst_views.keys], pool="warehouse")
def analytics_snapshot(duckdb: DuckDBResource, analytics: AnalyticsTarget) -> dg.MaterializeResult:
    """Publishes every warehouse table and view to `analytics.duckdb`, atomically.

    The snapshot is written to a new file and renamed over the old one, so analysts with an
    open read-only connection keep a consistent view while new connections see the new data.
    Staging tables of rejected loads (`raw_staging`) are not published.
    """
    target = Path(analytics.path)
    with duckdb.get_connection() as conn:
        counts = publish_snapshot(conn, target)
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(target)),
        "tables": len(counts),
        "rows_per_table": records_table([{"table": k, "rows": v} for k, v in counts.items()], ["table", "rows"]),
    })
