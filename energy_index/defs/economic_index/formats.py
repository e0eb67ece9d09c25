"""The file formats the Economic Index has used, recognised by their columns, each with its raw
table and Great Expectations suite.

A release's files are not named consistently (`onet_task_mappings.csv` then `task_pct_v2.csv`;
the long files carry their collection week in the name), so a file's format is read from its
header: the format whose columns it holds. A header that matches none fails with every known
format's columns beside the ones found. Files of one format in one release share a raw table,
told apart by `source_file`.

Columns are declared with their types and read by name, so neither a reordered header nor
a type guessed from the first rows changes a table. The long format (one value per row, 20-100 MB
a file) is read by DuckDB straight into its raw table, inside the transaction that replaces the
release's rows, and validated on a profile DuckDB computes from them before that commits: no file
is ever held in Python, and its rows are written once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from energy_index.defs.quality import economic_index_suites as suites
from energy_index.settings import SQL_DIR
from energy_index.warehouse import add_new_columns

PROVENANCE = {"release": "varchar", "source_url": "varchar", "source_file": "varchar"}


class UnknownFormat(ValueError):
    """A file whose columns match no known Economic Index format."""


@dataclass(frozen=True, eq=False)  # one instance per format: hashed by identity
class FileFormat:
    name: str
    table: str
    columns: dict[str, str]
    suite: Callable[[list[str]], Callable[[list[str]], list]]
    id_column: str
    description: str
    long: bool = False

    @property
    def raw_table(self) -> str:
        return f"raw.{self.table}"


FORMATS = [
    FileFormat("task_shares", "aei_onet_task_mappings", {"task_name": "varchar", "pct": "double"},
               suites.task_shares, "task_name",
               "Share of Claude conversations (pct, summing to 100 per file) per O*NET task text; every wide "
               "release's task files (onet_task_mappings.csv, task_pct_v1.csv, task_pct_v2.csv)."),
    FileFormat("interaction_shares", "aei_automation_vs_augmentation", {"interaction_type": "varchar", "pct": "double"},
               suites.interaction_shares, "interaction_type",
               "Share of conversations per interaction type (directive, feedback loop, ...), per file."),
    FileFormat("collaboration_by_task", "aei_automation_vs_augmentation_by_task",
               {"task_name": "varchar", "directive": "double", "feedback_loop": "double", "validation": "double",
                "task_iteration": "double", "learning": "double", "filtered": "double"},
               suites.collaboration_by_task, "task_name",
               "Per task, the ratio (0-1) of its conversations in each collaboration mode, with the filtered rest."),
    FileFormat("task_statements", "aei_onet_task_statements",
               {"O*NET-SOC Code": "varchar", "Title": "varchar", "Task ID": "bigint", "Task": "varchar"},
               suites.task_statements, "Task ID",
               "O*NET task statements: task id and text, with the O*NET-SOC occupation it belongs to."),
    FileFormat("soc_structure", "aei_soc_structure",
               {"Major Group": "varchar", "Minor Group": "varchar", "Broad Occupation": "varchar",
                "Detailed Occupation": "varchar", "Detailed O*NET-SOC": "varchar",
                "SOC or O*NET-SOC 2019 Title": "varchar"},
               suites.soc_structure, "SOC or O*NET-SOC 2019 Title",
               "The SOC 2019 hierarchy: major group, minor group, broad and detailed occupation titles."),
    FileFormat("bls_employment", "aei_bls_employment",
               {"SOC or O*NET-SOC 2019 Title": "varchar", "bls_distribution": "bigint"},
               suites.bls_employment, "SOC or O*NET-SOC 2019 Title",
               "BLS employment (May 2023) per SOC major group, by title."),
    FileFormat("wage_data", "aei_wage_data", {"SOCcode": "varchar", "JobName": "varchar", "MedianSalary": "double"},
               suites.wage_data, "SOCcode",
               "Median wage and job attributes per O*NET-SOC occupation, as scraped by onet-dataviz."),
    FileFormat("long", "aei_long_format",
               {"geo_id": "varchar", "geography": "varchar", "date_start": "date", "date_end": "date",
                "platform_and_product": "varchar", "facet": "varchar", "level": "integer", "variable": "varchar",
                "cluster_name": "varchar", "value": "double"},
               suites.long_format, "profile_key",
               "Every value of the long-format releases (2025-09-15 on): one row per geography, facet, "
               "variable and cluster, as published.", long=True),
]
BY_NAME = {f.name: f for f in FORMATS}


def read_header(path: Path) -> list[str]:
    """The file's column names, read with DuckDB's CSV sniffer (quotes, delimiter, BOM)."""
    with duckdb.connect() as conn:
        return [row[0] for row in conn.execute(
            "select column_name from (describe select * from read_csv(?, header = true, all_varchar = true))",
            [str(path)]).fetchall()]


def detect_format(header: list[str], file: str) -> FileFormat:
    """The format whose columns the header holds (the most specific, if several do)."""
    matching = [f for f in FORMATS if set(f.columns) <= set(header)]
    if not matching:
        expected = "; ".join(f"{f.name}: {', '.join(f.columns)}" for f in FORMATS)
        raise UnknownFormat(f"{file} matches no known Economic Index format. Found columns: "
                            f"{', '.join(header) or '(none)'}. Expected one of: {expected}")
    return max(matching, key=lambda f: len(f.columns))


def create_table(conn: duckdb.DuckDBPyConnection, fmt: FileFormat, table: str | None = None) -> None:
    """The format's table with its declared columns and provenance, if it does not exist yet."""
    columns = ", ".join(f'"{name}" {kind}' for name, kind in {**fmt.columns, **PROVENANCE}.items())
    conn.execute(f"create schema if not exists {(table or fmt.raw_table).split('.')[0]}")
    conn.execute(f"create table if not exists {table or fmt.raw_table} ({columns})")


