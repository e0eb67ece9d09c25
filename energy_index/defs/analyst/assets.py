"""The analyst views (dbt_project/models/analyst/, schema `analyst`) as Dagster assets.

They read marts of both kinds: dbt's (through ref()) and the Python assets' (through the
`marts_python` dbt source, keyed to those assets), so they are built by a dbt invocation of their
own that runs after both, rather than inside `dbt_models`, which the Python marts read from.
"""

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from energy_index.defs.transform.assets import ANALYST_VIEWS, build_with_metadata, dbt_project, translator


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=translator,
            project=dbt_project, pool="warehouse", select=ANALYST_VIEWS)
def analyst_views(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Builds the analyst views (schema `analyst`) over the marts, and their dbt tests; each view
    is reported with its column schema (views have no row count)."""
    yield from build_with_metadata(context, dbt)
