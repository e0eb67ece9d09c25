"""Great Expectations suites for the metrics recognised in one corporate report.

Two validations per report: the chosen values themselves (non-negative, years in the
report's period, the core metrics it is known to contain, no sanity flag such as a 1000x
jump between years), and a derived consistency
frame that sets each stated total beside the sum of its parts: Scope 1 + Scope 2
(market-based) against the report's own subtotal, and regional parts against their total.
"""

import polars as pl

from energy_index.defs.quality.expectations import E

# Reports round (Scope 3 to the nearest thousand tCO2e); parts may miss totals by that much.
RELATIVE_TOLERANCE = 0.005


def metrics_expectations(first_year: int, last_year: int, expected_metrics: tuple[str, ...]) -> list:
    return [
        *(E.ExpectColumnValuesToNotBeNull(column=c) for c in ("metric", "fiscal_year", "value", "unit")),
        E.ExpectColumnValuesToBeBetween(column="value", min_value=0),
        E.ExpectColumnValuesToBeBetween(column="fiscal_year", min_value=first_year, max_value=last_year),
        E.ExpectColumnDistinctValuesToContainSet(column="metric", value_set=list(expected_metrics)),
        E.ExpectColumnValuesToBeNull(column="sanity_issue"),
    ]


def consistency_expectations() -> list:
    return [E.ExpectColumnValuesToBeBetween(column="relative_gap", min_value=0, max_value=RELATIVE_TOLERANCE)]


def primary_values(metrics: pl.DataFrame) -> pl.DataFrame:
    """One value per (metric, region, year): the one the reader chose (see corporate/resolve.py)."""
    return metrics.filter(pl.col("is_primary"))


def consistency_frame(metrics: pl.DataFrame) -> pl.DataFrame:
    """Rows of (comparison, year, expected, observed, relative_gap) for every stated total."""
    schema = {"comparison": pl.Utf8, "fiscal_year": pl.Int64, "expected": pl.Float64, "observed": pl.Float64}
    if metrics.is_empty():
        return pl.DataFrame(schema=schema).with_columns(pl.lit(0.0).alias("relative_gap"))
    primary = primary_values(metrics)
    totals = primary.filter(pl.col("region").is_null())
    wide = totals.pivot(on="metric", index="fiscal_year", values="value")
    rows = []
    if {"scope1", "scope2_market", "scope1_2_market"} <= set(wide.columns):
        for year, s1, s2, subtotal in wide.select("fiscal_year", "scope1", "scope2_market", "scope1_2_market").rows():
            if None not in (s1, s2, subtotal):
                rows.append((f"scope1 + scope2_market vs scope1_2_market {year}", year, s1 + s2, subtotal))
    parts = primary.filter(pl.col("region").is_not_null()).group_by("metric", "fiscal_year").agg(pl.sum("value"))
    joined = parts.join(totals.select("metric", "fiscal_year", pl.col("value").alias("total")),
                        on=["metric", "fiscal_year"])
    for metric, year, summed, total in joined.select("metric", "fiscal_year", "value", "total").rows():
        rows.append((f"regions of {metric} vs its total {year}", year, summed, total))
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    gap = (pl.col("expected") - pl.col("observed")).abs() / pl.max_horizontal(pl.col("observed").abs(), pl.lit(1.0))
    return frame.with_columns(gap.alias("relative_gap"))
