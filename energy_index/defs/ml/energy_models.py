"""Energy models beyond the baseline: evaluation under both schemes, the production model, drivers."""

import json
import uuid
from pathlib import Path

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from energy_index.defs.footprint.recording import PipelineFootprint
from energy_index.defs.ml.artifacts import load_model, model_record
from energy_index.defs.ml.assets import WORKLOAD_ENERGY, ModelStore
from energy_index.defs.mlenergy.releases import FITTED_RELEASE
from energy_index.defs.ml.baseline import LABELS
from energy_index.defs.ml.features import BASELINE_FEATURES, PHYSICS_FEATURES, matrix, with_physics
from energy_index.defs.ml.fits import fitted_on, inputs_fingerprint, record_fit
from energy_index.defs.ml.modelling import (
    CLASSIFIERS,
    GROUPED,
    HOLDOUT,
    REGRESSORS,
    SEED,
    evaluate_classifier,
    evaluate_regressor,
    label_of,
)
from energy_index.defs.ml.production import fit_production, model_path, save_if_not_worse
from energy_index.metadata_tables import frame_table
from energy_index.plots import confusion_matrix_plot
from energy_index.warehouse import append_rows, replace_table, utcnow

EVALUATION_KEY = dg.AssetKey(["ml", "energy_model_evaluation"])
PRODUCTION_KEY = dg.AssetKey(["ml", "energy_model_production"])
# One row per production materialisation: the candidate's grouped scores and whether it replaced the
# saved model; the ML quality checks compare each candidate with the last one published.
PRODUCTION_HISTORY_TABLE = "ml.energy_model_production_history"


class EvaluationConfig(dg.Config):
    # Pydantic copies these defaults for every config instance; they are never shared.
    feature_sets: list[str] = ["baseline", "physics", "physics_with_names"]  # noqa: RUF012
    regression_feature_sets: list[str] = ["baseline", "physics"]  # noqa: RUF012


def _runs(duckdb: DuckDBResource) -> pl.DataFrame:
    with duckdb.get_connection() as conn:
        return conn.execute("select * from marts.fct_workload_energy where benchmark_release = ? order by run_id",
                            [FITTED_RELEASE]).pl()


def _cost(measurement) -> dict:
    """What fitting and scoring one estimator cost, as CodeCarbon measured it."""
    return {"fit_energy_kwh": measurement.energy_kwh, "fit_gco2e": measurement.gco2e,
            "fit_duration_s": measurement.duration_s, "footprint_mode": measurement.mode}


def _frame(rows: list[dict]) -> pl.DataFrame:
    """Rows as a frame whose cost columns stay numbers when nothing was measured (tracking off)."""
    return pl.DataFrame(rows).with_columns(pl.col("fit_energy_kwh", "fit_gco2e").cast(pl.Float64))


def _classifier_rows(runs: pl.DataFrame, feature_sets: list[str], run_id: str, trained_at,
                     footprint: PipelineFootprint) -> list[dict]:
    rows = []
    for estimator in CLASSIFIERS:
        for feature_set in feature_sets:
            for scheme in (HOLDOUT, GROUPED):
                with footprint.measure(f"fit {estimator} {feature_set} {scheme}") as cost:
                    scores = evaluate_classifier(runs, estimator, feature_set, scheme)
                rows.append({**_cost(cost), "training_run_id": run_id, "trained_at": trained_at, "estimator": estimator,
                             "feature_set": feature_set, "evaluation_scheme": scheme, "population": "all_runs",
                             "n_runs": scores.n_runs, "n_train": scores.n_train, "n_test": scores.n_test,
                             "accuracy": scores.metrics["accuracy"], "macro_f1": scores.metrics["macro_f1"],
                             "confusion_matrix": json.dumps(scores.metrics["confusion_matrix"]),
                             "features": matrix(runs, feature_set)[1], "labels": LABELS, "seed": SEED})
    return rows


