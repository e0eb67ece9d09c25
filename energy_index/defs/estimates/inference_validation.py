"""Validation that matches the questions users ask of the inference estimator.

- `leave_one_model_out`: every run predicted by a fit that never saw its model (both releases);
- `cross_release`: fit on the other releases only, predict every run of a release (a newer
  generation of models on a newer serving stack, GPUs and precisions);
- `leave_one_gpu_out`: fit without one GPU, predict its runs (its bandwidth, peak and power
  are datasheet figures, so the physics carries it; needs two other GPUs to learn from).

Each beside EcoLogits (text; called from its package) and the median of the other models'
runs on the same GPU and task in the training data. Ranges are 80% intervals calibrated on
cross-release residuals (split-conformal, symmetric in log energy): a release's own runs never
set its range.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from energy_index.defs.estimates import serving_physics as physics
from energy_index.defs.estimates.inference import TARGET, UNIT, ecologits_per_token, task_name

VALIDATIONS = ("leave_one_model_out", "cross_release", "leave_one_gpu_out")
# What each held-out split is named by, and which column defines it.
SPLIT_COLUMN = {"leave_one_model_out": "model", "cross_release": "benchmark_release",
                "leave_one_gpu_out": "accelerator"}


def splits(frame: pl.DataFrame, validation: str) -> list[tuple[str, np.ndarray]]:
    """(held-out label, mask) pairs; a GPU is held out only when two others remain to learn from."""
    column = SPLIT_COLUMN[validation]
    values = frame[column].to_numpy()
    levels = sorted(set(values.tolist()))
    if validation == "leave_one_gpu_out" and len(levels) < 3:
        return []
    if validation == "cross_release" and len(levels) < 2:
        return []
    return [(level, values == level) for level in levels]


def median_of_others(train: pl.DataFrame, test: pl.DataFrame, target: str) -> np.ndarray:
    """Per test run: the median of training runs on the same GPU and task, else the same GPU and
    task family, else the same task family (the naive estimate a user could make)."""
    out = np.full(test.height, np.nan)
    for keys in (["accelerator", "task"], ["accelerator", "task_family"], ["task_family"]):
        medians = train.group_by(keys).agg(pl.col(target).median().alias("m"))
        found = test.select(keys).join(medians, on=keys, how="left", maintain_order="left")["m"].to_numpy()
        out = np.where(np.isnan(out), found.astype(float), out)
    return out


def held_out(frame: pl.DataFrame, modality: str, validation: str) -> pl.DataFrame:
    """Every run of `frame` predicted by fits that did not see its split, one row per run."""
    target, parts = TARGET[modality], []
    pairs = frame.select("task_family", "task").unique()
    names = pairs.with_columns(pl.Series("task_name", [task_name(f, t, frame) for f, t in pairs.iter_rows()]))
    for label, mask in splits(frame, validation):
        train, test = frame.filter(pl.Series(~mask)), frame.filter(pl.Series(mask))
        if validation == "leave_one_model_out":
            label = "all"  # one split per model: reported over all of them
        columns = {"energy_index": physics.predict(physics.fit(train, modality, target), test),
                   "median_of_other_models": median_of_others(train, test, target)}
        if modality == "text":
            columns["ecologits"] = ecologits_per_token(test)
        named = test.join(names, on=["task_family", "task"], how="left", maintain_order="left")
        parts.append(named.select("run_id", "benchmark_release", "task_family", pl.col("task_name").alias("task"),
                                  "model", "gpu", "accelerator", "weight_precision").with_columns(
            pl.lit(validation).alias("validation"), pl.lit(str(label)).alias("held_out"),
            pl.lit(modality).alias("modality"), pl.lit(UNIT[modality]).alias("unit"),
            pl.Series("measured", test[target].to_numpy()),
            *(pl.Series(name, values, dtype=pl.Float64) for name, values in columns.items())))
    return pl.concat(parts, how="diagonal") if parts else pl.DataFrame()


RANGE_COVERAGE = 0.8


def residual_interval(ratios: np.ndarray) -> tuple[float, float]:
    """Multipliers (low, high) holding 80% of the ratios measured / predicted: 1/k and k, with k
    the 80th percentile of |log ratio| (a split-conformal interval). Symmetric, because one
    release's bias says nothing about the sign of the next one's: v2's runs sit above a fit on
    v3 and v3's below a fit on v2, so percentiles of the signed ratios would point the wrong way."""
    spread = float(np.quantile(np.abs(np.log(ratios)), RANGE_COVERAGE))
    return math.exp(-spread), math.exp(spread)


