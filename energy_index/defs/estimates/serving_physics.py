"""Inference energy from what bounds it physically, corrected by what the measured runs show.

Decoding a token streams the weights from memory once per step for the whole batch, and does
2 x active-parameter FLOPs per token. So the energy per output token is about

    board power x (weight bytes read per step / (bandwidth x batch)  +  2 x active params / peak FLOP/s)

The first term (memory) falls as 1/batch, the second (compute) is the floor batching cannot
remove. Weight bytes follow the precision (bits per weight from the `weight_precisions` seed;
an MoE step reads at most active x batch of its weights); bandwidth, peak FLOP/s and power come
from the `accelerator_peak_flops` seed, so a GPU or precision no run measured is still a
physical quantity, not an unknown category. Each term is scaled by a log-linear correction
learnt from the runs (GPUs serving one replica, model size, MoE, multimodal prompts, output
length, hybrid attention), plus per-GPU, per-release and per-task deviations that a ridge
penalty keeps small; a level the fit never saw gets the average of those it saw.
Diffusion has one term: power x denoising steps x 2 x params x latent tokens / peak FLOP/s.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from energy_index.defs.estimates.inputs import PEAK_FLOPS_PATH, accelerator_key, same_accelerator
from energy_index.defs.mlenergy.precisions import precision_bits

LEVELS = ("accelerator", "benchmark_release", "task")  # categorical deviations, penalised
PENALTY, LEVEL_PENALTY = 0.3, {"accelerator": 3.0, "benchmark_release": 0.3, "task": 0.3}
LATENT_PIXELS = 256  # pixels per latent token: an 8x VAE and 2x2 patches (SD3, FLUX, PixArt, Wan)


def accelerator_specs() -> pl.DataFrame:
    """The seed's accelerators with bandwidth (B/s), peak (FLOP/s) and board power (W)."""
    return pl.read_csv(PEAK_FLOPS_PATH).select(
        "accelerator", (pl.col("peak_dense_tflops") * 1e12).alias("peak_flops"),
        (pl.col("memory_bandwidth_tb_s").cast(pl.Float64) * 1e12).alias("bandwidth"),
        pl.col("board_power_w").cast(pl.Float64).alias("power_w"), pl.col("memory_gb").cast(pl.Float64))


def spec_for(gpu: str, specs: pl.DataFrame) -> dict | None:
    """The seed row a GPU name means ('H100 80GB HBM3' -> H100-80GB), if it has the physics."""
    key = accelerator_key(gpu)
    for row in specs.iter_rows(named=True):
        if same_accelerator(key, accelerator_key(row["accelerator"])) and row["bandwidth"] and row["power_w"]:
            return row
    return None


