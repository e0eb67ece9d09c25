"""Great Expectations results in words: what each expectation asked for and what the data held.

A check that only says "2 of 14 expectations failed" sends an analyst to the run log; these
phrases go into each check's table of expectations (expectation, column, expected, observed) and
its description, so the check's page says which bound was broken and by what.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SHOWN_VALUES = 8  # of a value set, and of the unexpected values a failure quotes
SHOWN_SAMPLES = 3
NOTHING = {"None", "nan", "NaN", "<NA>", "NaT"}


def _values(values) -> str:
    values = list(values or [])
    shown = ", ".join(repr(v) for v in values[:SHOWN_VALUES])
    return "{" + shown + (f", ... ({len(values)} in all)" if len(values) > SHOWN_VALUES else "") + "}"


def _bounds(kwargs: Mapping[str, Any]) -> str:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    below = "below" if kwargs.get("strict_max") else "at most"
    above = "above" if kwargs.get("strict_min") else "at least"
    if low is not None and high is not None:
        return f"between {low} and {high}"
    if low is not None:
        return f"{above} {low}"
    if high is not None:
        return f"{below} {high}"
    return "any value"


# What each expectation asks, in words, by its name without `expect_`; one not listed is spelt from
# its name and arguments.
PHRASES = {
    "column_to_exist": lambda k: "the column exists",
    "column_values_to_not_be_null": lambda k: "no value missing",
    "column_values_to_be_null": lambda k: "every value missing",
    "column_values_to_be_unique": lambda k: "no value repeated",
    "compound_columns_to_be_unique": lambda k: "no two rows share these columns' values",
    "column_values_to_be_between": lambda k: f"every value {_bounds(k)}",
    "column_value_lengths_to_be_between": lambda k: f"every value's length {_bounds(k)}",
    "column_values_to_be_in_set": lambda k: f"every value in {_values(k.get('value_set'))}",
    "column_values_to_match_regex": lambda k: f"every value matching {k.get('regex')}",
    "column_values_to_be_of_type": lambda k: f"values of type {k.get('type_')}",
    "column_sum_to_be_between": lambda k: f"the column's sum {_bounds(k)}",
    "table_row_count_to_be_between": lambda k: f"a row count {_bounds(k)}",
    "table_columns_to_match_set": lambda k: f"{'exactly ' if k.get('exact_match', True) else 'at least '}"
                                            f"the columns {_values(k.get('column_set'))}",
    "column_distinct_values_to_contain_set": lambda k: f"the values include {_values(k.get('value_set'))}",
    "column_distinct_values_to_equal_set": lambda k: f"the distinct values are exactly {_values(k.get('value_set'))}",
}


def expected_in_words(expectation: str, kwargs: Mapping[str, Any]) -> str:
    """What the expectation asks of its column (or table), e.g. "every value between 0 and 100"."""
    name = expectation.removeprefix("expect_")
    if name in PHRASES:
        return PHRASES[name](kwargs)
    shown = {k: v for k, v in kwargs.items() if k not in ("column", "column_list", "result_format")}
    return f"{name.replace('_', ' ')} {shown}" if shown else name.replace("_", " ")


def observed_in_words(details: Mapping[str, Any], success: bool, exception: str | None = None) -> str:
    """What the data held, from GX's result: the observed value of a table or column aggregate,
    else how many of the rows broke the expectation and which values (quoted, a few)."""
    if exception:
        return f"not evaluated: {exception}"
    if details.get("partial_missing_list"):
        return f"lacks {_values(details['partial_missing_list'])}"
    if details.get("observed_value") is not None:
        return f"{details['observed_value']!r}" + (" (as expected)" if success else "")
    if "unexpected_count" not in details:
        return "as expected" if success else "column is missing"
    rows, broken = details.get("element_count"), details.get("unexpected_count") or 0
    missing = f"; {details['missing_count']} missing (not judged)" if details.get("missing_count") else ""
    if not broken:
        return (f"all {rows} rows as expected" if rows is not None else "as expected") + missing
    # A missing value quoted as an example says nothing (it is what not_null failures are made of).
    samples = [repr(v) for v in details.get("partial_unexpected_list") or [] if str(v) not in NOTHING]
    example = f", e.g. {', '.join(samples[:SHOWN_SAMPLES])}" if samples else ""
    return f"{broken} of {rows} rows break it{example}{missing}"