def _regression(runs: pl.DataFrame, feature_sets: list[str], run_id: str, trained_at, footprint: PipelineFootprint):
    rows, best = [], None
    for estimator in REGRESSORS:
        for feature_set in feature_sets:
            for scheme in (HOLDOUT, GROUPED):
                with footprint.measure(f"fit {estimator} {feature_set} {scheme}") as cost:
                    scores = evaluate_regressor(runs, estimator, feature_set, scheme)
                rows.append({**_cost(cost), "training_run_id": run_id, "trained_at": trained_at, "estimator": estimator,
                             "feature_set": feature_set, "evaluation_scheme": scheme, "target": "ln(energy_j)",
                             "n_runs": scores.n_runs, "n_test": scores.n_test, **scores.metrics})
                if scheme == GROUPED and (best is None or scores.metrics["r2_log"] > best.metrics["r2_log"]):
                    best = scores
    return rows, best


def _predictions(runs: pl.DataFrame, best, run_id: str) -> pl.DataFrame:
    return runs.select("run_id", "task", "modality", "model", "gpu", "energy_j", "energy_label").with_columns(
        pl.Series("predicted_energy_j", best.predictions), pl.Series("predicted_label", label_of(runs, best.predictions)),
        pl.Series("fold", best.folds), pl.lit(best.estimator).alias("estimator"),
        pl.lit(best.feature_set).alias("feature_set"), pl.lit(GROUPED).alias("evaluation_scheme"),
        pl.lit(run_id).alias("training_run_id"))


@dg.asset(key=EVALUATION_KEY, deps=[WORKLOAD_ENERGY], kinds={"scikitlearn"}, pool="warehouse")
def energy_model_evaluation(config: EvaluationConfig, duckdb: DuckDBResource,
                            footprint: PipelineFootprint) -> dg.MaterializeResult:
    """Every classifier (logistic, gradient boosting, random forest) and regressor on every feature
    set, under the stratified 70/30 split and under grouped CV that holds out whole models.

    Appends to `ml.energy_classifier_metrics` (the baseline's rows are untouched; these carry a
    `feature_set`) and `ml.energy_regression_metrics` (R2 of ln energy, MAE and MAPE on the
    energy scale, and the Low/Medium/High bin of the prediction), and replaces
    `ml.energy_predictions` with the best regressor's out-of-fold predictions per run.
    The grouped score is the honest one: it predicts models the training never saw. Every row
    carries what its fitting cost (`fit_energy_kwh`, `fit_gco2e`, CodeCarbon's `footprint_mode`).
    When the runs, settings and code are those of its last fit (a full refresh, a rebuilt mart with
    the same rows), nothing is refitted: the scores of that training run stand (ml/fits.py).
    """
    runs = _runs(duckdb)
    fingerprint = inputs_fingerprint(runs, config.model_dump())
    with duckdb.get_connection() as conn:
        reused = fitted_on(conn, EVALUATION_KEY.to_user_string(), fingerprint)
    if reused is not None:  # the very runs, settings and code of the last fit: its scores stand
        with duckdb.get_connection() as conn:
            classifiers = conn.execute("select * from ml.energy_classifier_metrics where training_run_id = ? "
                                       "and feature_set is not null", [reused]).pl().to_dicts()
            regressions = conn.execute("select * from ml.energy_regression_metrics where training_run_id = ?",
                                       [reused]).pl().to_dicts()
        return _evaluation_result(reused, classifiers, regressions, refitted=False)
    run_id, trained_at = str(uuid.uuid4()), utcnow()
    classifiers = _classifier_rows(runs, config.feature_sets, run_id, trained_at, footprint)
    regressions, best = _regression(runs, config.regression_feature_sets, run_id, trained_at, footprint)
    with duckdb.get_connection() as conn:
        append_rows(conn, "ml.energy_classifier_metrics", _frame(classifiers))
        append_rows(conn, "ml.energy_regression_metrics", _frame(regressions))
        replace_table(conn, "ml.energy_predictions", _predictions(runs, best, run_id))
        record_fit(conn, EVALUATION_KEY.to_user_string(), fingerprint, run_id)
    return _evaluation_result(run_id, classifiers, regressions, refitted=True)


