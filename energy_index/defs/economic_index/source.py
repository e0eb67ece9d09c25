"""The Economic Index domain's source: each registered release's files, observed upstream, then
downloaded, one partition per release."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from energy_index.defs.economic_index.releases import RELEASES, SOURCE, Release, release_partitions
from energy_index.defs.sources.fetcher import SourceError, SourceFetcher
from energy_index.defs.sources.upstream import UNAVAILABLE, combined_version, upstream_source
from energy_index.metadata_tables import records_table
from energy_index.warehouse import record_fetch

UPSTREAM_ECONOMIC_INDEX = dg.AssetKey(["upstream", "economic_index_release"])
FILES_KEY = dg.AssetKey(["sources", "economic_index_files"])


@upstream_source(UPSTREAM_ECONOMIC_INDEX, partitions_def=release_partitions)
def upstream_economic_index(fetcher: SourceFetcher) -> dg.DataVersionsByPartition:
    """Each registered release's files as they are upstream now, with its registry row (one version
    per release, so a new or changed release rebuilds only itself). A release whose files are
    not all there (the offline mirror holds no long-format file) is `unavailable`: the refresh
    leaves it alone until it appears, and says so."""
    return dg.DataVersionsByPartition({release.release: _release_version(fetcher, release)
                                       for release in RELEASES.values()})


def _release_version(fetcher: SourceFetcher, release: Release) -> dg.DataVersion:
    versions = {name: _probe(fetcher, release, name) for name in release.files}
    if any(version is None for version in versions.values()):
        return dg.DataVersion(UNAVAILABLE)
    return combined_version({**versions, "registry": repr(release)})


def _probe(fetcher: SourceFetcher, release: Release, name: str) -> str | None:
    """A file's version; None when upstream lacks it or cannot say (a 404, a server error), which
    makes only its release unavailable: materialising that release names the file and the error."""
    try:
        return fetcher.probe(SOURCE, release.url(name))
    except SourceError as exc:
        dg.get_dagster_logger().warning(f"{release.release}: {exc}")
        return None


@dg.asset(key=FILES_KEY, deps=[UPSTREAM_ECONOMIC_INDEX], partitions_def=release_partitions,
          kinds={"http"}, pool="warehouse")
def economic_index_files(context: dg.AssetExecutionContext, fetcher: SourceFetcher,
                         duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One Anthropic Economic Index release's files, as the release registry lists them
    (`dbt_project/seeds/economic_index_releases.csv`), fetched through the shared fetcher.

    A file that cannot be fetched fails this release's partition, naming the file; the other
    releases, and this one's last good tables, are unaffected.
    """
    release = RELEASES[context.partition_key]
    rows, downloaded, shas = [], 0, {}
    with duckdb.get_connection() as conn:
        for name in release.files:
            try:
                fetch = fetcher.fetch(SOURCE, release.url(name))
            except SourceError as exc:
                raise dg.Failure(description=f"{exc} (release {release.release}, file {name})",
                                 metadata={"release": release.release, "file": name}) from exc
            record_fetch(conn, fetch)
            shas[name] = fetch.sha256
            downloaded += fetch.bytes_downloaded
            rows.append({"file": name, "status": fetch.status, "bytes": fetch.bytes, "sha256": fetch.sha256})
    context.log.info(f"{release.release}: {len(rows)} files, {downloaded} bytes downloaded")
    return dg.MaterializeResult(metadata={"release": release.release, "layout": release.layout,
                                          "files": records_table(rows, ["file", "status", "bytes", "sha256"]),
                                          "bytes_downloaded": downloaded},
                                data_version=combined_version(shas))
