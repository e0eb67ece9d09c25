"""A Great Expectations check says, in words, what each expectation expected and what it found."""

from __future__ import annotations

import dagster as dg
import polars as pl

from energy_index.defs.quality.expectations import E
from energy_index.defs.quality.validation import validate


def test_each_expectation_is_shown_with_its_column_bounds_and_observed_value():
    frame = pl.DataFrame({"run": ["a", "b", "c"], "energy_j": [1.0, 5.0, None], "unit": ["J", "J", "kWh"]})
    outcome = validate(frame, "wording_suite", "raw.example", [
        E.ExpectColumnValuesToBeBetween(column="energy_j", min_value=0, max_value=2),
        E.ExpectColumnValuesToBeInSet(column="unit", value_set=["J"]),
        E.ExpectTableRowCountToBeBetween(min_value=5),
        E.ExpectColumnValuesToBeUnique(column="run"),
    ], id_column="run")
    result = outcome.check_result("suite", dg.AssetKey(["raw", "example"]))
    shown = {(r.data["expectation"], r.data["column"]): r.data
             for r in result.metadata["expectation_results"].value.records}
    assert shown[("column_values_to_be_between", "energy_j")] == {
        "expectation": "column_values_to_be_between", "column": "energy_j", "success": False,
        "expected": "every value between 0.0 and 2.0",
        "observed": "1 of 3 rows break it, e.g. 5.0; 1 missing (not judged)"}
    assert shown[("column_values_to_be_in_set", "unit")]["observed"] == "1 of 3 rows break it, e.g. 'kWh'"
    assert shown[("table_row_count_to_be_between", "")]["expected"] == "a row count at least 5"
    assert shown[("table_row_count_to_be_between", "")]["observed"] == "3"
    assert shown[("column_values_to_be_unique", "run")] == {
        "expectation": "column_values_to_be_unique", "column": "run", "success": True,
        "expected": "no value repeated", "observed": "all 3 rows as expected"}
    assert result.description.splitlines() == [
        "1 of 4 expectations met on 3 rows of raw.example.",
        "- the table (table_row_count_to_be_between): expected a row count at least 5; observed 3",
        "- energy_j (column_values_to_be_between): expected every value between 0.0 and 2.0; "
        "observed 1 of 3 rows break it, e.g. 5.0; 1 missing (not judged)",
        "- unit (column_values_to_be_in_set): expected every value in {'J'}; observed 1 of 3 rows break it, e.g. 'kWh'"]
