"""Classifiers and regressors for energy, evaluated two ways.

`stratified_holdout_70_30` is the original analysis's split (seed 42): the same model can be
in both train and test, so it measures interpolation. `grouped_cv_by_model` holds out whole
models (GroupKFold over `model`, out-of-fold predictions for every run): it measures how well
energy is predicted for a model never seen, which is the honest figure.
"""

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from energy_index.defs.ml.baseline import LABELS, baseline_estimator
from energy_index.defs.ml.features import matrix, name_categories

SEED = 42
HOLDOUT, GROUPED = "stratified_holdout_70_30", "grouped_cv_by_model"


# scikit-learn is imported inside the factories: it is slow to import, and the code location
# loads this module long before any model is fitted.
def _hist_gradient_boosting():
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(random_state=SEED, class_weight="balanced")


def _random_forest():
    from sklearn.ensemble import RandomForestClassifier

    # One thread: on a few hundred runs, threads cost more than they save (measured: the evaluation
    # and the permutation importance both slowed with two).
    return RandomForestClassifier(n_estimators=100, random_state=SEED, class_weight="balanced",
                                  min_samples_leaf=2, n_jobs=1)


def _hist_gradient_boosting_regressor():
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(random_state=SEED)


def _random_forest_regressor():
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(n_estimators=100, random_state=SEED, min_samples_leaf=2, n_jobs=1)


CLASSIFIERS = {
    "logistic_regression_ovr_liblinear_balanced": baseline_estimator,
    "hist_gradient_boosting": _hist_gradient_boosting,
    "random_forest": _random_forest,
}
REGRESSORS = {
    "hist_gradient_boosting_regressor": _hist_gradient_boosting_regressor,
    "random_forest_regressor": _random_forest_regressor,
}


@dataclass
class Split:
    train: np.ndarray
    test: np.ndarray
    fold: int = 0


def splits(runs: pl.DataFrame, labels: np.ndarray, scheme: str, n_folds: int = 5) -> list[Split]:
    from sklearn.model_selection import GroupKFold, train_test_split

    indexes = np.arange(runs.height)
    if scheme == HOLDOUT:
        train, test = train_test_split(indexes, test_size=0.3, random_state=SEED, stratify=labels)
        return [Split(train, test)]
    groups = runs["model"].to_numpy()
    folds = []
    for fold, (train, test) in enumerate(GroupKFold(n_splits=min(n_folds, len(set(groups)))).split(indexes, groups=groups)):
        leaked = set(groups[train]) & set(groups[test])
        assert not leaked, f"grouped split leaked models across train and test: {sorted(leaked)}"
        folds.append(Split(train, test, fold))
    return folds


@dataclass
class Scores:
    estimator: str
    feature_set: str
    scheme: str
    n_runs: int
    n_train: int
    n_test: int
    metrics: dict
    predictions: np.ndarray = field(repr=False)
    folds: np.ndarray = field(repr=False)


def evaluate_classifier(runs: pl.DataFrame, estimator: str, feature_set: str, scheme: str) -> Scores:
    """Out-of-sample labels for every test run of the scheme, and their scores."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    labels = runs["energy_label"].to_numpy()
    predicted, fold_of = np.full(runs.height, "", dtype=object), np.full(runs.height, -1)
    scheme_splits = splits(runs, labels, scheme)
    for split in scheme_splits:
        train_x, _ = matrix(runs[split.train], feature_set, categories=_categories(runs))
        test_x, _ = matrix(runs[split.test], feature_set, categories=_categories(runs))
        model = CLASSIFIERS[estimator]().fit(train_x, labels[split.train])
        predicted[split.test], fold_of[split.test] = model.predict(test_x), split.fold
    tested = fold_of >= 0
    truth, guess = labels[tested], predicted[tested].astype(str)
    metrics = {"accuracy": float(accuracy_score(truth, guess)),
               "macro_f1": float(f1_score(truth, guess, labels=LABELS, average="macro")),
               "confusion_matrix": confusion_matrix(truth, guess, labels=LABELS).tolist()}
    n_train = round(np.mean([len(s.train) for s in scheme_splits]))  # per fit; grouped CV fits once per fold
    return Scores(estimator, feature_set, scheme, runs.height, n_train, int(tested.sum()), metrics, predicted, fold_of)


def evaluate_regressor(runs: pl.DataFrame, estimator: str, feature_set: str, scheme: str) -> Scores:
    """Regress ln(energy_j); score R2 on the log scale, MAE and MAPE on the energy scale, and the
    Low/Medium/High bin the predicted energy falls in against the run's label."""
    from sklearn.metrics import accuracy_score, f1_score, r2_score

    labels, energy = runs["energy_label"].to_numpy(), runs["energy_j"].to_numpy()
    predicted, fold_of = np.full(runs.height, np.nan), np.full(runs.height, -1)
    scheme_splits = splits(runs, labels, scheme)
    for split in scheme_splits:
        train_x, _ = matrix(runs[split.train], feature_set, categories=_categories(runs))
        test_x, _ = matrix(runs[split.test], feature_set, categories=_categories(runs))
        model = REGRESSORS[estimator]().fit(train_x, np.log(energy[split.train]))
        predicted[split.test], fold_of[split.test] = np.exp(model.predict(test_x)), split.fold
    tested = fold_of >= 0
    truth, guess = energy[tested], predicted[tested]
    binned = label_of(runs, guess)
    metrics = {"r2_log": float(r2_score(np.log(truth), np.log(guess))),
               "mae_j": float(np.mean(np.abs(guess - truth))),
               "mape_pct": float(np.mean(np.abs(guess - truth) / truth) * 100),
               "binned_accuracy": float(accuracy_score(labels[tested], binned)),
               "binned_macro_f1": float(f1_score(labels[tested], binned, labels=LABELS, average="macro"))}
    n_train = round(np.mean([len(s.train) for s in scheme_splits]))
    return Scores(estimator, feature_set, scheme, runs.height, n_train, int(tested.sum()), metrics, predicted, fold_of)


def label_of(runs: pl.DataFrame, energy_j: np.ndarray) -> np.ndarray:
    """The Low/Medium/High bin of an energy, using the mart's own cut points."""
    cuts = runs.group_by("energy_label").agg(pl.max("log_energy")).to_dict(as_series=False)
    upper = dict(zip(cuts["energy_label"], cuts["log_energy"], strict=True))
    logged = np.log1p(energy_j)
    return np.where(logged <= upper["Low"], "Low", np.where(logged <= upper["Medium"], "Medium", "High"))


def _categories(runs: pl.DataFrame) -> dict[str, list[str]]:
    """Name levels from all runs, so folds share one encoding (an unseen model is all zeros)."""
    return name_categories(runs)
