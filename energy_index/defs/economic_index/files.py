"""The Anthropic Economic Index files, their raw tables and their suites, in one registry."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from energy_index.defs.quality import economic_index_suites as suites
from energy_index.defs.sources.fetcher import SourceError
from energy_index.settings import SQL_DIR

SOURCE = "economic_index"
DEFAULT_RELEASE = "release_2025_02_10"
BASE_URL = "https://huggingface.co/datasets/Anthropic/EconomicIndex/resolve/main"
RELEASE_PATTERN = re.compile(r"^release_\d{4}_\d{2}_\d{2}$")


@dataclass(frozen=True)
class IndexFile:
    table: str
    filename: str
    id_column: str
    expectations: Callable[[list[str]], list]
    description: str


FILES = [
    IndexFile("aei_onet_task_mappings", "onet_task_mappings.csv", "task_name", suites.task_mappings,
              "Share of Claude conversations (pct, summing to 100) per O*NET task text."),
    IndexFile("aei_automation_vs_augmentation", "automation_vs_augmentation.csv", "interaction_type",
              suites.automation_vs_augmentation,
              "Share of conversations per interaction type (directive, feedback loop, ...)."),
    IndexFile("aei_onet_task_statements", "onet_task_statements.csv", "Task ID", suites.task_statements,
              "O*NET task statements: task id and text, with the O*NET-SOC occupation it belongs to."),
    IndexFile("aei_soc_structure", "SOC_Structure.csv", "SOC or O*NET-SOC 2019 Title", suites.soc_structure,
              "The SOC 2019 hierarchy: major group, minor group, broad and detailed occupation titles."),
    IndexFile("aei_bls_employment", "bls_employment_may_2023.csv", "SOC or O*NET-SOC 2019 Title",
              suites.bls_employment, "BLS employment (May 2023) per SOC major group, by title."),
    IndexFile("aei_wage_data", "wage_data.csv", "SOCcode", suites.wage_data,
              "Median wage and job attributes per O*NET-SOC occupation, as scraped by onet-dataviz."),
]


class EconomicIndexRelease(dg.ConfigurableResource):
    """Which release of the Economic Index to load; a later release needs only a new value here."""

    release: str = DEFAULT_RELEASE
    base_url: str = BASE_URL

    def url(self, filename: str) -> str:
        if not RELEASE_PATTERN.match(self.release):
            raise dg.Failure(f"[{SOURCE}] release {self.release!r} is not of the form release_YYYY_MM_DD")
        return f"{self.base_url}/{self.release}/{filename}"


def load_csv(conn: duckdb.DuckDBPyConnection, table: str, path: Path, url: str, release: str) -> None:
    """Load one cached CSV into `table` with its release and source URL, by `sql/raw/csv_file.sql`."""
    sql = (SQL_DIR / "raw" / "csv_file.sql").read_text()
    try:
        conn.execute(f"create table {table} as {sql}", {"path": str(path), "release": release, "source_url": url})
    except duckdb.Error as exc:
        problem = str(exc).strip().splitlines()[0]
        raise SourceError(SOURCE, url.rsplit("/", 1)[-1] + f" ({url})", problem) from exc
