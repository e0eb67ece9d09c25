"""Inference energy of models nobody benchmarked: shared definitions and EcoLogits' formula.

The estimator itself (`serving_physics`) is a physical model of decoding and denoising with
corrections learnt from the measured ML.ENERGY runs of every release; its validation
(`inference_validation`) holds out whole models, whole releases and whole GPUs, beside
EcoLogits' per-token formula (called from the `ecologits` package) and the median of the other
models.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from energy_index.settings import DBT_PROJECT_DIR

ACTIVE_PARAMS_PATH = DBT_PROJECT_DIR / "seeds" / "model_active_parameters.csv"
TARGET = {"text": "energy_per_output_token_j", "image": "energy_j", "video": "energy_j"}
UNIT = {"text": "J/output token", "image": "J/image", "video": "J/video"}


def modality_of(task_family: str, task: str) -> str:
    if task_family.endswith("text_generation"):
        return "text"
    return "video" if task.endswith("video") else "image"


def task_name(family: str, task: str, frame: pl.DataFrame) -> str:
    """A task's name in the accuracy mart and `predict --task`: `task`, or `<family prefix>-<task>`
    when another family in `frame` has a task of that name (v2's text and multimodal `chat`:
    `chat` and `mllm-chat`)."""
    shared = frame.filter((pl.col("task") == task) & (pl.col("task_family") != family)).height > 0
    return f"{family.split('_')[0]}-{task}" if shared and family.startswith("mllm") else task


def ecologits_per_token(frame: pl.DataFrame) -> np.ndarray:
    """EcoLogits' GPU energy per output token (J) for each run's model and configured batch: its
    per-GPU regression on active parameters and batch size, times the GPUs its memory rule
    needs for the total parameters at 16 bits. ML.ENERGY measures GPU energy, so the server and
    PUE parts of EcoLogits' request energy are left out on both sides."""
    from ecologits.impacts import llm

    out = []
    for row in frame.iter_rows(named=True):
        per_gpu_kwh = llm.gpu_energy(row["active_params_b"], 1, row["batch_size"], llm.GPU_ENERGY_ALPHA,
                                     llm.GPU_ENERGY_BETA, llm.GPU_ENERGY_GAMMA)
        gpus = llm.gpu_required_count(llm.model_required_memory(row["params_b"], llm.MODEL_QUANTIZATION_BITS),
                                      llm.GPU_MEMORY)
        out.append(per_gpu_kwh * gpus * 3.6e6)
    return np.array(out)


def active_parameters() -> pl.DataFrame:
    return pl.read_csv(ACTIVE_PARAMS_PATH).select("model", "active_params_billion")
