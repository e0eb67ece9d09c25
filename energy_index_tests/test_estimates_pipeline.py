"""The estimators in the pipeline and on the command line, on the generated sources."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from energy_index.settings import HOME_ENV, TRAINING_ENV
from energy_index_tests.fixtures.pipeline import (
    environment,
    failure_messages,
    published,
    query,
    run_pipeline,
    scalar,
)
from energy_index_tests.fixtures.training import reference_rows, write_training_dir


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "energy_index.cli", *args], capture_output=True, text=True,
                          env={**os.environ, HOME_ENV: str(home)}, timeout=120)


def test_marts_hold_every_reference_row_and_the_held_out_accuracy(built_home):
    analytics = published(built_home)
    assert scalar(analytics, "select count(*) from marts.fct_training_emissions") == len(reference_rows())
    flagged = query(analytics, "select model from marts.fct_training_emissions where flagged")
    assert flagged == [("Card 4 70B redo",)]
    low, central, high = query(analytics, """select estimate_co2e_t_low, estimate_co2e_t, estimate_co2e_t_high
        from marts.fct_training_emissions where model = 'Card 2 70B'""")[0]
    assert low < central < high
    status, estimate = query(analytics, """select status, estimate_co2e_t from marts.fct_training_emissions
        where model = 'Unpublished 180B'""")[0]
    assert status.startswith("nothing published: estimated") and estimate > 0
    estimators = query(analytics, """select estimator, n_models, n_runs from marts.fct_inference_estimator_accuracy
        where task = 'all text' and validation = 'leave_one_model_out' order by 1""")
    assert [e for e, *_ in estimators] == ["ecologits", "energy_index", "median_of_other_models"]
    scored = {estimator: (n, runs) for estimator, n, runs in estimators}
    assert scored["energy_index"] == scored["ecologits"], "ours and EcoLogits are scored on the same runs"
    assert scalar(analytics, "select count(*) from marts.fct_training_estimator_accuracy "
                             "where validation = 'leave_one_family_out'") == 2


def test_estimate_training_on_a_known_model_falls_in_its_range(built_home):
    done = cli(built_home, "estimate-training", "--params", "70e9", "--tokens", "2e12", "--gpu", "A100-80GB",
               "--gpu-hours", "1720320", "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    published = next(r["co2e_t_location"] for r in reference_rows() if r["model"] == "Card 2 70B")
    assert result["co2e_t_low"] <= published <= result["co2e_t_high"]
    assert result["energy_mwh"] > 0 and result["route"] == "gpu_hours"
    stated = json.loads(cli(built_home, "estimate-training", "--params", "7e9", "--tokens", "1e12", "--gpu",
                            "A100", "--intensity", "385", "--pue", "1.1", "--format", "json").stdout)
    assert stated["route"] == "flops" and stated["intensity_kg_per_kwh"] == pytest.approx(0.385)
    assert stated["co2e_t_low"] < stated["co2e_t"] < stated["co2e_t_high"]


@pytest.mark.parametrize("args, field", [
    (["--params", "70e9", "--tokens", "15e12", "--gpu", "H900"], "--gpu: 'H900' is not a known accelerator"),
    (["--params", "1e15", "--tokens", "15e12", "--gpu", "H100-80GB"], "--params: 1e+15 is outside"),
    (["--params", "7e9", "--tokens", "0", "--gpu", "H100-80GB"], "--tokens: 0 is outside"),
    (["--params", "7e9", "--tokens", "1e12", "--gpu", "H100", "--region", "mars-north1"],
     "--region: 'mars-north1' is not a region"),
])
def test_estimate_training_rejects_bad_input_naming_the_field(built_home, args, field):
    before = scalar(published(built_home), "select max(snapshot_id) from ducklake_snapshots('analytics')")
    done = cli(built_home, "estimate-training", *args)
    assert done.returncode == 2 and field in done.stderr and done.stdout == ""
    assert scalar(published(built_home), "select max(snapshot_id) from ducklake_snapshots('analytics')") == before


def test_predict_serves_a_model_nobody_benchmarked(built_home):
    done = cli(built_home, "predict", "--params", "30e9", "--gpu", "H100", "--batch", "32", "--output-tokens", "500",
               "--task", "chat")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["energy_j_low"] < result["energy_per_token_j"] < result["energy_j_high"]
    assert result["energy_per_request_j"] == pytest.approx(500 * result["energy_per_token_j"])
    assert result["gpus"] == 1 and result["gpu"] == "H100-80GB" and result["outside_training"] == []
    # A GPU, precision and architecture described by their physics: fp8 halves the weights' bytes.
    moe = ["--params", "120e9", "--active-params", "5e9", "--gpu", "B200", "--gpus", "2", "--batch", "8",
           "--task", "chat"]
    bf16, fp8 = (json.loads(cli(built_home, "predict", *moe, "--precision", p).stdout) for p in ("bf16", "fp8"))
    assert fp8["architecture"] == "MoE" and fp8["bits_per_weight"] == 8
    assert fp8["energy_per_token_j"] < bf16["energy_per_token_j"]
    assert bf16["gpu"] == "B200" and bf16["gpus"] == 2
    refused = cli(built_home, "predict", "--params", "30e9", "--gpu", "TPUv5")
    assert refused.returncode == 2 and "--gpu: 'TPUv5' has no bandwidth and power" in refused.stderr
    dense = cli(built_home, "predict", "--params", "30e9", "--active-params", "3e9", "--gpu", "H100",
                "--architecture", "dense", "--task", "chat")
    assert dense.returncode == 2 and "use --architecture moe" in dense.stderr


def test_reference_with_missing_columns_fails_and_keeps_the_marts(copied_home, tmp_path):
    warehouse = copied_home / "warehouse.duckdb"
    before = query(warehouse, "select * from marts.fct_training_emissions order by model")
    rows = [{k: v for k, v in row.items() if k != "gpu_hours"} for row in reference_rows()]
    bad = write_training_dir(tmp_path / "bad", rows)
    with environment(**{TRAINING_ENV: str(bad)}):
        result = run_pipeline(copied_home, None, selection=dg.AssetSelection.assets(
            ["raw", "training_reference"], ["marts", "fct_training_emissions"]))
    assert not result.success
    message = failure_messages(result)
    assert "missing columns ['gpu_hours']" in message and str(bad / "reference.csv") in message
    assert query(warehouse, "select * from marts.fct_training_emissions order by model") == before
