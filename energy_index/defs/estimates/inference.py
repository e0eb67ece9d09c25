"""Inference energy of models nobody benchmarked, learnt from the measured ML.ENERGY runs.

A log-linear regression (Huber loss, so a few odd runs do not drag it) on what a user knows
before serving a model: its parameters (active ones for mixture-of-experts), the GPU and how
many of them, the batch size it is configured for, the task; for diffusion the denoising
parameters, resolution, steps and frames. Its coefficients are elasticities: "twice the
active parameters costs 2^b times the energy per token". Validated with whole models held
out, beside EcoLogits' per-token formula (called from the `ecologits` package) and the median
of the other models.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from energy_index.defs.estimates.inputs import accelerator_key, same_accelerator
from energy_index.settings import DBT_PROJECT_DIR

ACTIVE_PARAMS_PATH = DBT_PROJECT_DIR / "seeds" / "model_active_parameters.csv"
TARGET = {"text": "energy_per_output_token_j", "image": "energy_j", "video": "energy_j"}
UNIT = {"text": "J/output token", "image": "J/image", "video": "J/video"}
# A task's short name (the `task` of the accuracy mart and `predict --task`) -> family/task.
TASKS = {"chat": "llm_text_generation/chat", "code": "llm_text_generation/code",
         "mllm-chat": "mllm_text_generation/chat", "text-to-image": "diffusion/text-to-image",
         "text-to-video": "diffusion/text-to-video", "image-to-video": "diffusion/image-to-video"}
TASK_NAMES = {key: name for name, key in TASKS.items()}
# The measured runs are all 16-bit; other precisions cannot be learnt from them.
PRECISIONS = ("bf16", "fp16")


def modality_of(task_family: str, task: str) -> str:
    if task_family.endswith("text_generation"):
        return "text"
    return "video" if task.endswith("video") else "image"


def design(frame: pl.DataFrame, modality: str, gpus: list[str], tasks: list[str]) -> np.ndarray:
    """The regression's columns: logs of the sizes, one-hot GPU and task (first level dropped),
    and the batch x GPU / batch x size interactions that let batching pay off differently."""
    def log(column: str) -> np.ndarray:
        return np.log(frame[column].cast(pl.Float64).fill_null(1.0).to_numpy())

    gpu = [(frame["gpu"] == level).cast(pl.Float64).to_numpy() for level in gpus[1:]]
    task = [(frame["task_key"] == level).cast(pl.Float64).to_numpy() for level in tasks[1:]]
    batch = log("batch_size")
    if modality == "text":
        size, gpus_used = log("active_params_b"), log("n_gpus")
        columns = [size, log("params_b"), batch, gpus_used, batch * size, *gpu, *(batch * g for g in gpu),
                   *(gpus_used * g for g in gpu), *task]
    else:
        columns = [log("params_b"), log("pixels"), log("denoising_steps"), log("frames"), batch, *gpu,
                   *(batch * g for g in gpu), *task]
    return np.column_stack(columns)


def fit_energy(frame: pl.DataFrame, modality: str) -> dict:
    """Fit on every run of one modality; the levels are kept so a prediction is encoded alike."""
    from sklearn.linear_model import HuberRegressor  # lazily: scikit-learn is slow to import

    gpus, tasks = sorted(frame["gpu"].unique().to_list()), sorted(frame["task_key"].unique().to_list())
    model = HuberRegressor(max_iter=5000).fit(design(frame, modality, gpus, tasks),
                                              np.log(frame[TARGET[modality]].to_numpy()))
    return {"model": model, "gpus": gpus, "tasks": tasks, "modality": modality}


def predict_energy(fitted: dict, frame: pl.DataFrame) -> np.ndarray:
    return np.exp(fitted["model"].predict(design(frame, fitted["modality"], fitted["gpus"], fitted["tasks"])))


def held_out_predictions(frame: pl.DataFrame, modality: str) -> np.ndarray:
    """Each run predicted by a fit that never saw its model (leave one model out)."""
    from sklearn.model_selection import LeaveOneGroupOut

    predicted = np.full(frame.height, np.nan)
    groups = frame["model"].to_numpy()
    for train, test in LeaveOneGroupOut().split(groups, groups=groups):
        predicted[test] = predict_energy(fit_energy(frame[train], modality), frame[test])
    return predicted


def median_of_other_models(frame: pl.DataFrame, modality: str) -> np.ndarray:
    """The naive baseline: the median energy of the other models' runs on the same task and GPU."""
    target, out = TARGET[modality], np.full(frame.height, np.nan)
    for index, row in enumerate(frame.iter_rows(named=True)):
        others = frame.filter((pl.col("model") != row["model"]) & (pl.col("task_key") == row["task_key"])
                              & (pl.col("gpu") == row["gpu"]))[target]
        out[index] = others.median() if others.len() else np.nan
    return out


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


def residual_interval(measured: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    """Multipliers (low, high): the 10th and 90th percentiles of measured / held-out prediction."""
    ratios = measured / predicted
    return float(np.quantile(ratios, 0.1)), float(np.quantile(ratios, 0.9))


def match_gpu(name: str, gpus: list[str]) -> str:
    """A measured GPU a user's name means ('H100' -> 'H100 80GB HBM3'); a clear error otherwise."""
    found = [g for g in gpus if same_accelerator(accelerator_key(name), accelerator_key(g))]
    if len(found) != 1:
        raise ValueError(f"gpu: {name!r} is not a GPU the measured runs cover (known: {', '.join(gpus)})")
    return found[0]


def active_parameters() -> pl.DataFrame:
    return pl.read_csv(ACTIVE_PARAMS_PATH).select("model", "active_params_billion")
