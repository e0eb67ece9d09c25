"""Raw Economic Index tables, one per file format, loaded write-audit-publish one release at a time.

A release partition reads each of its files' headers, sends the file to the table of its
format (formats.py), validates each table's staged rows with that format's suite, and replaces
only this release's rows. Tables of formats the release does not have keep their rows; their
partition is materialised empty, saying so.
"""

from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from energy_index.defs.economic_index.formats import (
    FORMATS,
    FileFormat,
    UnknownFormat,
    create_table,
    detect_format,
    read_header,
    stage_files,
    validation_frame,
)
from energy_index.defs.economic_index.releases import RELEASES, SOURCE, Release, release_partitions
from energy_index.defs.economic_index.source import FILES_KEY
from energy_index.defs.quality.audit import SUITE_CHECK, load_audited
from energy_index.defs.sources.fetcher import SourceError, SourceFetcher
from energy_index.metadata_tables import preview_table, records_table


def _key(fmt: FileFormat) -> dg.AssetKey:
    return dg.AssetKey(["raw", fmt.table])


@dg.multi_asset(
    name="economic_index_release",
    specs=[dg.AssetSpec(_key(fmt), deps=[FILES_KEY], kinds={"duckdb"},
                        description=f"{fmt.description}\n\nUpstream column names, plus `release`, `source_url` "
                                    "and `source_file`; one partition per release replaces only its rows.")
           for fmt in FORMATS],
    check_specs=[dg.AssetCheckSpec(SUITE_CHECK, asset=_key(fmt), blocking=True, partitions_def=release_partitions,
                                   description=f"Great Expectations suite for the {fmt.name} format, run on the "
                                               "staged release before publish.") for fmt in FORMATS],
    partitions_def=release_partitions,
    can_subset=True,
    pool="warehouse",
)
def economic_index_release(context: dg.AssetExecutionContext, fetcher: SourceFetcher, duckdb: DuckDBResource):
    """One registered Economic Index release: each file to the raw table of its format, audited.

    Every header is read before anything is written, so a file whose columns match no known
    format fails the release with the expected and found columns and changes nothing. A file
    that fails its format's suite leaves that table's rows of this release as they were (tables
    loaded before it in this run keep their new rows) and fails the partition, which the next
    refresh runs again.
    """
    release = RELEASES[context.partition_key]
    by_format = _files_by_format(fetcher, release)
    with duckdb.get_connection() as conn:
        for fmt in FORMATS:
            create_table(conn, fmt)  # dbt reads every format's table, whichever releases hold it
        for fmt in FORMATS:
            if _key(fmt) not in context.selected_asset_keys:
                continue
            if fmt in by_format:
                yield from load_format(conn, release, fmt, by_format[fmt])
            else:
                yield from _not_in_release(release, fmt)


def _not_in_release(release: Release, fmt: FileFormat):
    """A format the release holds no file of: its table's partition is materialised with no rows and
    says so, so the refresh does not plan it as missing every night (2025-03-27 has no O*NET
    statements; they come from 2025-02-10)."""
    note = {"release": release.release, "format": fmt.name, "dagster/row_count": 0,
            "files": dg.MetadataValue.text(f"{release.release} holds no file of this format")}
    yield dg.MaterializeResult(asset_key=_key(fmt), metadata=note, check_results=[dg.AssetCheckResult(
        check_name=SUITE_CHECK, asset_key=_key(fmt), passed=True, metadata={**note, "rows_validated": 0})])


def _files_by_format(fetcher: SourceFetcher, release: Release) -> dict[FileFormat, list[tuple[str, Path]]]:
    grouped: dict[FileFormat, list[tuple[str, Path]]] = {}
    for name in release.files:
        url = release.url(name)
        try:
            path = Path(fetcher.cached(SOURCE, url).path)
            fmt = detect_format(read_header(path), f"{release.release}/{name}")
        except (SourceError, UnknownFormat) as exc:
            raise dg.Failure(description=f"[{SOURCE}] {exc}", metadata={"release": release.release,
                                                                        "file": name, "url": url}) from exc
        grouped.setdefault(fmt, []).append((name, path))
    return grouped


def load_format(conn, release: Release, fmt: FileFormat, files: list[tuple[str, Path]]):
    """Stage, validate and publish one format's files of a release (write-audit-publish); yields the
    suite's check result and the materialisation of its raw table."""
    key, names = _key(fmt), [name for name, _ in files]
    counts: dict[str, int] = {}

    def load(staged: str) -> None:
        provenance = [(path, {"release": release.release, "source_url": release.url(name), "source_file": name})
                      for name, path in files]
        try:
            counts.update(stage_files(conn, fmt, staged, provenance))
        except duckdb.Error as exc:  # DuckDB's reader: a malformed row, a value not of the declared type
            problem = str(exc).strip().splitlines()[0]
            raise SourceError(SOURCE, f"{release.release} ({', '.join(names)})", problem) from exc

    check = yield from load_audited(
        conn, source=SOURCE, origin=f"{release.release} ({', '.join(names)})", table=fmt.raw_table, key=key,
        load=load, expectations=fmt.suite(names), id_column=fmt.id_column,
        frame=lambda staged: validation_frame(conn, fmt, staged), replace_where=("release", release.release),
        in_place=fmt.long)
    rows = conn.execute(f"select count(*) from {fmt.raw_table} where release = ?", [release.release]).fetchone()[0]
    yield dg.MaterializeResult(asset_key=key, check_results=[check], metadata={
        "dagster/row_count": rows, "release": release.release, "format": fmt.name,
        "files": records_table([{"file": n, "rows": c} for n, c in counts.items()], ["file", "rows"]),
        "preview": preview_table(conn, f"select * exclude (source_url) from {fmt.raw_table} "
                                       f"where release = '{release.release}'"),
    })
