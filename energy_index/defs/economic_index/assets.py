"""Raw Economic Index tables: one per file, loaded write-audit-publish per release."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from energy_index.defs.economic_index.files import FILES, SOURCE, EconomicIndexRelease, IndexFile, load_csv
from energy_index.defs.quality.audit import load_audited, suite_check_spec
from energy_index.defs.sources.fetcher import SourceFetcher
from energy_index.metadata_tables import preview_table

FILES_KEY = dg.AssetKey(["sources", "economic_index_files"])


def raw_table_asset(spec: IndexFile) -> dg.AssetsDefinition:
    """A raw asset for one file: the configured release's rows replace only that release's rows."""
    key = dg.AssetKey(["raw", spec.table])
    table = f"raw.{spec.table}"

    @dg.asset(key=key, deps=[FILES_KEY], kinds={"duckdb"},
              check_specs=[suite_check_spec(key)], pool="warehouse",
              description=f"{spec.description}\n\nOne row per line of `{spec.filename}`, upstream column "
                          "names, plus `release` and `source_url`. Rows of other releases are kept apart.")
    def _raw_table(fetcher: SourceFetcher, duckdb: DuckDBResource, economic_index: EconomicIndexRelease):
        url, release = economic_index.url(spec.filename), economic_index.release
        cached = fetcher.cached(SOURCE, url)
        with duckdb.get_connection() as conn:
            check = yield from load_audited(
                conn, source=SOURCE, origin=f"{release}/{spec.filename}", table=table, key=key,
                load=lambda staged: load_csv(conn, staged, Path(cached.path), url, release),
                expectations=spec.expectations, id_column=spec.id_column, replace_where=("release", release),
            )
            rows = conn.execute(f"select count(*) from {table} where release = ?", [release]).fetchone()[0]
            yield dg.MaterializeResult(check_results=[check], metadata={
                "dagster/row_count": rows,
                "release": release,
                "preview": preview_table(conn, f"select * exclude (source_url) from {table}"),
            })

    return _raw_table


raw_tables = [raw_table_asset(spec) for spec in FILES]
