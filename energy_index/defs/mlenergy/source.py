"""The ML.ENERGY domain's source: the leaderboard archive observed upstream, then downloaded."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from energy_index.defs.mlenergy.archive import ARCHIVE_URL_TEMPLATE, PINNED_COMMIT, SOURCE
from energy_index.defs.sources.fetcher import SourceFetcher
from energy_index.defs.sources.upstream import observation, upstream_source
from energy_index.warehouse import record_fetch

UPSTREAM_MLENERGY = dg.AssetKey(["upstream", "mlenergy_archive"])


class MlenergyArchiveConfig(dg.Config):
    commit: str = PINNED_COMMIT


@upstream_source(UPSTREAM_MLENERGY)
def upstream_mlenergy_archive(fetcher: SourceFetcher) -> dg.ObserveResult:
    """The ML.ENERGY archive at the pinned commit as it is upstream now (HEAD request or mirror hash)."""
    url = ARCHIVE_URL_TEMPLATE.format(commit=PINNED_COMMIT)
    return observation({url: fetcher.probe(SOURCE, url)})


@dg.asset(key=["sources", "mlenergy_archive"], deps=[UPSTREAM_MLENERGY], kinds={"http"},
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