def _evaluation_result(run_id: str, classifiers: list[dict], regressions: list[dict],
                       refitted: bool) -> dg.MaterializeResult:
    table = pl.DataFrame(classifiers).select("estimator", "feature_set", "evaluation_scheme", "accuracy", "macro_f1")
    champion = max((r for r in classifiers if r["evaluation_scheme"] == GROUPED), key=lambda r: r["macro_f1"])
    return dg.MaterializeResult(metadata={
        "training_run_id": run_id,
        "refitted": refitted,
        **({} if refitted else {"reused": dg.MetadataValue.text(
            "the runs, settings and code are those of this training run: its fits and scores stand")}),
        "classifiers": frame_table(table.sort("evaluation_scheme", "macro_f1", descending=True)),
        "regressors": frame_table(pl.DataFrame(regressions).select(
            "estimator", "feature_set", "evaluation_scheme", "r2_log", "mae_j", "mape_pct", "binned_accuracy")),
        "best_grouped_classifier": f"{champion['estimator']} on {champion['feature_set']}",
        "best_grouped_macro_f1": dg.MetadataValue.float(round(champion["macro_f1"], 4)),
        "best_grouped_confusion_matrix": confusion_matrix_plot(
            json.loads(champion["confusion_matrix"]), LABELS, f"grouped CV: {champion['estimator']}"),
    })


@dg.asset(key=PRODUCTION_KEY, deps=[EVALUATION_KEY, WORKLOAD_ENERGY], kinds={"scikitlearn"}, pool="warehouse")
def energy_model_production(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
                            model_store: ModelStore) -> dg.MaterializeResult:
    """The production energy model: the classifier and regressor with the best grouped-CV scores
    of the latest evaluation, refitted on every run, with sigmoid-calibrated class probabilities.

    Saved under `models/energy_model_production.*` and used by `energy-index predict`. A
    refresh whose best grouped macro-F1 is lower than the saved model's keeps the saved model
    and says so in this asset's metadata: a worse model never replaces a better one silently.
    Appends the candidate's grouped scores and whether it was published (`replaced`) to
    `ml.energy_model_production_history`.
    """
    with duckdb.get_connection() as conn:
        latest = conn.execute("select training_run_id from ml.energy_regression_metrics "
                              "order by trained_at desc limit 1").fetchone()[0]
        # Ties go to the variant without model/GPU names, which also serves models never seen.
        best_classifier = conn.execute(
            "select estimator, feature_set, macro_f1, accuracy from ml.energy_classifier_metrics "
            "where training_run_id = ? and evaluation_scheme = ? "
            "order by macro_f1 desc, feature_set like '%names%', estimator limit 1", [latest, GROUPED]).fetchone()
        best_regressor = conn.execute(
            "select estimator, feature_set, r2_log, mape_pct from ml.energy_regression_metrics "
            "where training_run_id = ? and evaluation_scheme = ? order by r2_log desc limit 1",
            [latest, GROUPED]).fetchone()
    metadata = {"grouped_macro_f1": best_classifier[2], "grouped_accuracy": best_classifier[3],
                "regressor_grouped_r2_log": best_regressor[2], "regressor_grouped_mape_pct": best_regressor[3],
                "trained_at": utcnow().isoformat(), "chosen_classifier": list(best_classifier[:2]),
                "chosen_regressor": list(best_regressor[:2]), "fitted_release": FITTED_RELEASE}
    replaced, previous, verdict = _fit_or_keep(duckdb, Path(model_store.models_dir), latest, best_classifier[:2],
                                               best_regressor[:2], metadata)
    context.log.info(verdict)
    with duckdb.get_connection() as conn:
        append_rows(conn, PRODUCTION_HISTORY_TABLE, pl.DataFrame([{
            "recorded_at": utcnow(), "training_run_id": latest, "replaced": replaced,
            "classifier_estimator": best_classifier[0], "classifier_feature_set": best_classifier[1],
            "regressor_estimator": best_regressor[0], "regressor_feature_set": best_regressor[1],
            **{k: float(metadata[k]) for k in ("grouped_accuracy", "grouped_macro_f1", "regressor_grouped_r2_log",
                                                "regressor_grouped_mape_pct")}}]))
    return dg.MaterializeResult(metadata={
        "verdict": verdict, "replaced": replaced,
        "classifier": f"{best_classifier[0]} on {best_classifier[1]} (calibrated, sigmoid)",
        "regressor": f"{best_regressor[0]} on {best_regressor[1]}",
        "grouped_macro_f1": dg.MetadataValue.float(round(best_classifier[2], 4)),
        "previous_grouped_macro_f1": dg.MetadataValue.float(round(previous, 4)) if previous is not None else "none",
    })


