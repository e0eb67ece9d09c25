"""Great Expectations suites for the ML.ENERGY raw tables (both layouts: v2 run files, v3 task files).

Column names are the upstream JSON keys (raw keeps source fidelity). The audit frame adds
one derived column, `energy_fields_present`, because "every run reports some energy" spans
three source columns.
"""

from __future__ import annotations

import polars as pl

from energy_index.defs.mlenergy.precisions import precision_bits
from energy_index.defs.quality.expectations import E

KNOWN_GPUS = ["A100-SXM4-40GB", "H100 80GB HBM3"]
KNOWN_FAMILIES = ["diffusion", "llm_text_generation", "mllm_text_generation"]
ENERGY_COLUMNS = ["Energy/req (J)", "Energy/image (J)", "Energy/video (J)"]
INTEGER_COLUMNS = ["TP", "PP", "Batch size", "Max BS (reqs)", "Denoising steps", "Frames"]
IDENTITY = ["task_family", "task", "gpu_name", "model_id", "config"]
# Far above any real per-request/image/video energy (the largest is ~2e4 J); catches inf and unit slips.
MAX_PLAUSIBLE_J = 1e9
RUN_COUNT_RANGE = (20, 100_000)


def runs_audit_frame(frame: pl.DataFrame) -> pl.DataFrame:
    present = [c for c in ENERGY_COLUMNS if c in frame.columns]
    count = pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int32) for c in present]) if present else pl.lit(0)
    return frame.with_columns(count.alias("energy_fields_present"))


def runs_expectations(columns: list[str]) -> list:
    """The suite for raw.mlenergy_runs; per-family optional columns are checked where present."""
    required = [*IDENTITY, "Model", "GPU", "source_path", "source_commit"]
    expectations = [E.ExpectColumnToExist(column=c) for c in required]
    expectations += [E.ExpectColumnValuesToNotBeNull(column=c) for c in required]
    expectations += [
        E.ExpectTableRowCountToBeBetween(min_value=RUN_COUNT_RANGE[0], max_value=RUN_COUNT_RANGE[1]),
        E.ExpectCompoundColumnsToBeUnique(column_list=["task", "gpu_name", "model_id", "config"]),
        E.ExpectColumnValuesToBeInSet(column="gpu_name", value_set=KNOWN_GPUS),
        E.ExpectColumnValuesToBeInSet(column="task_family", value_set=KNOWN_FAMILIES),
        E.ExpectColumnValuesToBeBetween(column="energy_fields_present", min_value=1, max_value=1),
    ]
    for column in ENERGY_COLUMNS:
        expectations.append(E.ExpectColumnToExist(column=column))
        if column in columns:
            expectations += [
                E.ExpectColumnValuesToBeOfType(column=column, type_="float"),
                E.ExpectColumnValuesToBeBetween(column=column, min_value=0, strict_min=True,
                                                max_value=MAX_PLAUSIBLE_J),
            ]
    for column in (c for c in INTEGER_COLUMNS if c in columns):
        expectations += [
            E.ExpectColumnValuesToBeOfType(column=column, type_="int"),
            E.ExpectColumnValuesToBeBetween(column=column, min_value=1),
        ]
    return expectations


def models_expectations() -> list:
    return [
        *(E.ExpectColumnValuesToNotBeNull(column=c) for c in ("task_family", "task", "model_id")),
        E.ExpectCompoundColumnsToBeUnique(column_list=["task_family", "task", "model_id"]),
        E.ExpectTableRowCountToBeBetween(min_value=1, max_value=10_000),
    ]


# --- the leaderboard-data layout (v3): raw.mlenergy_configurations -------------------------------
CONFIGURATION_IDENTITY = ["task", "task_family", "model_id", "gpu_model", "num_gpus", "weight_precision",
                          "source_file", "source_configuration", "source_commit"]
# Per output token / request / image / video, per watt, per token: each must be a positive number.
POSITIVE_COLUMNS = ["energy_per_token_joules", "energy_per_request_joules", "energy_per_image_joules",
                    "energy_per_video_joules", "avg_power_watts", "avg_output_len", "output_throughput_tokens_per_sec",
                    "median_itl_ms", "batch_latency_s", "total_params_billions", "activated_params_billions"]
