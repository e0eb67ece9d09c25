"""Google Cloud region carbon data: grid carbon intensity and carbon-free energy per region and year."""

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from energy_index.defs.quality import grid_carbon_suites as suites
from energy_index.defs.quality.audit import load_audited, suite_check_spec
from energy_index.defs.sources.fetcher import SourceError, SourceFetcher
from energy_index.settings import SQL_DIR
from energy_index.warehouse import preview_markdown, record_fetch

SOURCE = "google_region_carbon"
URL = "https://raw.githubusercontent.com/GoogleCloudPlatform/region-carbon-info/main/data/yearly/{year}.csv"
FILES_KEY = dg.AssetKey(["sources", "google_region_carbon_files"])
RAW_KEY = dg.AssetKey(["raw", "google_region_carbon"])


class GridCarbonYears(dg.ConfigurableResource):
    """Which yearly files of the Google Cloud region carbon data to load."""

    years: list[int] = [2019, 2020, 2021, 2022, 2023, 2024]

    def urls(self) -> list[str]:
        return [URL.format(year=year) for year in self.years]


@dg.asset(key=FILES_KEY, group_name="sources", kinds={"http"}, pool="warehouse")
def google_region_carbon_files(context: dg.AssetExecutionContext, fetcher: SourceFetcher, duckdb: DuckDBResource,
                               grid_carbon: GridCarbonYears) -> dg.MaterializeResult:
    """One CSV per year of Google Cloud region carbon data (region, location, CFE share, grid intensity)."""
    downloaded = 0
    with duckdb.get_connection() as conn:
        for url in grid_carbon.urls():
            fetch = fetcher.fetch(SOURCE, url)
            record_fetch(conn, fetch)
            downloaded += fetch.bytes_downloaded
    context.log.info(f"{len(grid_carbon.years)} yearly files, {downloaded} bytes downloaded")
    return dg.MaterializeResult(metadata={"years": str(grid_carbon.years), "bytes_downloaded": downloaded})


def _load(conn: duckdb.DuckDBPyConnection, table: str, paths: list[str], urls: list[str]) -> None:
    sql = (SQL_DIR / "raw" / "google_region_carbon.sql").read_text()
    try:
        conn.execute(f"create table {table} as {sql}", {"files": paths, "urls": urls})
    except duckdb.Error as exc:
        raise SourceError(SOURCE, ", ".join(Path(p).name for p in paths), str(exc).strip().splitlines()[0]) from exc


def _with_row_id(frame: pl.DataFrame) -> pl.DataFrame:
    """Failure samples name the region and the year, i.e. the file the row came from."""
    return frame.with_columns(pl.format("{} in {}.csv", pl.col(suites.REGION), pl.col("year")).alias("row_id"))


@dg.asset(key=RAW_KEY, deps=[FILES_KEY], group_name="grid_carbon", kinds={"duckdb"},
          check_specs=[suite_check_spec(RAW_KEY)], pool="warehouse")
def google_region_carbon(fetcher: SourceFetcher, duckdb: DuckDBResource, grid_carbon: GridCarbonYears):
    """Grid carbon intensity (gCO2e/kWh) and Google carbon-free-energy share per cloud region and year.

    Upstream column names (the intensity header changed from "Lifecycle grid carbon intensity"
    to "Grid carbon intensity" in 2021; both are kept), plus `year` and `source_url`.
    """
    urls = grid_carbon.urls()
    paths = [fetcher.cached(SOURCE, url).path for url in urls]
    with duckdb.get_connection() as conn:
        yield from load_audited(
            conn, source=SOURCE, origin=f"region-carbon-info yearly files {grid_carbon.years}",
            table="raw.google_region_carbon", key=RAW_KEY, load=lambda staged: _load(conn, staged, paths, urls),
            expectations=suites.region_carbon, audit=_with_row_id, id_column="row_id")
        yield dg.MaterializeResult(metadata={
            "dagster/row_count": conn.execute("select count(*) from raw.google_region_carbon").fetchone()[0],
            "rows_per_year": dg.MetadataValue.md(preview_markdown(
                conn, "select year, count(*) regions from raw.google_region_carbon group by 1 order by 1", limit=20)),
        })
