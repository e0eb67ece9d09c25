"""The registry of corporate reports: data, not code.

`dbt_project/seeds/corporate_reports.csv` lists each report (id, company, title, the years
it covers, URL, and the core metrics it is known to contain). It is read here to define one
Dagster partition per report, and by dbt as a seed, so both see the same list. Add a row to
add a report.
"""

from dataclasses import dataclass

import dagster as dg

from energy_index.registries import read_registry
from energy_index.settings import DBT_PROJECT_DIR

REGISTRY_PATH = DBT_PROJECT_DIR / "seeds" / "corporate_reports.csv"


@dataclass(frozen=True)
class Report:
    report_id: str
    company: str
    title: str
    first_year: int
    last_year: int
    period_type: str
    url: str
    expected_metrics: tuple[str, ...]


def _report(row: dict[str, str]) -> Report:
    return Report(report_id=row["report_id"], company=row["company"], title=row["title"],
                  first_year=int(row["first_year"]), last_year=int(row["last_year"]), period_type=row["period_type"],
                  url=row["url"], expected_metrics=tuple(m for m in row["expected_metrics"].split(";") if m))


def load_registry() -> dict[str, Report]:
    return read_registry(REGISTRY_PATH, "report_id", _report)


REPORTS = load_registry()
report_partitions = dg.StaticPartitionsDefinition(sorted(REPORTS))
