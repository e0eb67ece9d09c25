"""ML assets: the seed baseline energy-label classifier and its metrics table."""


import json
import uuid
from dataclasses import asdict
from pathlib import Path

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from energy_index.defs.ml.artifacts import save_model
from energy_index.defs.ml.baseline import LABELS, POPULATIONS, train_baseline
from energy_index.plots import confusion_matrix_plot
from energy_index.warehouse import append_rows, utcnow

WORKLOAD_ENERGY = dg.AssetKey(["marts", "fct_workload_energy"])
METRICS_TABLE = "ml.energy_classifier_metrics"


class ClassifierConfig(dg.Config):
    test_size: float = 0.3
    seed: int = 42
    populations: list[str] = list(POPULATIONS)


class ModelStore(dg.ConfigurableResource):
    """Where trained model artefacts are written (ENERGY_INDEX_HOME/models)."""

    models_dir: str

    def save(self, name: str, model, metadata: dict) -> Path:
        return save_model(Path(self.models_dir) / f"{name}.joblib", {"model": model, **metadata}, metadata)


@dg.asset(key=["ml", "energy_classifier_baseline"], deps=[WORKLOAD_ENERGY],
          kinds={"scikitlearn"}, pool="warehouse")
def energy_classifier_baseline(context: dg.AssetExecutionContext, config: ClassifierConfig,
                               duckdb: DuckDBResource, model_store: ModelStore) -> dg.MaterializeResult:
    """The original analysis's Low/Medium/High energy classifier, trained per population.

    Logistic regression (liblinear, balanced, one-vs-rest) on configuration and runtime
    features only, 70/30 stratified split with seed 42. Populations: all runs, and the runs
    without `mllm_text_generation` (the original analysis's ~431). Appends one row per
    (training run, estimator, scheme, population) to `ml.energy_classifier_metrics` and saves
    each fitted model with its metadata under `models/`.
    """
    unknown = set(config.populations) - set(POPULATIONS)
    if unknown:
        raise dg.Failure(f"unknown population(s) {sorted(unknown)}; choose from {sorted(POPULATIONS)}")
    training_run_id, trained_at = str(uuid.uuid4()), utcnow()
    rows, metadata = [], {}
    with duckdb.get_connection() as conn:
        for population in config.populations:
            runs = conn.sql(
                f"select * from marts.fct_workload_energy where {POPULATIONS[population]} order by run_id"
            ).pl()
            model, evaluation = train_baseline(runs, population, config.test_size, config.seed)
            record = {"training_run_id": training_run_id, "trained_at": trained_at, **asdict(evaluation),
                      "labels": LABELS, "test_size": config.test_size, "seed": config.seed}
            path = model_store.save(f"energy_classifier_baseline_{population}", model, record)
            rows.append({**record, "confusion": json.dumps(evaluation.confusion), "model_path": str(path)})
            metadata[f"{population}/accuracy"] = dg.MetadataValue.float(round(evaluation.accuracy, 4))
            metadata[f"{population}/macro_f1"] = dg.MetadataValue.float(round(evaluation.macro_f1, 4))
            metadata[f"{population}/runs"] = evaluation.n_runs
            metadata[f"{population}/confusion_matrix"] = confusion_matrix_plot(
                evaluation.confusion, LABELS, f"{population}: accuracy {evaluation.accuracy:.3f}")
            context.log.info(f"{population}: accuracy {evaluation.accuracy:.4f} on {evaluation.n_test} test runs")
        frame = pl.DataFrame(rows).rename({"confusion": "confusion_matrix"})
        append_rows(conn, METRICS_TABLE, frame)
    return dg.MaterializeResult(metadata={"training_run_id": training_run_id, **metadata})
