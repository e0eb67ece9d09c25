"""Google Cloud region carbon files: one CSV per year, loaded into one raw table.

Upstream renamed the intensity column in 2021 ("Lifecycle grid carbon intensity" for 2019-2020,
"Grid carbon intensity" from 2021), so each year is read with its own header and the years are
unioned by name: raw keeps both columns, each null in the other years, and dbt coalesces them.
"""

from pathlib import Path

import dagster as dg
import duckdb

from energy_index.defs.sources.fetcher import SourceError
from energy_index.settings import SQL_DIR

SOURCE = "google_region_carbon"
TABLE = "raw.google_region_carbon"
URL_TEMPLATE = "https://raw.githubusercontent.com/GoogleCloudPlatform/region-carbon-info/main/data/yearly/{year}.csv"
DEFAULT_YEARS = list(range(2019, 2025))
FIRST_YEAR, LAST_YEAR = 2019, 2100


class GridCarbonSource(dg.ConfigurableResource):
    """Which yearly files of Google's region carbon data to load; a new year needs only a new value here."""

    years: list[int] = DEFAULT_YEARS

    def url(self, year: int) -> str:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise dg.Failure(f"[{SOURCE}] year {year} is outside {FIRST_YEAR}..{LAST_YEAR}")
        return URL_TEMPLATE.format(year=year)

    def checked_years(self) -> list[int]:
        """The configured years, sorted; a repeated year would load its rows twice, so it is refused."""
        if len(set(self.years)) != len(self.years) or not self.years:
            raise dg.Failure(f"[{SOURCE}] years must be a non-empty list without repeats, got {self.years}")
        return sorted(self.years)


def file_name(year: int) -> str:
    """How errors name a file: its path in the upstream repository."""
    return f"data/yearly/{year}.csv"


def load_years(conn: duckdb.DuckDBPyConnection, table: str, files: dict[int, tuple[Path, str]]) -> None:
    """Create `table` from every year's cached file (year -> (path, url)), unioned by column name.

    Each file is parsed on its own first, so a file DuckDB cannot read is named in the error.
    """
    sql = (SQL_DIR / "raw" / "google_region_carbon.sql").read_text()
    parts = []
    try:
        for year, (path, url) in sorted(files.items()):
            part = f"_google_region_carbon_{year}"
            try:
                conn.execute(f"create or replace temp table {part} as {sql}",
                             {"path": str(path), "year": year, "source_url": url})
            except duckdb.Error as exc:
                raise SourceError(SOURCE, f"{file_name(year)} ({url})", _problem(exc)) from exc
            parts.append(part)
        union = " union all by name ".join(f"select * from {part}" for part in parts)
        # Upstream columns first, then the two we add, whatever order the years introduced them in.
        conn.execute(f"create table {table} as select * exclude (year, source_url), year, source_url "
                     f"from ({union})")
    finally:
        for part in parts:
            conn.execute(f"drop table if exists {part}")


# DuckDB's CSV errors put the offending line and column after a generic first line, and the
# sniffer's settings (with our cache path) after that; keep the first line and the specifics.
_DETAIL_PREFIXES = ("Original Line:", "Error when converting", "Expected Number of Columns")


def _problem(exc: duckdb.Error) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return "; ".join([lines[0], *(line for line in lines[1:] if line.startswith(_DETAIL_PREFIXES))])
