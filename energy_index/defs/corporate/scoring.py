"""Scoring the report reader against figures read by eye (a truth file such as `truth.csv`).

A truth file has one row per (document, metric, period) a document discloses: `document`
(the registry's `report_id`), `metric` (scope1, scope2_market, scope2_location, scope2,
electricity), `period` (`FY2023` or `2023`), `value_canonical` in tCO2e or MWh and
`alternatives` (`;`-separated values that also count). A split period (`2024-25`) is the fiscal
year ending in its second year, as the reader names it; `FY22` is fiscal 2022. Each truth row is:

- exact: the chosen company-wide value for that metric and year is within 0.5%;
- unit_scale: it is off by a power of ten (x1000, x0.001, ...), the unit was misread;
- wrong: some other value; missed: no value.

A chosen value for one of those metrics that the document does not disclose at all (no truth
row of that metric) is a false value; values for other years of a disclosed metric are
counted as extra_years, for information.
"""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl

SCORED_METRICS = ("scope1", "scope2_market", "scope2_location", "scope2", "electricity")
TOLERANCE = 0.005
OUTCOMES = ("exact", "unit_scale", "wrong", "missed")
SUMMARY_SCHEMA = {"document": pl.Utf8, "truth_rows": pl.Int64, **{o: pl.Int64 for o in OUTCOMES},
                  "false_values": pl.Int64, "extra_years": pl.Int64, "exact_pct": pl.Float64}


def read_truth(path: Path) -> pl.DataFrame:
    truth = pl.read_csv(path, infer_schema_length=0)
    missing = {"document", "metric", "period", "value_canonical"} - set(truth.columns)
    if missing:
        raise ValueError(f"{path}: truth file lacks column(s) {sorted(missing)}")
    if "alternatives" not in truth.columns:
        truth = truth.with_columns(pl.lit(None, pl.Utf8).alias("alternatives"))
    # 'Financial Year 2024-25' (a split year) is the fiscal year ending in 2025, as the reader names it.
    split = pl.col("period").str.extract(r"^(?:FY\s*)?(\d{4})\s*[-/]\s*\d{2,4}$")
    return truth.with_columns(
        pl.when(split.is_not_null()).then(split.cast(pl.Int64) + 1)
        .otherwise(pl.coalesce(pl.col("period").str.extract(r"(\d{4})").cast(pl.Int64),
                               pl.col("period").str.extract(r"(?i)^FY\s*'?(\d{2})\b").cast(pl.Int64) + 2000))
        .alias("fiscal_year"),
        pl.when(pl.col("period").str.to_uppercase().str.starts_with("FY") | split.is_not_null()).then(pl.lit("fiscal"))
        .otherwise(pl.lit("calendar")).alias("period_type"),
        pl.col("value_canonical").cast(pl.Float64))


def outcome(truth_value: float, alternatives: str | None, found: float | None) -> str:
    if found is None:
        return "missed"
    accepted = [truth_value] + [float(a) for a in (alternatives or "").split(";") if a.strip()]
    if any(abs(found - a) <= TOLERANCE * max(abs(a), 1e-9) for a in accepted):
        return "exact"
    if found and truth_value:
        power = math.log10(abs(found / truth_value))
        if abs(power) >= 2.5 and abs(power - round(power)) < 0.01:
            return "unit_scale"
    return "wrong"


def score_rows(truth: pl.DataFrame, chosen: pl.DataFrame) -> pl.DataFrame:
    """One row per truth row: what was found and its outcome. `chosen`: report_id, metric,
    fiscal_year, period_type, value, page (company-wide chosen values)."""
    found = {(r["report_id"], r["metric"], r["fiscal_year"]): r for r in chosen.iter_rows(named=True)}
    rows = []
    for row in truth.iter_rows(named=True):
        hit = found.get((row["document"], row["metric"], row["fiscal_year"]))
        value = hit["value"] if hit else None
        result = outcome(row["value_canonical"], row["alternatives"], value)
        if result == "exact" and hit["period_type"] != row["period_type"]:
            result = "wrong"  # right number, but FY2023 read as calendar 2023 (or the reverse)
        rows.append({"document": row["document"], "metric": row["metric"], "period": row["period"],
                     "truth": row["value_canonical"], "found": value, "found_page": hit["page"] if hit else None,
                     "outcome": result})
    return pl.DataFrame(rows, schema={"document": pl.Utf8, "metric": pl.Utf8, "period": pl.Utf8, "truth": pl.Float64,
                                      "found": pl.Float64, "found_page": pl.Int64, "outcome": pl.Utf8})


def score_documents(truth: pl.DataFrame, chosen: pl.DataFrame) -> pl.DataFrame:
    """Per document: truth rows, exact, unit_scale, wrong, missed, false_values, extra_years, exact_pct."""
    scored = score_rows(truth, chosen)
    disclosed = {(d, m) for d, m in truth.select("document", "metric").iter_rows()}
    truth_keys = {(d, m, y) for d, m, y in truth.select("document", "metric", "fiscal_year").iter_rows()}
    summary = []
    for document in truth["document"].unique(maintain_order=True).to_list():
        mine = scored.filter(pl.col("document") == document)
        values = chosen.filter((pl.col("report_id") == document) & pl.col("metric").is_in(SCORED_METRICS))
        false_values = sum(1 for m in values["metric"] if (document, m) not in disclosed)
        extra = sum(1 for m, y in values.select("metric", "fiscal_year").iter_rows()
                    if (document, m) in disclosed and (document, m, y) not in truth_keys)
        counts = {o: mine.filter(pl.col("outcome") == o).height for o in OUTCOMES}
        summary.append({"document": document, "truth_rows": mine.height, **counts, "false_values": false_values,
                        "extra_years": extra, "exact_pct": round(100 * counts["exact"] / max(mine.height, 1), 1)})
    return pl.DataFrame(summary, schema=SUMMARY_SCHEMA)
