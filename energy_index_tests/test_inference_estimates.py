"""The inference-energy estimator on runs with a known law: held out by model, never leaking."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest

from energy_index.defs.estimates.inference import (ecologits_per_token, held_out_predictions, match_gpu,
                                                   median_of_other_models)
from energy_index.defs.estimates.inference_assets import accuracy_rows

GPUS = {"A100-SXM4-40GB": 1.0, "H100 80GB HBM3": 0.6}


def synthetic_runs(seed: int = 3) -> pl.DataFrame:
    """Energy per token = 0.02 x active^0.8 x batch^-0.4 x GPUs^0.1 x GPU factor, +-5% noise."""
    rng, rows = random.Random(seed), []
    models = {f"org/m{p}": (p, p / (4 if p == 48 else 1)) for p in (1, 2, 4, 7, 13, 34, 48, 70)}
    for model, (total, active) in models.items():
        for gpu, factor in GPUS.items():
            for batch in (8, 32, 128):
                for gpus in (1, 2):
                    energy = 0.02 * active ** 0.8 * batch ** -0.4 * gpus ** 0.1 * factor * rng.uniform(0.95, 1.05)
                    rows.append({"run_id": f"{model}/{gpu}/{batch}/{gpus}", "task_family": "llm_text_generation",
                                 "task": "chat", "task_key": "llm_text_generation/chat", "model": model, "gpu": gpu,
                                 "params_b": float(total), "active_params_b": float(active),
                                 "batch_size": float(batch), "n_gpus": float(gpus), "modality": "text",
                                 "energy_per_output_token_j": energy})
    return pl.DataFrame(rows)


def test_held_out_models_are_predicted_within_the_noise():
    runs = synthetic_runs()
    predicted = held_out_predictions(runs, "text")
    ape = np.abs(predicted - runs["energy_per_output_token_j"].to_numpy()) / runs["energy_per_output_token_j"]
    assert np.median(ape) < 0.05


def test_a_held_out_model_never_informs_its_own_prediction():
    runs = synthetic_runs()
    changed = runs.with_columns(pl.when(pl.col("model") == "org/m13").then(pl.col("energy_per_output_token_j") * 5)
                                .otherwise(pl.col("energy_per_output_token_j")).alias("energy_per_output_token_j"))
    own = (runs["model"] == "org/m13").to_numpy()
    before, after = held_out_predictions(runs, "text"), held_out_predictions(changed, "text")
    assert after[own] == pytest.approx(before[own])
    assert not np.allclose(after[~own], before[~own])  # the others did learn from it
    baseline = median_of_other_models(changed, "text")
    assert baseline[own] == pytest.approx(median_of_other_models(runs, "text")[own])


def test_ecologits_formula_uses_active_parameters():
    runs = synthetic_runs().filter(pl.col("model") == "org/m48")
    dense = ecologits_per_token(runs.with_columns(pl.col("params_b").alias("active_params_b")))
    moe = ecologits_per_token(runs)
    assert (moe > 0).all() and (moe < dense).all()


def test_accuracy_has_one_row_per_estimator_and_task():
    runs = synthetic_runs()
    measured = runs["energy_per_output_token_j"].to_numpy()
    predictions = runs.select("run_id", "task_family", "task", "model", "gpu", "modality").with_columns(
        pl.lit("J/output token").alias("unit"), pl.Series("measured", measured),
        pl.Series("energy_index", measured * 1.1), pl.Series("ecologits", measured * 2.0))
    accuracy = accuracy_rows(predictions)
    assert accuracy.select("estimator", "task").is_duplicated().sum() == 0
    assert set(accuracy["task"]) == {"chat", "all text"}
    ours = accuracy.filter((pl.col("estimator") == "energy_index") & (pl.col("task") == "chat")).row(0, named=True)
    assert ours["median_ape"] == pytest.approx(10.0) and ours["n_models"] == 8 and ours["n_runs"] == runs.height
    assert accuracy.filter(pl.col("estimator") == "ecologits")["mape"].to_list() == pytest.approx([100.0, 100.0])


def test_gpu_names_match_the_measured_gpus_or_fail_naming_them():
    gpus = list(GPUS)
    assert match_gpu("H100", gpus) == "H100 80GB HBM3"
    assert match_gpu("NVIDIA A100-SXM4-40GB", gpus) == "A100-SXM4-40GB"
    with pytest.raises(ValueError, match="'B200' is not a GPU the measured runs cover.*H100 80GB HBM3"):
        match_gpu("B200", gpus)