def stage_files(conn: duckdb.DuckDBPyConnection, fmt: FileFormat, table: str,
                files: list[tuple[Path, dict[str, str]]]) -> dict[str, int]:
    """Write the files (path, provenance) of one format and release into `table`, by column name: the
    declared types, each file's other columns as DuckDB reads them (a wide format creates `table`;
    the long format appends to it, so the raw table takes it in place); returns rows per file."""
    sql = (SQL_DIR / "raw" / ("aei_long_format.sql" if fmt.long else "aei_wide_file.sql")).read_text()
    types = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in fmt.columns.items()) + "}"
    selects, parameters = [], {}
    for i, (path, provenance) in enumerate(files):
        one = sql.replace("$types", types)
        for name, value in {"path": str(path), **provenance}.items():
            one = one.replace(f"${name}", f"${name}_{i}")
            parameters[f"{name}_{i}"] = value
        selects.append(f"({one})")
    union = " union all by name ".join(selects)
    if fmt.long:  # appended in place to the raw table (or created, to stage), a later release's new columns added
        create_table(conn, fmt, table)
        add_new_columns(conn, table, union, parameters)
        conn.execute(f"insert into {table} by name {union}", parameters)
    else:
        conn.execute(f"create table {table} as {union}", parameters)
    release = files[0][1]["release"]
    return dict(conn.execute(f"select source_file, count(*) from {table} where release = ? group by source_file",
                             [release]).fetchall())


def validation_frame(conn: duckdb.DuckDBPyConnection, fmt: FileFormat, table: str) -> pl.DataFrame:
    """What the format's suite validates: the rows of `table` (a table or a subquery) themselves, or
    for the long format the profile DuckDB computes over them (per file, geography, facet, variable)."""
    if fmt.long:
        return conn.sql((SQL_DIR / "raw" / "aei_long_format_profile.sql").read_text()
                        .replace("$table", table)).pl()
    return conn.sql(f"select * from {table}").pl()
