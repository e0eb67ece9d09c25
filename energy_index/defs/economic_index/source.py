"""The Economic Index domain's source: the configured release's files observed upstream, then downloaded."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from energy_index.defs.economic_index.files import FILES, EconomicIndexRelease
from energy_index.defs.economic_index.files import SOURCE as ECONOMIC_INDEX
from energy_index.defs.sources.fetcher import SourceFetcher
from energy_index.defs.sources.upstream import combined_version, observation, upstream_source
from energy_index.metadata_tables import records_table
from energy_index.warehouse import record_fetch

UPSTREAM_ECONOMIC_INDEX = dg.AssetKey(["upstream", "economic_index_release"])


@upstream_source(UPSTREAM_ECONOMIC_INDEX)
def upstream_economic_index(fetcher: SourceFetcher, economic_index: EconomicIndexRelease) -> dg.ObserveResult:
    """The configured Economic Index release's six files as they are upstream now."""
    return observation({spec.filename: fetcher.probe(ECONOMIC_INDEX, economic_index.url(spec.filename))
                        for spec in FILES} | {"release": economic_index.release})


@dg.asset(key=["sources", "economic_index_files"], deps=[UPSTREAM_ECONOMIC_INDEX],
          kinds={"http"}, pool="warehouse")
def economic_index_files(context: dg.AssetExecutionContext, fetcher: SourceFetcher, duckdb: DuckDBResource,
                         economic_index: EconomicIndexRelease) -> dg.MaterializeResult:
    """The six CSV files of one Anthropic Economic Index release (default release_2025_02_10).

    Fetched through the shared fetcher; the release is the `economic_index` resource's
    `release` setting, so a later release loads without code changes.
    """
    rows, downloaded, shas = [], 0, {}
    with duckdb.get_connection() as conn:
        for spec in FILES:
            fetch = fetcher.fetch(ECONOMIC_INDEX, economic_index.url(spec.filename))
            record_fetch(conn, fetch)
            shas[spec.filename] = fetch.sha256
            downloaded += fetch.bytes_downloaded
            rows.append({"file": spec.filename, "status": fetch.status, "bytes": fetch.bytes, "sha256": fetch.sha256})
    context.log.info(f"{economic_index.release}: {len(rows)} files, {downloaded} bytes downloaded")
    files = records_table(rows, ["file", "status", "bytes", "sha256"])
    return dg.MaterializeResult(metadata={"release": economic_index.release, "files": files,
                                          "bytes_downloaded": downloaded},
                                data_version=combined_version(shas))
