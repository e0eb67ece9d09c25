"""Google Cloud region carbon: the yearly files as a source asset, and one raw table of every year."""

import hashlib
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from energy_index.defs.grid_carbon.files import SOURCE, TABLE, GridCarbonSource, file_name, load_years
from energy_index.defs.quality import grid_carbon_suites as suites
from energy_index.defs.quality.audit import load_audited, suite_check_spec
from energy_index.defs.sources.fetcher import SourceFetcher
from energy_index.defs.sources.upstream import observation, upstream_source
from energy_index.metadata_tables import preview_table, records_table
from energy_index.warehouse import record_fetch

FILES_KEY = dg.AssetKey(["sources", "google_region_carbon_files"])
RAW_KEY = dg.AssetKey(["raw", "google_region_carbon"])
UPSTREAM_KEY = dg.AssetKey(["upstream", "google_region_carbon"])


@upstream_source(UPSTREAM_KEY)
def upstream_google_region_carbon(fetcher: SourceFetcher, grid_carbon: GridCarbonSource) -> dg.ObserveResult:
    """Google Cloud's yearly region carbon files for the configured years, as they are upstream now."""
    return observation({file_name(year): fetcher.probe(SOURCE, grid_carbon.url(year))
                        for year in grid_carbon.checked_years()})


@dg.asset(key=FILES_KEY, deps=[UPSTREAM_KEY], kinds={"http"}, pool="warehouse")
def google_region_carbon_files(context: dg.AssetExecutionContext, fetcher: SourceFetcher, duckdb: DuckDBResource,
                               grid_carbon: GridCarbonSource) -> dg.MaterializeResult:
    """Google Cloud's yearly region carbon CSVs (region-carbon-info, data/yearly/<year>.csv, 2019-2024).

    One file per year in the `grid_carbon` resource's `years`, each fetched through the shared
    fetcher (mirror-aware, cached, conditional) and logged to `raw.source_fetches`; unchanged
    files are cache hits that download nothing.
    """
    rows, shas, downloaded = [], [], 0
    with duckdb.get_connection() as conn:
        for year in grid_carbon.checked_years():
            fetch = fetcher.fetch(SOURCE, grid_carbon.url(year))
            record_fetch(conn, fetch)
            downloaded += fetch.bytes_downloaded
            shas.append(fetch.sha256)
            rows.append({"file": f"{year}.csv", "status": fetch.status, "bytes": fetch.bytes, "sha256": fetch.sha256})
    context.log.info(f"{SOURCE}: {len(rows)} files, {downloaded} bytes downloaded")
    return dg.MaterializeResult(
        metadata={"years": grid_carbon.checked_years(), "bytes_downloaded": downloaded,
                  "files": records_table(rows, ["file", "status", "bytes", "sha256"])},
        data_version=dg.DataVersion(hashlib.sha256("".join(shas).encode()).hexdigest()),
    )


@dg.asset(key=RAW_KEY, deps=[FILES_KEY], kinds={"duckdb"},
          check_specs=[suite_check_spec(RAW_KEY)], pool="warehouse")
def google_region_carbon(fetcher: SourceFetcher, duckdb: DuckDBResource, grid_carbon: GridCarbonSource):
    """Carbon-free energy share (CFE) and grid carbon intensity per Google Cloud region and year.

    One row per line of every configured yearly file, with the upstream column names
    (`"Google Cloud Region"`, `Location`, `"Google CFE"`, and the intensity under its year's
    header: `"Lifecycle grid carbon intensity (gCO2eq / kWh)"` for 2019-2020, `"Grid carbon
    intensity (gCO2eq / kWh)"` from 2021), plus `year` and `source_url`. Each load replaces the
    whole table, after a blocking Great Expectations suite passes on every year together.
    """
    years = grid_carbon.checked_years()
    files = {}
    for year in years:
        url = grid_carbon.url(year)
        files[year] = (Path(fetcher.cached(SOURCE, url).path), url)
    with duckdb.get_connection() as conn:
        check = yield from load_audited(
            conn, source=SOURCE, origin=f"{file_name(years[0])} .. {file_name(years[-1])}", table=TABLE,
            key=RAW_KEY, load=lambda staged: load_years(conn, staged, files),
            expectations=lambda columns: suites.region_carbon(columns, years), audit=suites.audit_frame,
            id_column="row_id",
        )
        per_year = conn.execute(f"select year, count(*) from {TABLE} group by year order by year").fetchall()
        yield dg.MaterializeResult(check_results=[check], metadata={
            "dagster/row_count": sum(n for _, n in per_year),
            "rows_per_year": dg.MetadataValue.json({str(y): n for y, n in per_year}),
            "preview": preview_table(conn, f"select * exclude (source_url) from {TABLE}"),
        })
