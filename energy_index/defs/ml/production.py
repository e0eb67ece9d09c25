"""The production energy model: chosen by the grouped score, calibrated, guarded, and used by `predict`."""

from pathlib import Path

import numpy as np
import polars as pl

from energy_index.defs.ml.artifacts import load_model, model_record, save_model
from energy_index.defs.ml.baseline import LABELS
from energy_index.defs.ml.features import CONFIG_COLUMNS, matrix, name_categories
from energy_index.defs.ml.modelling import CLASSIFIERS, REGRESSORS, SEED

MODEL_NAME = "energy_model_production"


def fit_production(runs: pl.DataFrame, classifier: tuple[str, str], regressor: tuple[str, str]) -> dict:
    """Fit the chosen classifier (with sigmoid-calibrated probabilities) and regressor on every run."""
    from sklearn.calibration import CalibratedClassifierCV  # lazily: scikit-learn is slow to import

    categories = name_categories(runs)
    class_x, class_features = matrix(runs, classifier[1], categories)
    calibrated = CalibratedClassifierCV(CLASSIFIERS[classifier[0]](), method="sigmoid", cv=5)
    calibrated.fit(class_x, runs["energy_label"].to_numpy())
    reg_x, reg_features = matrix(runs, regressor[1], categories)
    fitted_regressor = REGRESSORS[regressor[0]]().fit(reg_x, np.log(runs["energy_j"].to_numpy()))
    return {"classifier": calibrated, "regressor": fitted_regressor, "categories": categories,
            "classifier_spec": list(classifier), "regressor_spec": list(regressor),
            "classifier_features": class_features, "regressor_features": reg_features}


def model_path(models_dir: Path) -> Path:
    return models_dir / f"{MODEL_NAME}.joblib"


def current_score(models_dir: Path) -> float | None:
    """The grouped macro-F1 of the production model on disk, if there is a sound one."""
    record = model_record(model_path(models_dir))
    return record["grouped_macro_f1"] if record else None


def save_if_not_worse(models_dir: Path, bundle: dict, metadata: dict) -> tuple[bool, float | None]:
    """Replace the production model only if the new grouped score is at least the old one's."""
    previous = current_score(models_dir)
    if previous is not None and metadata["grouped_macro_f1"] < previous - 1e-9:
        return False, previous
    save_model(model_path(models_dir), {**bundle, **metadata}, metadata)
    return True, previous


# fct_workload_energy columns of later releases the fitted model has no feature for: accepted, and
# said to be outside what it learnt. v3's median inter-token latency stands in for v2's mean TPOT.
DESCRIPTIVE_COLUMNS = ["benchmark_release", "weight_precision", "architecture", "active_params_billion",
                       "params_billion", "num_gpus", "expert_parallel", "data_parallel", "accelerator", "median_itl_s"]
TRAINED_PRECISION = "bfloat16"  # the fitted release's runs are all 16-bit


def _outside_training(config: dict, bundle: dict) -> list[str]:
    """What in `config` the fitted model never saw: a GPU, a precision, a latency measure, a release."""
    notes = []
    gpus = bundle["categories"]["gpu"]
    if config.get("gpu") is not None and config["gpu"] not in gpus:
        notes.append(f"gpu {config['gpu']!r}: fitted on {', '.join(gpus)}")
    if config.get("weight_precision") not in (None, TRAINED_PRECISION, "float16"):
        notes.append(f"weight_precision {config['weight_precision']!r}: the fitted runs are all 16-bit")
    if config.get("median_itl_s") is not None and config.get("avg_tpot_s") is None:
        notes.append("median_itl_s used as avg_tpot_s (a median inter-token latency, not a mean)")
    counted = (config.get("tensor_parallel") or 1) * (config.get("pipeline_parallel") or 1)
    if config.get("num_gpus") not in (None, counted):
        notes.append(f"num_gpus {config['num_gpus']}: the model counts tensor x pipeline parallel GPUs ({counted}); "
                     "data and expert parallelism are not among its features")
    release = bundle.get("fitted_release", "v2 (saved before releases were recorded)")
    if config.get("benchmark_release") not in (None, release):
        notes.append(f"benchmark_release {config['benchmark_release']!r}: fitted on {release}")
    return notes


def predict(config: dict, models_dir: Path) -> dict:
    """Energy class, calibrated probabilities and predicted energy for one workload configuration.

    `config` uses fct_workload_energy's column names (gpu, task_family, batch_size,
    avg_tpot_s, ...); anything missing is treated as the training data's missing values (0). A later
    release's configuration (v3: median_itl_s, weight_precision, B200...) is accepted and predicted
    with what the model knows; `outside_training` lists what it never saw, so the figure is read as
    the extrapolation it is.
    """
    bundle = load_model(model_path(models_dir))
    unknown = sorted(set(config) - set(CONFIG_COLUMNS) - set(DESCRIPTIVE_COLUMNS))
    if unknown:
        raise ValueError(f"unknown configuration keys {unknown}; known: {CONFIG_COLUMNS + DESCRIPTIVE_COLUMNS}")
    outside = _outside_training(config, bundle)
    if config.get("avg_tpot_s") is None and config.get("median_itl_s") is not None:
        config = {**config, "avg_tpot_s": config["median_itl_s"]}
    row = pl.DataFrame([{column: config.get(column) for column in CONFIG_COLUMNS}],
                       schema={c: (pl.Utf8 if c in ("task_family", "task", "model", "gpu") else pl.Float64)
                               for c in CONFIG_COLUMNS})
    class_x, _ = matrix(row, bundle["classifier_spec"][1], bundle["categories"])
    reg_x, _ = matrix(row, bundle["regressor_spec"][1], bundle["categories"])
    probabilities = dict(zip(bundle["classifier"].classes_, bundle["classifier"].predict_proba(class_x)[0],
                             strict=True))
    return {
        "energy_label": max(probabilities, key=probabilities.get),
        "probabilities": {label: round(float(probabilities[label]), 4) for label in LABELS},
        "predicted_energy_j": round(float(np.exp(bundle["regressor"].predict(reg_x)[0])), 2),
        "classifier": bundle["classifier_spec"], "regressor": bundle["regressor_spec"],
        "grouped_macro_f1": bundle["grouped_macro_f1"], "trained_at": str(bundle["trained_at"]),
        "fitted_release": bundle.get("fitted_release", "v2"), "outside_training": outside,
        "seed": SEED,
    }
