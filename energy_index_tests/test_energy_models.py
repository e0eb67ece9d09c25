"""Energy models beyond the baseline: determinism, honest grouped splits, the guard, predict."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from energy_index.defs.ml.baseline import LABELS
from energy_index.defs.ml.modelling import GROUPED, HOLDOUT, evaluate_classifier, evaluate_regressor, splits
from energy_index.defs.ml.production import save_if_not_worse
from energy_index_tests.fixtures.pipeline import query

CHAT_CONFIG = {"gpu": "H100 80GB HBM3", "task_family": "llm_text_generation", "task": "chat", "avg_tpot_s": 0.02,
               "avg_output_tokens": 350, "avg_batch_size_reqs": 30, "max_batch_size_reqs": 32,
               "tensor_parallel": 1, "pipeline_parallel": 1, "token_throughput_tok_s": 1500}


@pytest.fixture(scope="module")
def runs(built_home):
    import duckdb
    with duckdb.connect(str(built_home / "warehouse.duckdb"), read_only=True) as conn:
        return conn.sql("select * from marts.fct_workload_energy where benchmark_release = 'v2' order by run_id").pl()


def test_grouped_cv_never_puts_a_model_in_both_train_and_test(runs):
    folds = splits(runs, runs["energy_label"].to_numpy(), GROUPED)
    models = runs["model"].to_numpy()
    assert len(folds) == 5
    for fold in folds:
        assert not set(models[fold.train]) & set(models[fold.test])
    tested = np.concatenate([fold.test for fold in folds])
    assert sorted(tested) == list(range(runs.height)), "every run is predicted exactly once, out of fold"


@pytest.mark.parametrize("scheme", [HOLDOUT, GROUPED])
def test_training_is_deterministic(runs, scheme):
    first = evaluate_classifier(runs, "random_forest", "physics", scheme)
    second = evaluate_classifier(runs, "random_forest", "physics", scheme)
    assert first.metrics == second.metrics
    assert evaluate_regressor(runs, "hist_gradient_boosting_regressor", "physics", scheme).metrics == \
        evaluate_regressor(runs, "hist_gradient_boosting_regressor", "physics", scheme).metrics


def test_every_estimator_is_scored_under_both_schemes_and_the_baseline_rows_stay(built_home):
    rows = query(built_home / "warehouse.duckdb", """select estimator, feature_set, evaluation_scheme, accuracy
        from ml.energy_classifier_metrics""")
    evaluated = {(e, f, s) for e, f, s, _ in rows if f is not None}
    assert {(e, "physics", s) for e in ("logistic_regression_ovr_liblinear_balanced", "hist_gradient_boosting",
                                        "random_forest") for s in (HOLDOUT, GROUPED)} <= evaluated
    assert ("random_forest", "physics_with_names", GROUPED) in evaluated
    seed_rows = [r for r in rows if r[1] is None]
    assert len(seed_rows) == 2 and {r[2] for r in seed_rows} == {HOLDOUT}
    regression = query(built_home / "warehouse.duckdb", """select evaluation_scheme, r2_log, mape_pct, binned_accuracy
        from ml.energy_regression_metrics""")
    assert {r[0] for r in regression} == {HOLDOUT, GROUPED} and all(r[2] > 0 for r in regression)
    predictions = query(built_home / "warehouse.duckdb", "select count(*), count(predicted_energy_j) from ml.energy_predictions")
    assert predictions[0][0] == predictions[0][1] == len(query(
        built_home / "warehouse.duckdb", "select 1 from marts.fct_workload_energy where benchmark_release = 'v2'")), \
        "the energy models are fitted on v2's runs"


def test_a_worse_model_never_replaces_a_better_one(tmp_path):
    bundle = {"classifier": "stand-in"}
    assert save_if_not_worse(tmp_path, bundle, {"grouped_macro_f1": 0.80}) == (True, None)
    kept, previous = save_if_not_worse(tmp_path, bundle, {"grouped_macro_f1": 0.70})
    assert (kept, previous) == (False, 0.80)
    assert json.loads((tmp_path / "energy_model_production.json").read_text())["grouped_macro_f1"] == 0.80
    assert save_if_not_worse(tmp_path, bundle, {"grouped_macro_f1": 0.85}) == (True, 0.80)


def cli(home, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "ENERGY_INDEX_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "energy_index.cli", *args], capture_output=True, text=True, env=env)


def test_predict_entry_point_on_a_known_configuration(built_home):
    result = cli(built_home, "predict", "--config", json.dumps(CHAT_CONFIG))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["energy_label"] in LABELS
    assert sum(answer["probabilities"].values()) == pytest.approx(1, abs=1e-3)
    assert answer["predicted_energy_j"] > 0
    big = cli(built_home, "predict", "--config", json.dumps({**CHAT_CONFIG, "avg_tpot_s": 0.2, "tensor_parallel": 8,
                                                              "avg_batch_size_reqs": 4}))
    assert json.loads(big.stdout)["predicted_energy_j"] > answer["predicted_energy_j"]


def test_predict_takes_a_v3_configuration_and_says_what_the_model_never_saw(built_home):
    """A B200, FP8 run of v3 in the mart's own column names: predicted with what the v2-fitted model
    knows (its median inter-token latency standing for the mean time per token), and said to be an
    extrapolation."""
    config = {"benchmark_release": "v3", "gpu": "B200", "task_family": "llm_text_generation", "task": "lm-arena-chat",
              "weight_precision": "fp8", "median_itl_s": 0.03, "num_gpus": 1, "max_batch_size_reqs": 64,
              "avg_batch_size_reqs": 60, "avg_output_tokens": 600, "tensor_parallel": 1, "expert_parallel": 1}
    result = cli(built_home, "predict", "--config", json.dumps(config))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["predicted_energy_j"] > 0 and answer["fitted_release"] == "v2"
    outside = " ".join(answer["outside_training"])
    for phrase in ("gpu 'B200'", "weight_precision 'fp8'", "median_itl_s used as avg_tpot_s", "'v3'"):
        assert phrase in outside
    known = json.loads(cli(built_home, "predict", "--config", json.dumps(CHAT_CONFIG)).stdout)
    assert known["outside_training"] == []


def test_predict_rejects_unknown_keys(built_home):
    result = cli(built_home, "predict", "--config", json.dumps({"gpus": "H100"}))
    assert result.returncode == 2 and "unknown configuration keys ['gpus']" in result.stderr
