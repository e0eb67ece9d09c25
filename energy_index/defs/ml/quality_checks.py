"""Quality checks on the trained models: a refresh whose scores fall past a stated tolerance from the
last published model's fails its check.

Each check compares the scores its asset just appended to a warehouse history table with the
scores of the model published before it:

- `ml/energy_classifier_baseline` appends one row per population to `ml.energy_classifier_metrics`
  (rows with a `model_path`; the evaluation's rows have none) and overwrites its saved models, so
  the previous published model is the previous training run with the same population and split.
- `ml/energy_model_production` appends its candidate to `ml.energy_model_production_history` with
  `replaced` (whether it became the saved model); the previous published model is the latest
  earlier row with `replaced` true.

The tolerances are rows of the assumptions seed (`model_accuracy_drop_tolerance`,
`model_mape_rise_tolerance`). The checks are severity ERROR but not blocking: the model is already
saved when they run; they tell the analyst, they do not stop the refresh.
"""

from datetime import datetime

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from energy_index.assumptions import ASSUMPTIONS_KEY, assumption
from energy_index.defs.ml.assets import METRICS_TABLE
from energy_index.defs.ml.energy_models import PRODUCTION_HISTORY_TABLE, PRODUCTION_KEY
from energy_index.metadata_tables import frame_table
from energy_index.warehouse import table_exists

BASELINE_KEY = dg.AssetKey(["ml", "energy_classifier_baseline"])
ACCURACY_TOLERANCE = "model_accuracy_drop_tolerance"
MAPE_TOLERANCE = "model_mape_rise_tolerance"
# Scores are stored as doubles; an unchanged model must never fail on rounding.
EPSILON = 1e-9

SCORES_SCHEMA = {
    "subject": pl.Utf8, "model": pl.Utf8, "metric": pl.Utf8, "current": pl.Float64, "previous": pl.Float64,
    "change": pl.Float64, "limit": pl.Float64, "within_tolerance": pl.Boolean, "current_trained_at": pl.Utf8,
    "previous_trained_at": pl.Utf8,
}


def _when(value) -> str | None:
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value


def _accuracy_row(subject: str, model: str, metric: str, current: dict, previous: dict | None, column: str,
                  tolerance: float) -> dict:
    """Higher is better: the worst accepted value is the previous one minus the tolerance (absolute)."""
    before = previous[column] if previous else None
    limit = before - tolerance if before is not None else None
    return {"subject": subject, "model": model, "metric": metric, "current": current[column], "previous": before,
            "change": current[column] - before if before is not None else None, "limit": limit,
            "within_tolerance": limit is None or current[column] >= limit - EPSILON,
            "current_trained_at": _when(current["trained_at"]),
            "previous_trained_at": _when(previous["trained_at"]) if previous else None}


def _mape_row(subject: str, model: str, current: dict, previous: dict | None, tolerance: float) -> dict:
    """Lower is better: the worst accepted value is the previous one raised by the tolerance (relative)."""
    column = "regressor_grouped_mape_pct"
    before = previous[column] if previous else None
    limit = before * (1 + tolerance) if before is not None else None
    return {"subject": subject, "model": model, "metric": "grouped-CV MAPE (%)", "current": current[column],
            "previous": before, "change": current[column] - before if before is not None else None, "limit": limit,
            "within_tolerance": limit is None or current[column] <= limit + EPSILON,
            "current_trained_at": _when(current["trained_at"]),
            "previous_trained_at": _when(previous["trained_at"]) if previous else None}


def _result(rows: list[dict], tolerance_name: str, tolerance: float, what: str,
            extra: dict | None = None) -> dg.AssetCheckResult:
    """Pass unless a compared row is past its limit; the metadata holds every row, the tolerance and
    (with one row) the scores as plain numbers too, so the UI can plot them."""
    compared = [r for r in rows if r["previous"] is not None]
    regressed = [r for r in compared if not r["within_tolerance"]]
    if not rows:
        description = (f"No {what} scores in the history yet (it starts with the asset's next materialisation): "
                       "nothing to compare.")
    elif not compared:
        description = f"No baseline yet: no earlier published {what} to compare with; these scores become the baseline."
    elif regressed:
        description = "REGRESSED past the tolerance: " + "; ".join(
            f"{r['subject']} ({r['model']}): {r['metric']} {r['current']:.4f}, previous {r['previous']:.4f}, "
            f"worst accepted {r['limit']:.4f}" for r in regressed)
    else:
        description = f"Every {what} score is within the tolerance of the last published model's."
    metadata = {
        "scores": frame_table(pl.DataFrame(rows, schema=SCORES_SCHEMA)),
        "baseline": "compared with the last published model" if compared else "none yet (first published model)",
        "tolerance": dg.MetadataValue.float(tolerance),
        "tolerance_assumption": f"{tolerance_name} (dbt_project/seeds/assumptions.csv)",
        "regressed": dg.MetadataValue.json([f"{r['subject']}: {r['metric']}" for r in regressed]),
        **(extra or {}),
    }
    for row in rows:
        prefix = f"{row['subject']}/" if len(rows) > 1 else ""
        metadata[f"{prefix}current"] = dg.MetadataValue.float(row["current"])
        if row["previous"] is not None:
            metadata[f"{prefix}previous"] = dg.MetadataValue.float(row["previous"])
            metadata[f"{prefix}change"] = dg.MetadataValue.float(row["change"])
    return dg.AssetCheckResult(passed=not regressed, severity=dg.AssetCheckSeverity.ERROR,
                               description=description, metadata=metadata)


