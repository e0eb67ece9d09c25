"""The seed baseline classifier of the original analysis, reproduced exactly.

Multiclass logistic regression (liblinear, balanced classes, max_iter 1000) on configuration
and runtime features only (no energy columns, no model or GPU names), missing values filled
with 0, a 70/30 stratified split with seed 42. scikit-learn 1.9 no longer runs liblinear on
three classes directly, so it is wrapped in OneVsRestClassifier, which is what liblinear did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from energy_index.defs.mlenergy.releases import FITTED_RELEASE

if TYPE_CHECKING:
    from sklearn.multiclass import OneVsRestClassifier

LABELS = ["Low", "Medium", "High"]
# The original analysis's feature set, under the mart's column names.
BASELINE_FEATURES = [
    "batch_latency_s", "batch_size", "denoising_steps", "frames", "tensor_parallel",
    "pipeline_parallel", "avg_tpot_s", "token_throughput_tok_s", "avg_output_tokens",
    "avg_batch_size_reqs", "max_batch_size_reqs",
]
# Both within the fitted release (v2): the original analysis's data.
POPULATIONS = {
    "all_runs": f"benchmark_release = '{FITTED_RELEASE}'",
    # The original analysis's population: everything but the multimodal LLM family.
    "without_mllm": f"benchmark_release = '{FITTED_RELEASE}' and task_family <> 'mllm_text_generation'",
}


@dataclass
class Evaluation:
    estimator: str
    evaluation_scheme: str
    population: str
    n_runs: int
    n_train: int
    n_test: int
    accuracy: float
    macro_f1: float
    confusion: list[list[int]]
    features: list[str] = field(default_factory=lambda: list(BASELINE_FEATURES))


def tertile_labels(energy_j: np.ndarray) -> np.ndarray:
    """Low/Medium/High by tertiles of ln(1 + energy), cut like pandas.qcut (right-closed bins).

    The mart labels all runs this way; a population that is a subset is re-cut on its own
    tertiles, as the original analysis did for its 431 runs.
    """
    log_energy = np.log1p(energy_j)
    low_upper, medium_upper = np.quantile(log_energy, [1 / 3, 2 / 3])
    return np.where(log_energy <= low_upper, "Low", np.where(log_energy <= medium_upper, "Medium", "High"))


def baseline_estimator() -> OneVsRestClassifier:
    from sklearn.linear_model import LogisticRegression  # lazily: scikit-learn is slow to import
    from sklearn.multiclass import OneVsRestClassifier

    return OneVsRestClassifier(LogisticRegression(max_iter=1000, solver="liblinear", class_weight="balanced"))


def feature_matrix(runs: pl.DataFrame, features: list[str]) -> np.ndarray:
    return runs.select([pl.col(c).cast(pl.Float64).fill_null(0.0) for c in features]).to_numpy()


def train_baseline(runs: pl.DataFrame, population: str, test_size: float, seed: int):
    """Fit the baseline on one population; returns (fitted estimator, evaluation)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
    from sklearn.model_selection import train_test_split

    energy = runs["energy_j"].to_numpy()
    labels = tertile_labels(energy)
    features = feature_matrix(runs, BASELINE_FEATURES)
    x_train, x_test, y_train, y_test = train_test_split(
        features, labels, test_size=test_size, random_state=seed, stratify=labels
    )
    model = baseline_estimator().fit(x_train, y_train)
    predicted = model.predict(x_test)
    evaluation = Evaluation(
        estimator="logistic_regression_ovr_liblinear_balanced",
        evaluation_scheme=f"stratified_holdout_{round((1 - test_size) * 100)}_{round(test_size * 100)}",
        population=population,
        n_runs=len(labels),
        n_train=len(y_train),
        n_test=len(y_test),
        accuracy=float(accuracy_score(y_test, predicted)),
        macro_f1=float(f1_score(y_test, predicted, labels=LABELS, average="macro")),
        confusion=confusion_matrix(y_test, predicted, labels=LABELS).tolist(),
    )
    return model, evaluation
