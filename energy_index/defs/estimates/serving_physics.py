"""Inference energy from what bounds it physically, corrected by what the measured runs show.

A decoding step of a batch of B sequences costs the GPUs' power for as long as the slowest of
these takes, so the energy per output token is about

    power x ( weight bytes read per step / (bandwidth x B)      the weights, shared by the batch
            + GPUs x step overhead / B                          scheduling and kernel launches
            + context x KV-cache bytes per token / bandwidth    each sequence's own cache
            + 2 x active params / peak FLOP/s )                 the matrix multiplies

Weight bytes follow the precision (bits per weight from the `weight_precisions` seed); an MoE
step reads the experts its batch routes to, 1 - (1 - active/total)^B of them. The KV cache grows
with the context (a prompt plus half the output, on average) and with the model's width and
depth (~ active^(2/3)). Weights of 8 bits or fewer multiply at the GPU's FP8 peak where it has
one. Bandwidth, peak FLOP/s and power come from the `accelerator_peak_flops` seed, so a GPU or
precision no run measured is still a physical quantity, not an unknown category; the fixed step
overhead is why a faster GPU saves less than its datasheet promises.

Each term is scaled by a log-linear correction learnt from the runs (model size, MoE,
multimodal prompts, hybrid attention, output length, GPUs, batch), plus per-GPU, per-release,
per-task and per-precision (bits per weight) deviations that a ridge penalty keeps small (the
weights and the matrix multiplies, where the precision enters, deviate by it: an FP8 or MXFP4
kernel does not reach what its bits promise); a level the fit never saw gets the average of
those it saw. Diffusion has one term, power x denoising steps x 2 x params x latent
tokens / peak FLOP/s, with a learnt exponent on the peak (achieved throughput does not grow as
fast as the datasheet's from one GPU generation to the next).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from energy_index.defs.estimates.inputs import PEAK_FLOPS_PATH, accelerator_key, same_accelerator
from energy_index.defs.mlenergy.precisions import precision_bits

LEVELS = ("accelerator", "benchmark_release", "task", "precision")  # categorical deviations, penalised
# Hardware and kernels (a GPU, a precision) deviate only on strong evidence; releases and tasks more freely.
PENALTY, LEVEL_PENALTY = 0.3, {"accelerator": 3.0, "benchmark_release": 0.3, "task": 0.3, "precision": 3.0}
LATENT_PIXELS = 256  # pixels per latent token: an 8x VAE and 2x2 patches (SD3, FLUX, PixArt, Wan)
# Scale anchors of the physical terms; each term's learnt intercept corrects them.
PROMPT_TOKENS = 512.0  # a typical prompt's length, before the output's
STEP_OVERHEAD_S = 1e-3  # host-side time per decoding step, per GPU
KV_BYTES_8B = 131_072.0  # K and V bytes per token of an 8B GQA transformer: 2 x 32 layers x 8 x 128 x 2 B


@dataclass(frozen=True)
class Term:
    """One physical term: its estimate (log J), the columns of its learnt correction, and the
    categorical levels allowed to deviate it."""
    base: np.ndarray
    corrections: list[np.ndarray]
    levels: tuple[str, ...]


def accelerator_specs() -> pl.DataFrame:
    """The seed's accelerators with bandwidth (B/s), peak and FP8 peak (FLOP/s), board power (W)."""
    return pl.read_csv(PEAK_FLOPS_PATH).select(
        "accelerator", (pl.col("peak_dense_tflops") * 1e12).alias("peak_flops"),
        (pl.col("peak_dense_fp8_tflops").cast(pl.Float64) * 1e12).alias("peak_fp8_flops"),
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
    """Add `bits`, `precision` (its level: the bits per weight, so float16 shares bfloat16's kernels'
    deviation), `bandwidth`, `peak_flops`, `peak_fp8_flops`, `power_w` (null where the GPU has no
    spec) and `moe`."""
    specs, bits = accelerator_specs(), precision_bits()
    found = {gpu: spec_for(gpu, specs) or {} for gpu in frame["gpu"].unique().to_list()}
    columns = [pl.col("gpu").replace_strict({g: s.get(name) for g, s in found.items()}, return_dtype=pl.Float64)
               .alias(name) for name in ("bandwidth", "peak_flops", "peak_fp8_flops", "power_w")]
    precision = pl.col("weight_precision").fill_null("bf16").str.to_lowercase()
    per_weight = precision.replace_strict(bits, default=16.0, return_dtype=pl.Float64)
    return frame.with_columns(*columns, per_weight.alias("bits"),
                              pl.concat_str(per_weight.cast(pl.Utf8), pl.lit(" bits")).alias("precision"),
                              (pl.col("active_params_b") < 0.9 * pl.col("params_b")).alias("moe"))


def _column(frame: pl.DataFrame, name: str) -> np.ndarray:
    return frame[name].cast(pl.Float64).to_numpy()


def _text_terms(frame: pl.DataFrame) -> list[Term]:
    get = lambda c: _column(frame, c)  # noqa: E731
    params, active, batch, gpus = get("params_b") * 1e9, get("active_params_b") * 1e9, get("batch_size"), get("n_gpus")
    power, bandwidth, bits = get("power_w"), get("bandwidth"), get("bits")
    experts_read = 1 - (1 - active / params) ** batch  # share of the weights a step's batch routes to
    output = frame["avg_output_tokens"].cast(pl.Float64).fill_null(500.0).to_numpy()
    peak = np.where((bits <= 8) & ~np.isnan(get("peak_fp8_flops")), get("peak_fp8_flops"), get("peak_flops"))
    flag = lambda expr: frame.select(expr.cast(pl.Float64)).to_series().to_numpy()  # noqa: E731
    moe, multimodal = get("moe"), flag(pl.col("task_family").str.starts_with("mllm"))
    hybrid = flag(pl.col("architecture").fill_null("").str.contains("(?i)hybrid|mamba"))
    one, size, width = np.ones(frame.height), np.log(params / 1e10), np.log(active / 1e10)
    hardware, kernels = ("accelerator", "benchmark_release"), ("accelerator", "benchmark_release", "precision")
    return [
        Term(np.log(power * params * experts_read * bits / 8 / (bandwidth * batch)), [one, moe, size], kernels),
        Term(np.log(power * gpus * STEP_OVERHEAD_S / batch), [one, np.log(gpus), size, np.log(batch)], hardware),
        Term(np.log(power * (PROMPT_TOKENS + output / 2) * KV_BYTES_8B * (active / 8e9) ** (2 / 3) / bandwidth),
             [one, multimodal, hybrid, width, np.log(output / 500)], ("task",)),
        Term(np.log(power * 2 * active / peak), [one, moe, multimodal], kernels)]


def _diffusion_terms(frame: pl.DataFrame) -> list[Term]:
    get = lambda c: _column(frame, c)  # noqa: E731
    frames = get("frames")
    latent = get("pixels") / LATENT_PIXELS * np.where(frames > 1, frames / 4 + 1, 1)  # 4x temporal VAE
    compute = np.log(get("power_w") * get("denoising_steps") * 2 * get("params_b") * 1e9 * latent / get("peak_flops"))
    return [Term(compute, [np.ones(frame.height), np.log(get("params_b")), np.log(get("batch_size")),
                           np.log(get("n_gpus")), np.log(get("peak_flops") / 1e15)],
                 ("accelerator", "benchmark_release", "task"))]


def _terms(frame: pl.DataFrame, modality: str) -> list[Term]:
    return _text_terms(frame) if modality == "text" else _diffusion_terms(frame)


def _design(frame: pl.DataFrame, modality: str, levels: dict[str, list[str]]):
    """Per term: (base, matrix of its correction columns plus one indicator per level of the
    levels it may deviate by), and the penalty of every coefficient in that order."""
    blocks, penalties = [], []
    for term in _terms(frame, modality):
        indicators = [(frame[n] == level).cast(pl.Float64).to_numpy() for n in term.levels for level in levels[n]]
        blocks.append((term.base, np.column_stack(term.corrections + indicators), term.levels))
        penalties += [PENALTY] * len(term.corrections) + [LEVEL_PENALTY[n] for n in term.levels for _ in levels[n]]
    return blocks, np.array(penalties)


def _terms_log(theta: np.ndarray, blocks) -> np.ndarray:
    """Each term's log energy, one row per term."""
    parts, start = [], 0
    for base, matrix, _ in blocks:
        parts.append(base + matrix @ theta[start:start + matrix.shape[1]])
        start += matrix.shape[1]
    return np.vstack(parts)


def _log_energy(theta: np.ndarray, blocks) -> np.ndarray:
    return np.logaddexp.reduce(_terms_log(theta, blocks), axis=0)


def _jacobian(theta: np.ndarray, blocks, penalties: np.ndarray) -> np.ndarray:
    """d(log energy)/d(theta): each term's share of the energy times its columns (the derivative of
    a log-sum-exp), then the penalty's diagonal; exact, so the fit needs no finite differences."""
    parts = _terms_log(theta, blocks)
    shares = np.exp(parts - np.logaddexp.reduce(parts, axis=0))
    rows = np.hstack([shares[j][:, None] * matrix for j, (_, matrix, _) in enumerate(blocks)])
    return np.vstack([rows, np.diag(penalties)])


def fit(frame: pl.DataFrame, modality: str, target: str) -> dict:
    """Robust (soft-L1) least squares in log energy; unseen levels later get the seen ones' mean."""
    from scipy.optimize import least_squares  # lazily: scipy is slow to import

    levels = {n: sorted(frame[n].unique().to_list()) for n in LEVELS}
    blocks, penalties = _design(frame, modality, levels)
    measured = np.log(frame[target].to_numpy())
    start = np.zeros(len(penalties))
    solution = least_squares(lambda t: np.concatenate([_log_energy(t, blocks) - measured, penalties * t]), start,
                             jac=lambda t: _jacobian(t, blocks, penalties), loss="soft_l1", f_scale=0.3)
    return {"theta": solution.x, "levels": levels, "modality": modality}


def predict(fitted: dict, frame: pl.DataFrame) -> np.ndarray:
    """Energy in the target's unit; a level the fit never saw counts as the mean of those it did."""
    levels = fitted["levels"]
    extended = {n: levels[n] + sorted(set(frame[n].unique().to_list()) - set(levels[n])) for n in LEVELS}
    blocks, _ = _design(frame, fitted["modality"], extended)
    return np.exp(_log_energy(_extend(fitted, extended, blocks), blocks))


def _extend(fitted: dict, extended: dict[str, list[str]], blocks) -> np.ndarray:
    """The coefficients laid out for `extended` levels, new ones at their group's seen mean."""
    theta, old, out, start = fitted["theta"], fitted["levels"], [], 0
    for _, matrix, names in blocks:
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