def _fit_or_keep(duckdb: DuckDBResource, models_dir: Path, evaluation_run: str, classifier: tuple, regressor: tuple,
                 metadata: dict) -> tuple[bool, float | None, str]:
    """Fit the production candidate and save it unless it is worse than the saved model; when the
    saved model is this very candidate (its sound file's record carries the fingerprint of the same
    runs, choice and code), keep it without refitting.
    Returns (the candidate is the saved model, the saved model's score before, verdict)."""
    runs = _runs(duckdb)
    metadata["inputs_fingerprint"] = inputs_fingerprint(runs, evaluation_run, classifier, regressor)
    saved = model_record(model_path(models_dir))
    if saved is not None and saved.get("inputs_fingerprint") == metadata["inputs_fingerprint"]:
        return True, saved["grouped_macro_f1"], "kept the saved model: it was fitted on these very runs and choice"
    replaced, previous = save_if_not_worse(models_dir, fit_production(runs, classifier, regressor), metadata)
    if not replaced:
        return False, previous, (f"KEPT the previous model: its grouped macro-F1 {previous:.4f} beats the new "
                                 f"{metadata['grouped_macro_f1']:.4f}")
    return True, previous, "replaced the previous model"


@dg.asset(key=["ml", "energy_drivers"], deps=[PRODUCTION_KEY, WORKLOAD_ENERGY], kinds={"scikitlearn"},
          pool="warehouse")
def energy_drivers(duckdb: DuckDBResource, model_store: ModelStore) -> dg.MaterializeResult:
    """What drives energy: Pearson and Spearman correlation of each numeric feature with energy
    (overall and per modality), and the permutation importance of each production-model feature
    (drop in accuracy when the feature is shuffled, mean of 5 repeats). Writes `ml.energy_drivers`."""
    from sklearn.inspection import permutation_importance  # lazily: scikit-learn is slow to import

    runs = with_physics(_runs(duckdb))
    rows = []
    for modality, group in [("all", runs), *((m, g) for (m,), g in runs.group_by("modality"))]:
        for feature in BASELINE_FEATURES + PHYSICS_FEATURES:
            pair = group.select(pl.col(feature).cast(pl.Float64), "energy_j").drop_nulls()
            if pair.height < 3 or pair[feature].n_unique() < 2:
                continue
            for method in ("pearson", "spearman"):
                value = pair.select(pl.corr(feature, "energy_j", method=method)).item()
                rows.append({"kind": method, "modality": modality, "feature": feature, "value": value, "n": pair.height})
    bundle = load_model(model_path(Path(model_store.models_dir)))
    features, names = matrix(runs, bundle["classifier_spec"][1], bundle["categories"])
    importance = permutation_importance(bundle["classifier"], features, runs["energy_label"].to_numpy(),
                                        n_repeats=5, random_state=SEED, scoring="accuracy")
    rows += [{"kind": "permutation_importance", "modality": "all", "feature": name, "value": float(mean),
              "n": runs.height} for name, mean in zip(names, importance.importances_mean, strict=True)]
    frame = pl.DataFrame(rows)
    with duckdb.get_connection() as conn:
        replace_table(conn, "ml.energy_drivers", frame)
    top = frame.filter(pl.col("modality") == "all").sort(pl.col("value").abs(), descending=True)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": frame.height,
        "top_spearman": frame_table(top.filter(pl.col("kind") == "spearman").head(8)),
        "top_permutation_importance": frame_table(
            top.filter(pl.col("kind") == "permutation_importance").head(8)),
        "strongest_spearman": str(top.filter(pl.col("kind") == "spearman")["feature"].head(3).to_list()),
    })