def _columns(conn: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {name for (name,) in conn.execute(f"select column_name from (describe {table})").fetchall()}


def baseline_scores(conn: duckdb.DuckDBPyConnection) -> list[tuple[dict, dict | None]]:
    """The latest baseline training run's rows, each with the previous run's row for the same
    population and split (None when there is none)."""
    if not table_exists(conn, METRICS_TABLE) or "model_path" not in _columns(conn, METRICS_TABLE):
        return []
    history = conn.sql(f"""select training_run_id, trained_at, population, estimator, evaluation_scheme, accuracy
        from {METRICS_TABLE} where model_path is not null order by trained_at desc""").pl().to_dicts()
    if not history:
        return []
    latest = history[0]["training_run_id"]
    def same_split(row: dict, current: dict) -> bool:
        return (row["population"], row["evaluation_scheme"]) == (current["population"], current["evaluation_scheme"])

    pairs = []
    for current in (r for r in history if r["training_run_id"] == latest):
        earlier = (r for r in history if r["training_run_id"] != latest and r["trained_at"] < current["trained_at"])
        pairs.append((current, next((r for r in earlier if same_split(r, current)), None)))
    return sorted(pairs, key=lambda pair: pair[0]["population"])


def production_scores(conn: duckdb.DuckDBPyConnection) -> tuple[dict | None, dict | None]:
    """The latest production candidate and the model published before it (None when there is none)."""
    if not table_exists(conn, PRODUCTION_HISTORY_TABLE):
        return None, None
    history = conn.sql(f"select *, recorded_at as trained_at from {PRODUCTION_HISTORY_TABLE} "
                       "order by recorded_at desc").pl().to_dicts()
    if not history:
        return None, None
    return history[0], next((r for r in history[1:] if r["replaced"]), None)


@dg.asset_check(asset=BASELINE_KEY, name="accuracy_not_regressed", blocking=False, pool="warehouse",
                additional_deps=[ASSUMPTIONS_KEY])
def baseline_accuracy_not_regressed(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Fails when the baseline classifier's accuracy drops more than the tolerance below the last
    published baseline's, for any population.

    The baseline scores one 70/30 stratified split (it has no grouped-CV score), so this compares
    held-out accuracy, population by population, with the previous training run on the same split.
    The tolerance is `model_accuracy_drop_tolerance` in the assumptions seed (0.02 = 2 percentage
    points). The models are seeded, so unchanged data scores the same: a drop means the runs
    changed. The new model is already saved; read the `scores` table, then
    `sql/classifier_history.sql` for the history. The first run passes with no baseline.
    """
    tolerance = assumption(ACCURACY_TOLERANCE)
    with duckdb.get_connection() as conn:
        pairs = baseline_scores(conn)
    rows = [_accuracy_row(current["population"], current["estimator"], f"{current['evaluation_scheme']} accuracy",
                          current, previous, "accuracy", tolerance) for current, previous in pairs]
    return _result(rows, ACCURACY_TOLERANCE, tolerance, "baseline classifier")


@dg.asset_check(asset=PRODUCTION_KEY, name="grouped_accuracy_not_regressed", blocking=False, pool="warehouse",
                additional_deps=[ASSUMPTIONS_KEY])
def production_grouped_accuracy_not_regressed(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Fails when the production classifier's grouped-CV accuracy (models held out whole, the honest
    score) drops more than the tolerance below the last published production model's.

    The tolerance is `model_accuracy_drop_tolerance` in the assumptions seed (0.02 = 2 percentage
    points). The candidate is checked whether or not it replaced the saved model (`replaced` in
    the metadata): the asset keeps the old model only when macro-F1 falls, so accuracy can still
    slip. History: `ml.energy_model_production_history`. The first run passes with no baseline.
    """
    tolerance = assumption(ACCURACY_TOLERANCE)
    with duckdb.get_connection() as conn:
        current, previous = production_scores(conn)
    rows = [] if current is None else [_accuracy_row(
        "production classifier", f"{current['classifier_estimator']} on {current['classifier_feature_set']}",
        "grouped-CV accuracy", current, previous, "grouped_accuracy", tolerance)]
    extra = {"replaced": bool(current["replaced"])} if current else {}
    if previous:
        extra["previous_model"] = f"{previous['classifier_estimator']} on {previous['classifier_feature_set']}"
    return _result(rows, ACCURACY_TOLERANCE, tolerance, "production classifier", extra)


@dg.asset_check(asset=PRODUCTION_KEY, name="grouped_mape_not_regressed", blocking=False, pool="warehouse",
                additional_deps=[ASSUMPTIONS_KEY])
def production_grouped_mape_not_regressed(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Fails when the production regressor's grouped-CV MAPE (mean absolute percentage error of the
    predicted energy, models held out whole) rises more than the tolerance above the last published
    production model's.

    The tolerance is relative: `model_mape_rise_tolerance` in the assumptions seed (0.10 lets a
    MAPE of 26% rise to 28.6%). The production model is kept or replaced on the classifier's
    macro-F1 alone, so a worse regressor can be published with a better classifier: this check is
    where that shows. History: `ml.energy_model_production_history`. The first run passes with no
    baseline.
    """
    tolerance = assumption(MAPE_TOLERANCE)
    with duckdb.get_connection() as conn:
        current, previous = production_scores(conn)
    rows = [] if current is None else [_mape_row(
        "production regressor", f"{current['regressor_estimator']} on {current['regressor_feature_set']}",
        current, previous, tolerance)]
    extra = {"replaced": bool(current["replaced"])} if current else {}
    if previous:
        extra["previous_model"] = f"{previous['regressor_estimator']} on {previous['regressor_feature_set']}"
    return _result(rows, MAPE_TOLERANCE, tolerance, "production regressor", extra)


ML_QUALITY_CHECKS = [
    baseline_accuracy_not_regressed,
    production_grouped_accuracy_not_regressed,
    production_grouped_mape_not_regressed,
]
