"""The inference-energy estimator on runs that follow a known physical law: held out by model,
release and GPU, never leaking, and carrying a GPU or precision no run measured."""

from __future__ import annotations

import itertools
import random

import numpy as np
import polars as pl
import pytest

from energy_index.defs.estimates import serving_physics as physics
from energy_index.defs.estimates.inference import ecologits_per_token
from energy_index.defs.estimates.inference_validation import accuracy_rows, held_out, splits, with_ranges

GPUS = {"A100-SXM4-40GB": "A100", "H100 80GB HBM3": "H100", "B200": "B200"}
BITS = {"bfloat16": 16, "fp8": 8}


def synthetic_runs(seed: int = 3, gpus=tuple(GPUS), precisions=("bfloat16",), release_factor=None,
                   tasks=(("chat", 400.0),), kv_cache=False) -> pl.DataFrame:
    """Energy per token = the roofline law with the seed's datasheet figures (memory term at 60%
    of peak bandwidth, compute at 30% of peak), x the release's factor, +-5% noise; with
    `kv_cache`, plus reading each sequence's cache (prompt + half the output, 128 KiB per token
    at 8B active, scaling as active^(2/3)) at 60% of peak bandwidth."""
    rng, rows, specs = random.Random(seed), [], physics.accelerator_specs()
    release_factor = release_factor or {"v2": 1.0, "v3": 1.0}
    models = {f"org/m{p}": (p, p / (4 if p in (48, 30) else 1)) for p in (1, 2, 4, 7, 13, 30, 34, 48, 70)}
    for index, (model, (total, active)) in enumerate(models.items()):
        release = "v2" if index % 2 else "v3"
        for gpu in gpus:
            spec = physics.spec_for(gpu, specs)
            for precision, (task, output), batch in itertools.product(precisions, tasks, (8, 32, 128)):
                weights = min(total, active * batch) * 1e9 * BITS[precision] / 8
                cache = (512 + output / 2) * 131072 * (active / 8) ** (2 / 3) if kv_cache else 0.0
                energy = spec["power_w"] * ((weights / batch + cache) / (0.6 * spec["bandwidth"])
                                            + 2 * active * 1e9 / (0.3 * spec["peak_flops"]))
                rows.append({"run_id": f"{model}/{gpu}/{precision}/{task}/{batch}", "benchmark_release": release,
                             "task_family": "llm_text_generation", "task": task, "model": model, "gpu": gpu,
                             "accelerator": GPUS[gpu], "weight_precision": precision, "architecture": None,
                             "params_b": float(total), "active_params_b": float(active), "avg_output_tokens": output,
                             "batch_size": float(batch), "n_gpus": 1.0, "modality": "text",
                             "energy_per_output_token_j": energy * release_factor[release] * rng.uniform(0.95, 1.05)})
    return physics.with_physics(pl.DataFrame(rows))


def ape(predictions: pl.DataFrame) -> np.ndarray:
    return ((predictions["energy_index"] - predictions["measured"]).abs() / predictions["measured"]).to_numpy()


def test_held_out_models_are_predicted_within_the_noise():
    predictions = held_out(synthetic_runs(), "text", "leave_one_model_out")
    assert predictions.height == synthetic_runs().height and set(predictions["held_out"]) == {"all"}
    assert np.median(ape(predictions)) < 0.05


def test_a_gpu_no_run_measured_is_carried_by_its_datasheet():
    """Fit on A100 and H100 only: B200's runs follow from its bandwidth, peak and power."""
    predictions = held_out(synthetic_runs(), "text", "leave_one_gpu_out")
    b200 = predictions.filter(pl.col("held_out") == "B200")
    assert b200.height and np.median(ape(b200)) < 0.10


def test_a_precision_no_run_measured_is_carried_by_its_bits():
    runs = synthetic_runs(gpus=("H100 80GB HBM3",), precisions=("bfloat16", "fp8"))
    fitted = physics.fit(runs.filter(pl.col("weight_precision") == "bfloat16"), "text", "energy_per_output_token_j")
    fp8 = runs.filter(pl.col("weight_precision") == "fp8")
    error = np.abs(physics.predict(fitted, fp8) / fp8["energy_per_output_token_j"].to_numpy() - 1)
    assert np.median(error) < 0.10


def test_the_fits_jacobian_is_the_derivative_of_its_log_energy():
    """The fit is given its Jacobian rather than estimating it by finite differences: it must be right."""
    runs = synthetic_runs(gpus=("H100 80GB HBM3", "B200"), precisions=("bfloat16", "fp8"))
    levels = {n: sorted(runs[n].unique().to_list()) for n in physics.LEVELS}
    blocks, penalties = physics._design(runs, "text", levels)
    theta = np.random.default_rng(0).normal(0, 0.3, len(penalties))
    step, exact = 1e-6, physics._jacobian(theta, blocks, penalties)[:runs.height]
    log_energy = lambda t: physics._log_energy(t, blocks)  # noqa: E731
    numeric = np.column_stack([(log_energy(theta + step * e) - log_energy(theta - step * e)) / (2 * step)
                               for e in np.eye(len(theta))])
    assert np.allclose(exact, numeric, atol=1e-6)