def with_ranges(predictions: pl.DataFrame) -> pl.DataFrame:
    """Add each run's 80% range and whether the measurement fell inside it. The multipliers
    come from the cross-release residuals of the same modality; a cross-release prediction of a
    release uses only the other releases' residuals, so no run calibrates its own range."""
    ratio = (pl.col("measured") / pl.col("energy_index")).alias("ratio")
    cross = predictions.filter(pl.col("validation") == "cross_release").with_columns(ratio)
    parts = []
    for (modality, validation, held), rows in predictions.group_by("modality", "validation", "held_out"):
        pool = cross.filter(pl.col("modality") == modality)
        if validation == "cross_release":
            pool = pool.filter(pl.col("held_out") != held)
        low, high = residual_interval(pool["ratio"].to_numpy()) if pool.height else (np.nan, np.nan)
        parts.append(rows.with_columns((pl.col("energy_index") * low).alias("energy_index_low"),
                                       (pl.col("energy_index") * high).alias("energy_index_high")))
    out = pl.concat(parts)
    return out.with_columns(pl.col("measured").is_between("energy_index_low", "energy_index_high")
                            .alias("inside_range")).sort("validation", "held_out", "run_id")


def accuracy_rows(predictions: pl.DataFrame) -> pl.DataFrame:
    """One row per validation, held-out split (or `all`), estimator and task (or `all <modality>`):
    models, runs, median and mean absolute percentage error (%), and for energy_index the share
    of runs inside their stated 80% range (%)."""
    estimators = [c for c in ("energy_index", "ecologits", "median_of_other_models") if c in predictions.columns]
    long = predictions.unpivot(index=["validation", "held_out", "task", "model", "modality", "unit", "measured",
                                      "inside_range"], on=estimators, variable_name="estimator",
                               value_name="predicted")
    long = long.filter(pl.col("predicted").is_not_null() & pl.col("predicted").is_not_nan()).with_columns(
        ((pl.col("predicted") - pl.col("measured")).abs() / pl.col("measured") * 100).alias("ape"))
    stats = [pl.col("model").n_unique().alias("n_models"), pl.len().alias("n_runs"),
             pl.col("ape").median().alias("median_ape"), pl.col("ape").mean().alias("mape"),
             (pl.col("inside_range").cast(pl.Float64).mean() * 100).alias("inside_range_pct")]
    base = ["validation", "estimator", "modality", "unit"]
    all_task = pl.concat_str(pl.lit("all "), "modality").alias("task")
    frames = [long.group_by(base + ["held_out", "task"]).agg(*stats),
              long.group_by(base + ["held_out"]).agg(*stats).with_columns(all_task),
              long.group_by(base).agg(*stats).with_columns(pl.lit("all").alias("held_out"), all_task)]
    columns = base + ["held_out", "task", "n_models", "n_runs", "median_ape", "mape", "inside_range_pct"]
    rows = pl.concat([f.select(columns) for f in frames]).unique(["validation", "estimator", "modality",
                                                                  "held_out", "task"], keep="first")
    rows = rows.with_columns(pl.when(pl.col("estimator") == "energy_index").then("inside_range_pct")
                             .alias("inside_range_pct"))
    return rows.sort("validation", "modality", "held_out", "task", "estimator")
