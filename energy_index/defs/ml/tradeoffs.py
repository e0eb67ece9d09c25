"""Accuracy against carbon: every classifier and regressor of the latest evaluation, its grouped-CV
score beside what fitting it cost, with the Pareto front and the low-carbon leaders."""

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from energy_index.defs.ml.energy_models import EVALUATION_KEY
from energy_index.defs.ml.modelling import GROUPED
from energy_index.metadata_tables import frame_table
from energy_index.warehouse import replace_table, table_exists

TRADEOFFS_KEY = dg.AssetKey(["marts", "fct_model_tradeoffs"])
LEADER_MARGIN_POINTS = 1.0  # "within one point of the best score", as the emissions-tracking report ranks them
LATEST = """select * from {table} where evaluation_scheme = '{scheme}'
    and training_run_id = (select training_run_id from {table} where feature_set is not null
                           order by trained_at desc limit 1)"""


def pareto_front(frame: pl.DataFrame, score: str, cost: str, group: str) -> pl.Series:
    """True where no other row of the group scores at least as well for no more cost, and strictly
    better on one of the two; null where the cost is unknown."""
    flags = []
    rows = frame.select(group, score, cost).to_dicts()
    for row in rows:
        if row[cost] is None or row[score] is None:
            flags.append(None)
            continue
        dominated = any(other is not row and other[group] == row[group] and other[cost] is not None
                        and other[score] is not None and other[score] >= row[score] and other[cost] <= row[cost]
                        and (other[score] > row[score] or other[cost] < row[cost]) for other in rows)
        flags.append(not dominated)
    return pl.Series("on_pareto_front", flags, dtype=pl.Boolean)


def with_leaders(frame: pl.DataFrame) -> pl.DataFrame:
    """`within_one_point` of the kind's best measured score, and the cheapest of those as
    `low_carbon_leader` (a model whose cost was not measured cannot lead)."""
    best = pl.col("score_points").filter(pl.col("fit_gco2e").is_not_null()).max().over("kind")
    near = frame.with_columns((pl.col("score_points") >= best - LEADER_MARGIN_POINTS).alias("within_one_point"))
    cheapest = pl.col("fit_gco2e").filter(pl.col("within_one_point")).min().over("kind")
    return near.with_columns((pl.col("within_one_point") & (pl.col("fit_gco2e") == cheapest)).alias(
        "low_carbon_leader"))


def tradeoffs(classifiers: pl.DataFrame, regressors: pl.DataFrame) -> pl.DataFrame:
    """One row per estimator and feature set under grouped CV: its score in points (macro-F1 x 100
    for classifiers, R2 of ln energy x 100 for regressors) and its fitting cost."""
    cost = ["fit_energy_kwh", "fit_gco2e", "fit_duration_s", "footprint_mode", "training_run_id", "trained_at"]
    rows = pl.concat([
        classifiers.select(pl.lit("classifier").alias("kind"), "estimator", "feature_set",
                           (pl.col("macro_f1") * 100).alias("score_points"), pl.lit("macro-F1 x 100").alias("score"),
                           "accuracy", pl.lit(None, pl.Float64).alias("mape_pct"), *cost),
        regressors.select(pl.lit("regressor").alias("kind"), "estimator", "feature_set",
                          (pl.col("r2_log") * 100).alias("score_points"), pl.lit("R2 of ln energy x 100").alias("score"),
                          pl.lit(None, pl.Float64).alias("accuracy"), "mape_pct", *cost)], how="vertical_relaxed")
    rows = rows.with_columns((pl.col("fit_energy_kwh") * 1000).alias("fit_energy_wh"))
    return with_leaders(rows.with_columns(pareto_front(rows, "score_points", "fit_gco2e", "kind"))) \
        .sort("kind", "score_points", descending=[False, True])


FRONT_CHECK = "each_kind_has_a_pareto_front"


@dg.asset(key=TRADEOFFS_KEY, deps=[EVALUATION_KEY], kinds={"duckdb"}, pool="warehouse", check_specs=[
    dg.AssetCheckSpec(FRONT_CHECK, asset=TRADEOFFS_KEY,
                      description="Every kind of model (classifier, regressor) has at least one model on the "
                                  "accuracy-vs-carbon Pareto front and at most one low-carbon leader.")])
def fct_model_tradeoffs(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Accuracy against carbon for every classifier and regressor the latest evaluation fitted:
    grouped-CV score (points) beside the energy (Wh) and CO2e (g) CodeCarbon measured for fitting
    and scoring it, `on_pareto_front` (no other model scores as well for less), and the low-carbon
    leaders (the cheapest model within one point of the best score), also as the view
    `marts.low_carbon_leaders`. The scatter plot draws the front."""
    from energy_index.plots import tradeoff_plot

    with duckdb.get_connection() as conn:
        if not table_exists(conn, "ml.energy_regression_metrics"):
            return dg.MaterializeResult(metadata={"status": "no evaluation yet"}, check_results=[dg.AssetCheckResult(
                check_name=FRONT_CHECK, passed=True, metadata={"status": "no evaluation yet"})])
        latest = {t: conn.sql(LATEST.format(table=t, scheme=GROUPED)).pl()
                  for t in ("ml.energy_classifier_metrics", "ml.energy_regression_metrics")}
        frame = tradeoffs(*latest.values())
        replace_table(conn, "marts.fct_model_tradeoffs", frame)
        conn.execute("""create or replace view marts.low_carbon_leaders as
            select kind, estimator, feature_set, score, score_points, fit_energy_wh, fit_gco2e, low_carbon_leader
            from marts.fct_model_tradeoffs where within_one_point order by kind, fit_gco2e""")
    shown = frame.select("kind", "estimator", "feature_set", "score_points", "fit_energy_wh", "fit_gco2e",
                         "on_pareto_front", "low_carbon_leader")
    measured = frame.drop_nulls("fit_gco2e")
    return dg.MaterializeResult(check_results=[_front_check(frame)], metadata={
        "dagster/row_count": frame.height, "tradeoffs": frame_table(shown),
        "low_carbon_leaders": dg.MetadataValue.json(frame.filter("low_carbon_leader").select(
            "kind", "estimator", "feature_set").to_dicts()),
        **({"accuracy_vs_carbon": tradeoff_plot(measured.to_dicts())} if measured.height else {})})


def _front_check(frame: pl.DataFrame) -> dg.AssetCheckResult:
    per_kind = frame.group_by("kind").agg(pl.col("on_pareto_front").sum().alias("on_front"),
                                          pl.col("low_carbon_leader").sum().alias("leaders")).sort("kind")
    broken = per_kind.filter((pl.col("on_front") < 1) | (pl.col("leaders") > 1))
    return dg.AssetCheckResult(check_name=FRONT_CHECK, passed=per_kind.height > 0 and broken.is_empty(),
                               metadata={"per_kind": frame_table(per_kind)})