def test_long_outputs_cost_more_per_token_through_the_kv_cache():
    """Reasoning-length outputs read a longer cache every step, which batching does not share:
    a model never seen is predicted on both lengths, and at large batch the long task costs more."""
    runs = synthetic_runs(tasks=(("chat", 400.0), ("reasoning", 8000.0)), kv_cache=True)
    predictions = held_out(runs, "text", "leave_one_model_out")
    assert np.median(ape(predictions)) < 0.10
    batched = predictions.join(runs.select("run_id", "batch_size"), on="run_id").filter(pl.col("batch_size") == 128)
    per_task = batched.group_by("task").agg(pl.col("energy_index").median()).sort("task")["energy_index"].to_list()
    assert per_task[1] > 2 * per_task[0]  # chat, reasoning


def test_a_held_out_model_never_informs_its_own_prediction():
    runs = synthetic_runs()
    changed = runs.with_columns(pl.when(pl.col("model") == "org/m13").then(pl.col("energy_per_output_token_j") * 5)
                                .otherwise(pl.col("energy_per_output_token_j")).alias("energy_per_output_token_j"))
    before, after = (held_out(r, "text", "leave_one_model_out").sort("run_id") for r in (runs, changed))
    own = (before["model"] == "org/m13").to_numpy()
    assert after["energy_index"].to_numpy()[own] == pytest.approx(before["energy_index"].to_numpy()[own])
    assert not np.allclose(after["energy_index"].to_numpy()[~own], before["energy_index"].to_numpy()[~own])
    assert after["median_of_other_models"].to_numpy()[own] == pytest.approx(
        before["median_of_other_models"].to_numpy()[own])


def test_cross_release_ranges_come_from_the_other_release_only():
    runs = synthetic_runs(release_factor={"v2": 1.0, "v3": 0.6})
    assert [label for label, _ in splits(runs, "cross_release")] == ["v2", "v3"]
    predictions = with_ranges(held_out(runs, "text", "cross_release"))
    spread = np.abs(np.log(predictions["measured"] / predictions["energy_index"])).to_numpy()
    for held, other in (("v2", "v3"), ("v3", "v2")):
        rows = predictions.filter(pl.col("held_out") == held)
        others = spread[(predictions["held_out"] == other).to_numpy()]
        factor = np.exp(np.quantile(others, 0.8))  # 80% of the other release's errors fit inside
        assert rows["energy_index_low"].to_numpy() == pytest.approx(rows["energy_index"].to_numpy() / factor)
        assert rows["energy_index_high"].to_numpy() == pytest.approx(rows["energy_index"].to_numpy() * factor)


def test_ecologits_formula_uses_active_parameters():
    runs = synthetic_runs().filter(pl.col("model") == "org/m48")
    dense = ecologits_per_token(runs.with_columns(pl.col("params_b").alias("active_params_b")))
    moe = ecologits_per_token(runs)
    assert (moe > 0).all() and (moe < dense).all()


def test_accuracy_has_one_row_per_split_estimator_and_task():
    runs = synthetic_runs()
    measured = runs["energy_per_output_token_j"].to_numpy()
    predictions = runs.select("run_id", "task_family", "task", "model", "gpu", "modality").with_columns(
        pl.lit("leave_one_gpu_out").alias("validation"), pl.col("gpu").alias("held_out"),
        pl.lit("J/output token").alias("unit"), pl.Series("measured", measured),
        pl.Series("energy_index", measured * 1.1), pl.Series("ecologits", measured * 2.0),
        pl.Series("inside_range", measured > np.median(measured)))
    accuracy = accuracy_rows(predictions)
    assert accuracy.select("held_out", "estimator", "task").is_duplicated().sum() == 0
    assert set(accuracy["task"]) == {"chat", "all text"} and set(accuracy["held_out"]) == {*GPUS, "all"}
    ours = accuracy.filter((pl.col("estimator") == "energy_index") & (pl.col("held_out") == "all")
                           & (pl.col("task") == "all text")).row(0, named=True)
    assert ours["median_ape"] == pytest.approx(10.0) and ours["n_runs"] == runs.height
    assert ours["inside_range_pct"] == pytest.approx(50.0, abs=1)
    assert accuracy.filter(pl.col("estimator") == "ecologits")["inside_range_pct"].null_count() == \
        accuracy.filter(pl.col("estimator") == "ecologits").height


def test_gpu_names_match_the_seed_or_are_unknown():
    specs = physics.accelerator_specs()
    assert physics.spec_for("H100 80GB HBM3", specs)["accelerator"] == "H100-80GB"
    assert physics.spec_for("NVIDIA A100-SXM4-40GB", specs)["accelerator"] == "A100-40GB"
    assert physics.spec_for("B200", specs)["accelerator"] == "B200"
    assert physics.spec_for("TPUv2", specs) is None  # no bandwidth or power in the seed


def test_a_task_name_two_families_share_is_told_apart_in_the_accuracy():
    runs = synthetic_runs()
    runs = runs.with_columns(pl.when(pl.col("model").is_in(["org/m7", "org/m13"])).then(pl.lit("mllm_text_generation"))
                             .otherwise("task_family").alias("task_family"))
    predictions = held_out(runs, "text", "leave_one_model_out")
    assert set(predictions["task"]) == {"chat", "mllm-chat"}
    assert predictions.filter(pl.col("task") == "mllm-chat")["model"].unique().sort().to_list() == ["org/m13", "org/m7"]
