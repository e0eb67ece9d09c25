"""Running Great Expectations suites on warehouse tables and recording what they found.

Suites are built in code (GX 1.x) and run on an ephemeral context against a pandas copy of
the table, which is what GX's dataframe datasource needs. Every result is appended to
`quality.validation_results`, and the outcome becomes a Dagster asset check result.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import dagster as dg
import duckdb
import polars as pl

from energy_index.defs.quality.wording import expected_in_words, observed_in_words
from energy_index.metadata_tables import records_table
from energy_index.warehouse import append_rows, utcnow

RESULTS_TABLE = "quality.validation_results"
SAMPLE_ROWS = 5
FAILURE_COLUMNS = ["expectation", "column", "problem", "unexpected_count", "rows"]
EXPECTATION_COLUMNS = ["expectation", "column", "expected", "observed", "success"]


@dataclass
class ValidationOutcome:
    suite: str
    table: str
    row_count: int
    results: list[dict] = field(default_factory=list)

    @property
    def failures(self) -> list[dict]:
        return [r for r in self.results if not r["success"]]

    @property
    def success(self) -> bool:
        return not self.failures

    def describe_failures(self) -> str:
        lines = [f"{self.table} failed {len(self.failures)} of {len(self.results)} expectations:"]
        for failure in self.failures:
            where = ", ".join(failure["sample_ids"][:3])
            lines.append(f"- {failure['expectation']}({failure['column']}): {failure['problem']}"
                         + (f" in {where}" if where else ""))
        return "\n".join(lines)

    def failures_table(self) -> dg.MetadataValue:
        """Which expectations failed, on which column, why, and the rows that broke them."""
        return records_table([{**f, "rows": ", ".join(f["sample_ids"])} for f in self.failures], FAILURE_COLUMNS)

    def expectations_table(self) -> dg.MetadataValue:
        """Every expectation evaluated, in words: what it expected of which column, what the data
        held, and whether that met it; the failed ones first."""
        ordered = sorted(self.results, key=lambda r: (r["success"], r["column"], r["expectation"]))
        return records_table([{**r, "expectation": r["expectation"].removeprefix("expect_")} for r in ordered],
                             EXPECTATION_COLUMNS)

    def describe(self) -> str:
        """The outcome in a sentence, then each failed expectation: column, expected, observed."""
        met = len(self.results) - len(self.failures)
        lines = [f"{met} of {len(self.results)} expectations met on {self.row_count} rows of {self.table}."]
        lines += [f"- {f['column'] or 'the table'} ({f['expectation'].removeprefix('expect_')}): expected "
                  f"{f['expected']}; observed {f['observed']}"
                  for f in sorted(self.failures, key=lambda f: (f["column"], f["expectation"]))]
        return "\n".join(lines)

    def check_result(self, check_name: str, asset_key: dg.AssetKey, **extra) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(
            check_name=check_name,
            asset_key=asset_key,
            passed=self.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=self.describe(),
            metadata={
                "suite": self.suite,
                "rows_validated": self.row_count,
                "expectations": len(self.results),
                "failed_expectations": len(self.failures),
                "expectation_results": self.expectations_table(),
                "failures": self.failures_table(),
                **extra,
            },
        )


def _context():
    import great_expectations as gx  # lazily: GX takes seconds to import
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def validate(frame: pl.DataFrame, suite_name: str, table: str, expectations: list,
             id_column: str) -> ValidationOutcome:
    """Validate `frame` against `expectations`; `id_column` names the rows in failure samples."""
    import great_expectations as gx

    context = _context()
    asset = context.data_sources.add_pandas(f"{suite_name}_source").add_dataframe_asset(table)
    batch = asset.add_batch_definition_whole_dataframe("all_rows").get_batch(
        batch_parameters={"dataframe": frame.to_pandas(use_pyarrow_extension_array=True)}
    )
    suite = gx.ExpectationSuite(name=suite_name)
    for expectation in expectations:
        suite.add_expectation(expectation)
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": [id_column]}
    report = batch.validate(suite, result_format=result_format)
    outcome = ValidationOutcome(suite=suite_name, table=table, row_count=frame.height)
    ids = frame[id_column].cast(pl.Utf8).to_list() if id_column in frame.columns else []
    for result in report.results:
        outcome.results.append(_summarise(result, ids, id_column))
    return outcome


def _summarise(result, ids: list[str], id_column: str) -> dict:
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    details = result.result or {}
    sample_ids = _sample_ids(details.get("unexpected_index_list") or [], ids, id_column)
    unexpected = details.get("partial_unexpected_list") or []
    problem, exception = "ok", None
    if result.exception_info and result.exception_info.get("raised_exception"):
        exception = result.exception_info.get("exception_message") or "expectation raised"
    if not result.success:
        if exception:
            problem = exception
        elif config.type == "expect_column_to_exist":
            problem = "column is missing"
        elif "observed_value" in details:
            problem = f"observed {details['observed_value']!r}, expected {_expected(kwargs)}"
        else:
            problem = (f"{details.get('unexpected_count', 0)} unexpected value(s), e.g. "
                       f"{unexpected[:SAMPLE_ROWS]!r}; expected {_expected(kwargs)}")
    return {
        "expectation": config.type,
        "column": kwargs.get("column") or ",".join(kwargs.get("column_list") or []),
        "success": bool(result.success),
        "unexpected_count": int(details.get("unexpected_count") or 0),
        "problem": problem,
        "expected": expected_in_words(config.type, kwargs),
        "observed": observed_in_words(details, bool(result.success), exception),
        "sample_ids": sample_ids,
        "kwargs": json.dumps(kwargs, default=str),
    }


def _sample_ids(unexpected_index_list: list, ids: list[str], id_column: str) -> list[str]:
    """GX gives row positions, or dicts of the id column when it was asked to name rows."""
    found = []
    for entry in unexpected_index_list[:SAMPLE_ROWS]:
        if isinstance(entry, dict):
            found.append(str(entry.get(id_column)))
        elif isinstance(entry, int) and entry < len(ids):
            found.append(ids[entry])
    return sorted(set(found))


def _expected(kwargs: dict) -> str:
    shown = {k: v for k, v in kwargs.items() if k not in ("column", "column_list", "result_format")}
    return json.dumps(shown, default=str)


def record(conn: duckdb.DuckDBPyConnection, outcome: ValidationOutcome, asset: str) -> None:
    """Append every expectation result of one validation to `quality.validation_results`."""
    validation_id, now = str(uuid.uuid4()), utcnow()
    rows = [
        {"validation_id": validation_id, "validated_at": now, "asset": asset, "table_name": outcome.table,
         "suite": outcome.suite, "rows_validated": outcome.row_count, **result,
         "sample_ids": json.dumps(result["sample_ids"])}
        for result in outcome.results
    ]
    append_rows(conn, RESULTS_TABLE, pl.DataFrame(rows))