DEGREE_COLUMNS = ["num_gpus", "tensor_parallel", "expert_parallel", "data_parallel", "ring_degree", "ulysses_degree",
                  "max_num_seqs", "batch_size", "inference_steps"]
CONFIGURATION_COUNT_RANGE = (1, 1_000_000)
# One GPU draws at most ~1.2 kW (GB200); a run's average power is summed over at most 8 of them here.
MAX_PLAUSIBLE_POWER_W = 20_000


def known_precisions() -> list[str]:
    """Every name of every precision in the `weight_precisions` seed."""
    return sorted(precision_bits())


def configurations_audit_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Derived checks that span columns: inter-token latency percentiles in order (median <= p90 <=
    p95 <= p99), parallel degrees within the GPUs (tensor x data parallel and expert parallel for
    LLMs: vLLM spreads experts over the tensor x data group; ring x Ulysses for diffusion), and
    active <= total parameters; and whether the row reports its energy (per token and per request
    for text, per image or video for diffusion). Null where the row has none of the columns
    (diffusion has no ITL)."""
    def col(name: str) -> pl.Expr:
        return pl.col(name) if name in frame.columns else pl.lit(None, dtype=pl.Float64)

    itl = [col(c) for c in ("median_itl_ms", "p90_itl_ms", "p95_itl_ms", "p99_itl_ms")]
    ordered = (itl[0] <= itl[1]) & (itl[1] <= itl[2]) & (itl[2] <= itl[3])
    llm = (col("tensor_parallel").fill_null(1) * col("data_parallel").fill_null(1) <= col("num_gpus")) \
        & (col("expert_parallel").fill_null(1) <= col("num_gpus"))
    diffusion = col("ring_degree").fill_null(1) * col("ulysses_degree").fill_null(1) <= col("num_gpus")
    text = col("task_family").is_in(["llm_text_generation", "mllm_text_generation"])
    energy = pl.when(text).then(col("energy_per_token_joules").is_not_null()
                                & col("energy_per_request_joules").is_not_null()) \
        .otherwise(col("energy_per_image_joules").is_not_null() | col("energy_per_video_joules").is_not_null())
    return frame.with_columns(ordered.alias("itl_percentiles_ordered"), energy.alias("energy_reported"),
                              (llm & diffusion).alias("parallel_degrees_within_gpus"),
                              (col("activated_params_billions") <= col("total_params_billions"))
                              .alias("active_params_within_total"))


def configurations_expectations(columns: list[str]) -> list:
    """The suite for raw.mlenergy_configurations; fields of one kind of task are checked where present."""
    expectations = [E.ExpectColumnToExist(column=c) for c in CONFIGURATION_IDENTITY]
    expectations += [E.ExpectColumnValuesToNotBeNull(column=c) for c in CONFIGURATION_IDENTITY]
    expectations += [
        E.ExpectTableRowCountToBeBetween(min_value=CONFIGURATION_COUNT_RANGE[0],
                                         max_value=CONFIGURATION_COUNT_RANGE[1]),
        E.ExpectColumnValuesToBeUnique(column="source_configuration"),
        E.ExpectColumnValuesToBeInSet(column="task_family", value_set=KNOWN_FAMILIES),
        E.ExpectColumnValuesToBeInSet(column="weight_precision", value_set=known_precisions()),
        E.ExpectColumnValuesToBeInSet(column="parallel_degrees_within_gpus", value_set=[True]),
        E.ExpectColumnValuesToBeInSet(column="active_params_within_total", value_set=[True]),
        E.ExpectColumnValuesToBeInSet(column="itl_percentiles_ordered", value_set=[True]),
        E.ExpectColumnValuesToBeInSet(column="energy_reported", value_set=[True]),
        E.ExpectColumnValuesToBeBetween(column="avg_power_watts", max_value=MAX_PLAUSIBLE_POWER_W),
    ]
    for column in (c for c in POSITIVE_COLUMNS if c in columns):
        expectations += [E.ExpectColumnValuesToBeOfType(column=column, type_="float"),
                         E.ExpectColumnValuesToBeBetween(column=column, min_value=0, strict_min=True,
                                                         max_value=MAX_PLAUSIBLE_J)]
    for column in (c for c in DEGREE_COLUMNS if c in columns):
        expectations += [E.ExpectColumnValuesToBeOfType(column=column, type_="int"),
                         E.ExpectColumnValuesToBeBetween(column=column, min_value=1)]
    return expectations
