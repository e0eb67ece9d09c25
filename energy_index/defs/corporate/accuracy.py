"""Scoring the report reader inside the pipeline, against every truth file it is given.

Truth files hold figures read by eye from reports (the layout of
`../shared/corporate/truth.csv`); a file's `document` is the registry's `report_id`. After
every refresh this asset scores the chosen values of each registered report that has truth
rows, and writes per document: truth rows found exactly, missed, wrong, wrong by a unit
scale, false values for metrics the document does not disclose (`quality.
corporate_reader_accuracy`), and every scored row (`quality.corporate_reader_scored_rows`).
Its check holds each truth set to its targets (`corporate_reader_targets` seed).
"""

from __future__ import annotations

import csv
from pathlib import Path

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from energy_index.assumptions import seed_key
from energy_index.defs.corporate.assets import METRICS_KEY, STATUS_TABLE
from energy_index.defs.corporate.scoring import read_truth, score_documents, score_rows
from energy_index.defs.sources.upstream import file_version, observation, upstream_source
from energy_index.metadata_tables import frame_table
from energy_index.settings import DBT_PROJECT_DIR, PROJECT_TRUTH, SHARED_TRUTH
from energy_index.warehouse import replace_table, utcnow

ACCURACY_KEY = dg.AssetKey(["quality", "corporate_reader_accuracy"])
UPSTREAM_TRUTH_KEY = dg.AssetKey(["upstream", "corporate_reader_truth"])
TARGETS_PATH = DBT_PROJECT_DIR / "seeds" / "corporate_reader_targets.csv"
CHECK = "reader_meets_accuracy_targets"
SUMMARY_COLUMNS = ["document", "truth_set", "truth_rows", "exact", "missed", "wrong", "unit_scale", "false_values",
                   "extra_years", "exact_pct"]


class ReaderTruth(dg.ConfigurableResource):
    """The truth files to score the report reader against (CSV paths)."""

    paths: list[str]

    def load(self) -> pl.DataFrame:
        frames = []
        for path in map(Path, self.paths):
            if not path.exists():
                raise dg.Failure(f"[corporate_reader_accuracy] truth file {path} does not exist")
            frames.append(read_truth(path).select("document", "metric", "period", "fiscal_year", "period_type",
                                                  "value_canonical", "alternatives")
                          .with_columns(pl.lit(truth_set(path)).alias("truth_set")))
        return pl.concat(frames).unique(["document", "metric", "period"], keep="first", maintain_order=True)


def truth_set(path: Path) -> str:
    resolved = path.resolve()
    return "reference" if resolved == PROJECT_TRUTH.resolve() else \
        "development" if resolved == SHARED_TRUTH.resolve() else "held_out"


def targets() -> dict[str, dict]:
    with TARGETS_PATH.open(newline="") as handle:
        return {row["truth_set"]: row for row in csv.DictReader(handle)}


@upstream_source(UPSTREAM_TRUTH_KEY)
def upstream_reader_truth(reader_truth: ReaderTruth) -> dg.ObserveResult:
    """The figures read by eye that the report reader is scored against (each file's sha256)."""
    return observation({path: file_version(Path(path)) for path in reader_truth.paths})


@dg.asset(key=ACCURACY_KEY, deps=[METRICS_KEY, UPSTREAM_TRUTH_KEY, seed_key("corporate_reader_targets"),
                                        seed_key("corporate_reader_truth")], kinds={"duckdb"}, pool="warehouse",
          check_specs=[dg.AssetCheckSpec(CHECK, asset=ACCURACY_KEY, blocking=False,
                                         description="Each truth set meets its targets: share of truth rows "
                                                     "read exactly, no unit-scale errors, no false values.")])
def corporate_reader_accuracy(duckdb: DuckDBResource, reader_truth: ReaderTruth):
    """How well the report reader reads the reports it has figures read by eye for, per document."""
    truth = reader_truth.load()
    with duckdb.get_connection() as conn:
        chosen = conn.execute("""select report_id, metric, fiscal_year, period_type, value, page
            from raw.corporate_report_metrics where is_primary and region is null""").pl()
        parsed = {r for (r,) in conn.execute(f"select report_id from {STATUS_TABLE} where status <> 'unavailable'")
                  .fetchall()}
        scored_truth = truth.filter(pl.col("document").is_in(sorted(parsed)))
        summary = score_documents(scored_truth, chosen).join(
            scored_truth.select("document", "truth_set").unique(), on="document", how="left")
        rows = score_rows(scored_truth, chosen).with_columns(pl.lit(utcnow()).alias("scored_at"))
        replace_table(conn, "quality.corporate_reader_accuracy", summary.with_columns(pl.lit(utcnow()).alias("scored_at")))
        replace_table(conn, "quality.corporate_reader_scored_rows", rows)
    unscored = sorted(set(truth["document"].unique()) - parsed)
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": summary.height,
        "by_document": frame_table(summary.select(SUMMARY_COLUMNS)),
        "not_parsed_here": dg.MetadataValue.text(", ".join(unscored) or "none"),
        **{f"{s}_exact_pct": float(v) for s, v in _by_set(summary).items()}})
    yield _check(summary)


def _by_set(summary: pl.DataFrame) -> dict[str, float]:
    if summary.is_empty():
        return {}
    grouped = summary.group_by("truth_set").agg(pl.sum("exact"), pl.sum("truth_rows"))
    return {s: round(100 * e / max(t, 1), 1) for s, e, t in grouped.select("truth_set", "exact", "truth_rows").rows()}


def _check(summary: pl.DataFrame) -> dg.AssetCheckResult:
    failures, goals = [], targets()
    for truth_set_name, pct in _by_set(summary).items():
        goal = goals[truth_set_name]
        mine = summary.filter(pl.col("truth_set") == truth_set_name)
        if pct < float(goal["min_exact_pct"]):
            failures.append(f"{truth_set_name}: {pct}% exact, target {goal['min_exact_pct']}%")
        for column, limit in (("unit_scale", "max_unit_scale_errors"), ("false_values", "max_false_values")):
            if mine[column].sum() > int(goal[limit]):
                failures.append(f"{truth_set_name}: {mine[column].sum()} {column}, at most {goal[limit]}")
    return dg.AssetCheckResult(check_name=CHECK, passed=not failures, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"failures": dg.MetadataValue.text("; ".join(failures) or "none"),
                                         **{f"{s}_exact_pct": float(v) for s, v in _by_set(summary).items()}})