def with_physics(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `bits`, `bandwidth`, `peak_flops`, `power_w` (null where the GPU has no spec) and `moe`."""
    specs, bits = accelerator_specs(), precision_bits()
    found = {gpu: spec_for(gpu, specs) or {} for gpu in frame["gpu"].unique().to_list()}
    columns = [pl.col("gpu").replace_strict({g: s.get(name) for g, s in found.items()}, return_dtype=pl.Float64)
               .alias(name) for name in ("bandwidth", "peak_flops", "power_w")]
    precision = pl.col("weight_precision").fill_null("bf16").str.to_lowercase()
    return frame.with_columns(*columns, precision.replace_strict(bits, default=16.0, return_dtype=pl.Float64)
                              .alias("bits"), (pl.col("active_params_b") < 0.9 * pl.col("params_b")).alias("moe"))


def _text_terms(frame: pl.DataFrame) -> list[tuple[np.ndarray, list[np.ndarray]]]:
    """(physical base in log J, correction columns) for the memory and the compute term."""
    get = lambda c: frame[c].cast(pl.Float64).to_numpy()  # noqa: E731
    params, active, batch, gpus = get("params_b") * 1e9, get("active_params_b") * 1e9, get("batch_size"), get("n_gpus")
    moe, power = get("moe"), get("power_w")
    weights_read = np.minimum(params, active * batch) * get("bits") / 8
    memory = np.log(power * weights_read / (get("bandwidth") * batch))
    compute = np.log(power * 2 * active / get("peak_flops"))
    multimodal = frame["task_family"].str.starts_with("mllm").cast(pl.Float64).to_numpy()
    hybrid = frame["architecture"].fill_null("").str.contains("(?i)hybrid|mamba").cast(pl.Float64).to_numpy()
    output = np.log(frame["avg_output_tokens"].cast(pl.Float64).fill_null(500.0).to_numpy() / 500)
    one = np.ones(frame.height)
    return [(memory, [one, np.log(gpus), np.log(params / 1e10), moe]),
            (compute, [one, np.log(active / 1e10), moe, np.log(params / active), multimodal, output, hybrid,
                       np.log(gpus)])]


def _diffusion_terms(frame: pl.DataFrame) -> list[tuple[np.ndarray, list[np.ndarray]]]:
    get = lambda c: frame[c].cast(pl.Float64).to_numpy()  # noqa: E731
    frames = get("frames")
    latent = get("pixels") / LATENT_PIXELS * np.where(frames > 1, frames / 4 + 1, 1)  # 4x temporal VAE
    compute = np.log(get("power_w") * get("denoising_steps") * 2 * get("params_b") * 1e9 * latent / get("peak_flops"))
    return [(compute, [np.ones(frame.height), np.log(latent), np.log(get("params_b")), np.log(get("batch_size")),
                       np.log(get("n_gpus"))])]


def _terms(frame: pl.DataFrame, modality: str):
    return _text_terms(frame) if modality == "text" else _diffusion_terms(frame)


def _design(frame: pl.DataFrame, modality: str, levels: dict[str, list[str]]):
    """Per term: base and its matrix of correction columns plus one indicator per level; the
    task deviates the last (compute) term only. Also the penalty of every coefficient."""
    blocks, penalties = [], []
    terms = _terms(frame, modality)
    for index, (base, columns) in enumerate(terms):
        names = [n for n in LEVELS if n != "task" or index == len(terms) - 1]
        indicators = [(frame[n] == level).cast(pl.Float64).to_numpy() for n in names for level in levels[n]]
        blocks.append((base, np.column_stack(columns + indicators)))
        penalties += [PENALTY] * len(columns) + [LEVEL_PENALTY[n] for n in names for _ in levels[n]]
    return blocks, np.array(penalties)


def _log_energy(theta: np.ndarray, blocks) -> np.ndarray:
    parts, start = [], 0
    for base, matrix in blocks:
        parts.append(base + matrix @ theta[start:start + matrix.shape[1]])
        start += matrix.shape[1]
    return np.logaddexp.reduce(np.vstack(parts), axis=0)


def fit(frame: pl.DataFrame, modality: str, target: str) -> dict:
    """Robust (soft-L1) least squares in log energy; unseen levels later get the seen ones' mean."""
    from scipy.optimize import least_squares  # lazily: scipy is slow to import

    levels = {n: sorted(frame[n].unique().to_list()) for n in LEVELS}
    blocks, penalties = _design(frame, modality, levels)
    measured = np.log(frame[target].to_numpy())
    start = np.zeros(len(penalties))
    solution = least_squares(lambda t: np.concatenate([_log_energy(t, blocks) - measured, penalties * t]), start,
                             loss="soft_l1", f_scale=0.3)
    return {"theta": solution.x, "levels": levels, "modality": modality}


def predict(fitted: dict, frame: pl.DataFrame) -> np.ndarray:
    """Energy in the target's unit; a level the fit never saw counts as the mean of those it did."""
    levels = fitted["levels"]
    extended = {n: levels[n] + sorted(set(frame[n].unique().to_list()) - set(levels[n])) for n in LEVELS}
    blocks, _ = _design(frame, fitted["modality"], extended)
    return np.exp(_log_energy(_extend(fitted, extended, blocks), blocks))


def _extend(fitted: dict, extended: dict[str, list[str]], blocks) -> np.ndarray:
    """The coefficients laid out for `extended` levels, new ones at their group's seen mean."""
    theta, old, out = fitted["theta"], fitted["levels"], []
    start, terms = 0, len(blocks)
    for index, (_, matrix) in enumerate(blocks):
        names = [n for n in LEVELS if n != "task" or index == terms - 1]
        fixed = matrix.shape[1] - sum(len(extended[n]) for n in names)
        out.extend(theta[start:start + fixed])
        start += fixed
        for name in names:
            seen = theta[start:start + len(old[name])]
            out.extend(list(seen) + [float(np.mean(seen))] * (len(extended[name]) - len(old[name])))
            start += len(old[name])
    return np.array(out)


def gpus_to_hold(params: float, bits: float, memory_gb: float) -> int:
    """Fewest GPUs (a power of two) holding the weights with 20% headroom."""
    needed = math.ceil(1.2 * params * bits / 8 / 1e9 / memory_gb)
    return 2 ** math.ceil(math.log2(max(needed, 1)))
