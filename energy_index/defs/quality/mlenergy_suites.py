"""Great Expectations suites for the ML.ENERGY raw tables.

Column names are the upstream JSON keys (raw keeps source fidelity). The audit frame adds
one derived column, `energy_fields_present`, because "every run reports some energy" spans
three source columns.
"""

from __future__ import annotations

import polars as pl

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
