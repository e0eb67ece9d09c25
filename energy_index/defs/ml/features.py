"""Feature sets for the energy models, computed one way for training and for `predict`.

- `baseline`: the original analysis's configuration and runtime columns.
- `physics`: baseline plus what a physicist would add. Per-item latency (seconds of GPU time
  one request/image/video takes), latency x batch, GPU count (TP x PP), the GPU's rated power
  from the hardware table below, and their product, a rough energy estimate in joules.
- `physics_with_names`: physics plus model and GPU as one-hot categories. Kept apart and
  labelled: the original question was how much signal there is *before* using names.

None of them uses an energy column.
"""

import numpy as np
import polars as pl

from energy_index.defs.ml.baseline import BASELINE_FEATURES

# Board power limits (TDP) from NVIDIA's data sheets: A100 SXM4 40GB 400 W, H100 SXM5 80GB 700 W.
GPU_RATED_POWER_W = {"A100-SXM4-40GB": 400.0, "H100 80GB HBM3": 700.0}
PHYSICS_FEATURES = ["per_item_latency_s", "latency_x_batch", "gpu_count", "gpu_rated_power_w",
                    "physics_energy_estimate_j"]
FEATURE_SETS = {
    "baseline": BASELINE_FEATURES,
    "physics": BASELINE_FEATURES + PHYSICS_FEATURES,
    "physics_with_names": BASELINE_FEATURES + PHYSICS_FEATURES,  # + one-hot model and GPU
}
NAMED_SETS = {"physics_with_names"}
CONFIG_COLUMNS = ["task_family", "task", "model", "gpu", *BASELINE_FEATURES]


def with_physics(runs: pl.DataFrame) -> pl.DataFrame:
    """Add the physics features. LLM runs: a request holds the GPUs for TPOT x output tokens,
    shared with the batch; diffusion runs: a batch's latency is shared by its items."""
    num = lambda c: pl.col(c).cast(pl.Float64)  # noqa: E731 - a column accessor, read once
    is_llm = pl.col("avg_tpot_s").is_not_null()
    per_item = pl.when(is_llm).then(num("avg_tpot_s") * num("avg_output_tokens") / num("avg_batch_size_reqs")) \
        .otherwise(num("batch_latency_s") / num("batch_size"))
    latency_x_batch = pl.when(is_llm).then(num("avg_tpot_s") * num("avg_batch_size_reqs")) \
        .otherwise(num("batch_latency_s") * num("batch_size"))
    gpus = (num("tensor_parallel").fill_null(1) * num("pipeline_parallel").fill_null(1))
    power = pl.col("gpu").replace_strict(GPU_RATED_POWER_W, default=None, return_dtype=pl.Float64)
    return runs.with_columns(per_item.alias("per_item_latency_s"), latency_x_batch.alias("latency_x_batch"),
                             gpus.alias("gpu_count"), power.alias("gpu_rated_power_w")) \
        .with_columns((pl.col("gpu_rated_power_w") * pl.col("gpu_count") * pl.col("per_item_latency_s"))
                      .alias("physics_energy_estimate_j"))


def matrix(runs: pl.DataFrame, feature_set: str, categories: dict[str, list[str]] | None = None
           ) -> tuple[np.ndarray, list[str]]:
    """The design matrix of a feature set (missing values 0, as the original analysis did)."""
    frame = with_physics(runs) if feature_set != "baseline" else runs
    columns = FEATURE_SETS[feature_set]
    values = frame.select([pl.col(c).cast(pl.Float64).fill_null(0.0).fill_nan(0.0) for c in columns])
    names = list(columns)
    if feature_set in NAMED_SETS:
        categories = categories or name_categories(runs)
        for column in ("model", "gpu"):
            for level in categories[column]:
                values = values.with_columns((frame[column] == level).cast(pl.Float64).alias(f"{column}={level}"))
                names.append(f"{column}={level}")
    return values.to_numpy(), names


def name_categories(runs: pl.DataFrame) -> dict[str, list[str]]:
    """The model and GPU levels seen in training, so a prediction is encoded the same way."""
    return {column: sorted(runs[column].unique().to_list()) for column in ("model", "gpu")}
