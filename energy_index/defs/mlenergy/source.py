"""The ML.ENERGY domain's source: each registered benchmark release's files, observed upstream,
then downloaded, one partition per release."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from energy_index.defs.mlenergy.layouts import release_layout
from energy_index.defs.mlenergy.releases import RELEASES, SOURCE, Release, mlenergy_release_partitions
from energy_index.defs.sources.fetcher import SourceError, SourceFetcher
from energy_index.defs.sources.upstream import UNAVAILABLE, combined_version, upstream_source
from energy_index.metadata_tables import records_table
from energy_index.warehouse import record_fetch

UPSTREAM_MLENERGY = dg.AssetKey(["upstream", "mlenergy_release"])
FILES_KEY = dg.AssetKey(["sources", "mlenergy_release_files"])


def listed_files(release: Release, entry: Path) -> dict[str, str]:
    """{name under the release: URL} of every file the release is read from, given its entry file:
    the entry itself, and for the leaderboard-data layout each task file its index lists."""
    _, families = release_layout(release, entry)
    return {Path(release.entry_url).name: release.entry_url, **{name: release.sibling_url(name) for name in families}}


@upstream_source(UPSTREAM_MLENERGY, partitions_def=mlenergy_release_partitions)
def upstream_mlenergy_release(fetcher: SourceFetcher) -> dg.DataVersionsByPartition:
    """Each registered ML.ENERGY release as it is upstream now: its entry file's version (v2's
    archive, v3's index) with its registry row, one version per release, so a new commit or a
    changed entry rebuilds that release and what reads it, not the others. Files at a pinned
    commit cannot change, so the entry and the commit identify the release; nothing is downloaded.
    A release whose entry cannot be found is `unavailable` and left alone."""
    return dg.DataVersionsByPartition({release.release: _release_version(fetcher, release)
                                       for release in RELEASES.values()})


def _release_version(fetcher: SourceFetcher, release: Release) -> dg.DataVersion:
    try:
        entry = fetcher.probe(SOURCE, release.entry_url)
    except SourceError as exc:
        dg.get_dagster_logger().warning(f"{release.origin}: {exc}")
        entry = None
    if entry is None:
        return dg.DataVersion(UNAVAILABLE)
    return combined_version({"entry": entry, "registry": repr(release)})


@dg.asset(key=FILES_KEY, deps=[UPSTREAM_MLENERGY], partitions_def=mlenergy_release_partitions,
          kinds={"http"}, pool="warehouse")
def mlenergy_release_files(context: dg.AssetExecutionContext, fetcher: SourceFetcher,
                           duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One ML.ENERGY benchmark release's files, as the release registry pins them
    (`dbt_project/seeds/mlenergy_releases.csv`): v2's repository archive (one tar.gz request), v3's
    `index.json` and the `tasks/<task>.json` it lists. Fetched through the shared fetcher
    (mirror-aware, cached, conditional: an unchanged file downloads nothing); every fetch is logged to
    `raw.source_fetches`. A file that cannot be fetched fails this release alone, naming the file.
    """
    release = RELEASES[context.partition_key]
    rows, downloaded, shas = [], 0, {}
    with duckdb.get_connection() as conn:
        try:
            entry = fetcher.fetch(SOURCE, release.entry_url)
            for name, url in listed_files(release, Path(entry.path)).items():
                fetch = entry if url == release.entry_url else fetcher.fetch(SOURCE, url)
                record_fetch(conn, fetch)
                shas[name], downloaded = fetch.sha256, downloaded + fetch.bytes_downloaded
                rows.append({"file": name, "status": fetch.status, "bytes": fetch.bytes, "sha256": fetch.sha256})
        except SourceError as exc:
            raise dg.Failure(description=f"{exc} ({release.origin})",
                             metadata={"release": release.release, "file": exc.location}) from exc
    context.log.info(f"{release.origin}: {len(rows)} files, {downloaded} bytes downloaded")
    return dg.MaterializeResult(metadata={"release": release.release, "commit": release.commit,
                                          "entry_url": dg.MetadataValue.url(release.entry_url),
                                          "files": records_table(rows, ["file", "status", "bytes", "sha256"]),
                                          "bytes_downloaded": downloaded},
                                data_version=combined_version(shas))
