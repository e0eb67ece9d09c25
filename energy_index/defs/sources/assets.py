"""Source assets: each downloads one upstream artefact into the cache and records the fetch."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from energy_index.defs.economic_index.files import FILES, EconomicIndexRelease
from energy_index.defs.economic_index.files import SOURCE as ECONOMIC_INDEX
from energy_index.defs.mlenergy.archive import ARCHIVE_URL_TEMPLATE, PINNED_COMMIT, SOURCE
from energy_index.defs.sources.fetcher import SourceFetcher
from energy_index.defs.sources.upstream import combined_version, observation, upstream_source
from energy_index.warehouse import record_fetch

UPSTREAM_MLENERGY = dg.AssetKey(["upstream", "mlenergy_archive"])
UPSTREAM_ECONOMIC_INDEX = dg.AssetKey(["upstream", "economic_index_release"])


class MlenergyArchiveConfig(dg.Config):
    commit: str = PINNED_COMMIT


@upstream_source(UPSTREAM_MLENERGY)
def upstream_mlenergy_archive(fetcher: SourceFetcher) -> dg.ObserveResult:
    """The ML.ENERGY archive at the pinned commit as it is upstream now (HEAD request or mirror hash)."""
    url = ARCHIVE_URL_TEMPLATE.format(commit=PINNED_COMMIT)
    return observation({url: fetcher.probe(SOURCE, url)})


@upstream_source(UPSTREAM_ECONOMIC_INDEX)
def upstream_economic_index(fetcher: SourceFetcher, economic_index: EconomicIndexRelease) -> dg.ObserveResult:
    """The configured Economic Index release's six files as they are upstream now."""
    return observation({spec.filename: fetcher.probe(ECONOMIC_INDEX, economic_index.url(spec.filename))
                        for spec in FILES} | {"release": economic_index.release})


@dg.asset(key=["sources", "mlenergy_archive"], deps=[UPSTREAM_MLENERGY], group_name="sources", kinds={"http"},
          pool="warehouse")
def mlenergy_archive(context: dg.AssetExecutionContext, config: MlenergyArchiveConfig,
                     fetcher: SourceFetcher, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """The ML.ENERGY Leaderboard v2 repository archive at a pinned commit (one tar.gz request).

    Downloaded through the shared fetcher (mirror-aware, cached, conditional); an unchanged
    archive is a cache hit that downloads nothing. Every fetch is logged to `raw.source_fetches`.
    """
    url = ARCHIVE_URL_TEMPLATE.format(commit=config.commit)
    fetch = fetcher.fetch(SOURCE, url)
    with duckdb.get_connection() as conn:
        record_fetch(conn, fetch)
    context.log.info(f"{url}: {fetch.status}, {fetch.bytes_downloaded} bytes downloaded")
    return dg.MaterializeResult(
        metadata={
            "url": dg.MetadataValue.url(url),
            "location": fetch.location,
            "status": fetch.status,
            "bytes": fetch.bytes,
            "bytes_downloaded": fetch.bytes_downloaded,
            "sha256": fetch.sha256,
            "commit": config.commit,
        },
        data_version=dg.DataVersion(fetch.sha256),
    )


@dg.asset(key=["sources", "economic_index_files"], deps=[UPSTREAM_ECONOMIC_INDEX], group_name="sources",
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
            rows.append(f"| {spec.filename} | {fetch.status} | {fetch.bytes:,} | {fetch.sha256[:12]} |")
    context.log.info(f"{economic_index.release}: {len(rows)} files, {downloaded} bytes downloaded")
    table = "\n".join(["| file | status | bytes | sha256 |", "| --- | --- | --- | --- |", *rows])
    return dg.MaterializeResult(metadata={"release": economic_index.release, "files": dg.MetadataValue.md(table),
                                          "bytes_downloaded": downloaded},
                                data_version=combined_version(shas))
