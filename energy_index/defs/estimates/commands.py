"""`energy-index estimate-training` and `energy-index predict --params ...`: the fitted
estimators applied to a model a user describes, with a range, as text or JSON."""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict

import polars as pl

from energy_index.assumptions import assumption
from energy_index.defs.estimates import inference_assets, training_assets
from energy_index.defs.estimates.inference import PRECISIONS, TASKS, UNIT, match_gpu, modality_of, predict_energy
from energy_index.defs.estimates.inputs import REFERENCE_NUMBERS, accelerator_key, find_accelerator, known_accelerators
from energy_index.defs.estimates.training import NotEstimable, TrainingRun, estimate, estimate_range
from energy_index.defs.ml.artifacts import load_model
from energy_index.lake import LakeUnavailable, connect_published, lake_for
from energy_index.settings import load_settings

# Accepted ranges, in counts, from the reference file's own (billions of parameters, trillions of tokens).
LIMITS = {"params": tuple(v * 1e9 for v in REFERENCE_NUMBERS["params_b"]),
          "tokens": tuple(v * 1e12 for v in REFERENCE_NUMBERS["train_tokens_t"]),
          "gpu_hours": REFERENCE_NUMBERS["gpu_hours"], "pue": REFERENCE_NUMBERS["pue"],
          "intensity": (0.0, assumption("max_plausible_kg_per_kwh") * 1000), "batch": (1, 100_000),
          "gpus": (1, 100_000), "output_tokens": (1, 1e7),
          "active_params": tuple(v * 1e9 for v in REFERENCE_NUMBERS["params_b"]), "steps": (1, 10_000),
          "frames": (1, 100_000)}


class UsageError(ValueError):
    """An input the estimators cannot take; the message names the field."""


def checked(args: argparse.Namespace, *fields: str) -> None:
    for name in fields:
        value = getattr(args, name)
        if value is None:
            continue
        low, high = LIMITS[name]
        if not (math.isfinite(value) and low <= value <= high):
            raise UsageError(f"--{name.replace('_', '-')}: {value:g} is outside the accepted range "
                             f"[{low:g}, {high:g}]")


def saved_estimator(module) -> dict:
    """The estimator its asset saved last, if this version of the code can read it."""
    path = module.estimator_path(load_settings().models_dir)
    fitted = load_model(path)
    if fitted.get("format") != module.ESTIMATOR_FORMAT:
        raise UsageError(f"{path} was saved by another version of energy-index: make run refits it")
    return fitted


def region_intensity(region: str) -> float:
    """The latest grid intensity (gCO2e/kWh) of a cloud region in the published warehouse."""
    try:
        conn = connect_published(lake_for(load_settings()))
    except LakeUnavailable as exc:
        raise UsageError(f"--region: {exc}; {region!r} is looked up there") from exc
    with conn:
        rows = conn.execute("select region, grid_gco2e_per_kwh from marts.dim_grid_carbon_intensity "
                            "qualify row_number() over (partition by region order by year desc) = 1").fetchall()
    found = {name: value for name, value in rows}
    if region not in found:
        raise UsageError(f"--region: {region!r} is not a region in marts.dim_grid_carbon_intensity "
                         f"(known: {', '.join(sorted(found))})")
    return found[region]


def training_estimate(args: argparse.Namespace) -> dict:
    checked(args, "params", "tokens", "gpu_hours", "pue", "intensity")
    fitted = saved_estimator(training_assets)
    specs = pl.DataFrame(fitted["accelerators"])
    accelerator = find_accelerator(specs, args.gpu)
    if accelerator is None:
        raise UsageError(f"--gpu: {args.gpu!r} is not a known accelerator (known: {', '.join(known_accelerators(specs))})")
    intensity, basis = (args.intensity, "given (--intensity)") if args.intensity is not None else (None, "")
    if args.region:
        intensity, basis = region_intensity(args.region), f"cloud region {args.region} (latest year)"
    run = TrainingRun(accelerator, args.params, args.tokens, args.gpu_hours, args.pue,
                      None if intensity is None else intensity / 1000, basis or "stated")
    try:
        result = estimate(run, fitted["factors"])
    except NotEstimable as exc:
        raise UsageError(f"--gpu-hours / --tokens: {exc}") from exc
    low, high = estimate_range(result, fitted["intervals"][result.route], fitted["factors"])
    return {**asdict(result), "gpu": accelerator.name, "params": args.params, "tokens": args.tokens,
            "co2e_t_low": low, "co2e_t_high": high,
            "range": "10th-90th percentile of this route's leave-one-family-out errors on published figures "
                     "(at least the assumed minimum half-width), widened by the spread of published grids "
                     "when no grid is given", "estimator_trained_at": fitted["trained_at"]}


def inference_estimate(args: argparse.Namespace) -> dict:
    checked(args, "params", "active_params", "batch", "gpus", "output_tokens", "steps", "frames")
    if args.precision not in PRECISIONS:
        raise UsageError(f"--precision: {args.precision!r}: the measured runs are all 16-bit "
                         f"({', '.join(PRECISIONS)}); other precisions cannot be estimated from them")
    fitted = saved_estimator(inference_assets)
    task_key = TASKS[args.task]
    modality = modality_of(*task_key.split("/"))
    model = fitted["modalities"].get(modality)
    if model is None:
        raise UsageError(f"--task: no {modality} runs were measured, so {args.task!r} cannot be estimated")
    if modality != "text" and (args.steps is None or args.resolution is None):
        raise UsageError(f"--steps and --resolution are required for {args.task}")
    if not args.gpu:
        raise UsageError("--gpu is required with --params")
    gpu = match_gpu(args.gpu, model["gpus"])
    gpus = args.gpus or _gpus_to_hold(args.params, gpu)
    row = pl.DataFrame([{"task_key": task_key, "gpu": gpu, "params_b": args.params / 1e9,
                         "active_params_b": (args.active_params or args.params) / 1e9, "batch_size": args.batch,
                         "n_gpus": gpus, "denoising_steps": args.steps, "frames": args.frames or 1,
                         "pixels": _pixels(args.resolution)}])
    central = float(predict_energy(model, row)[0])
    low, high = model["interval"]
    result = {"task": task_key, "gpu": gpu, "gpus": gpus, "batch_size": args.batch, "unit": UNIT[modality],
              "energy_j": central, "energy_j_low": central * low, "energy_j_high": central * high,
              "range": "10th-90th percentile of measured / predicted for models held out of the fit",
              "estimator_trained_at": fitted["trained_at"]}
    if modality == "text":
        tokens = args.output_tokens or model["output_tokens"].get(task_key)
        if tokens is None:
            raise UsageError(f"--output-tokens: the runs give no typical output length for {args.task}; pass one")
        result.update({"energy_per_token_j": central, "output_tokens_per_request": tokens,
                       **{f"energy_per_request_j{s}": central * f * tokens for s, f in
                          (("_low", low), ("", 1.0), ("_high", high))}})
    return result


def _gpus_to_hold(params: float, gpu: str) -> int:
    """Fewest GPUs (a power of two) holding the weights at 16 bits with 20% headroom."""
    memory_gb = float(accelerator_key(gpu).split(":")[1] or 80)
    needed = math.ceil(1.2 * params * 2 / 1e9 / memory_gb)
    return 2 ** math.ceil(math.log2(max(needed, 1)))


def _pixels(resolution: str | None) -> float | None:
    if resolution is None:
        return None
    try:
        width, height = (float(v) for v in resolution.lower().split("x"))
    except ValueError:
        raise UsageError(f"--resolution: {resolution!r} is not WIDTHxHEIGHT, e.g. 1024x1024") from None
    return width * height


def print_result(result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:<28} {value:,.4g}" if isinstance(value, float) else f"{key:<28} {value}")


def add_training_parser(commands) -> None:
    parser = commands.add_parser("estimate-training", help="estimate a training run's energy and CO2e, with a range")
    parser.add_argument("--params", type=float, required=True, help="parameter count, e.g. 70e9")
    parser.add_argument("--tokens", type=float, help="training tokens, e.g. 15e12")
    parser.add_argument("--gpu", required=True, help="accelerator from gpu_specs.csv, e.g. H100-80GB, A100-80GB, TPUv3")
    parser.add_argument("--gpu-hours", type=float, help="accelerator-hours, when known")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--region", help="cloud region whose grid intensity to use, e.g. us-central1")
    where.add_argument("--intensity", type=float, help="grid intensity in gCO2e/kWh")
    parser.add_argument("--pue", type=float, help="data-centre PUE (default: the median PUE published sources state)")
    parser.add_argument("--format", choices=["text", "json"], default="text")


def add_serving_arguments(parser) -> None:
    """`predict` arguments for a model that is not in the measured runs."""
    parser.add_argument("--params", type=float, help="parameter count of a model not in the data, e.g. 70e9")
    parser.add_argument("--active-params", type=float, help="active parameters per token (mixture-of-experts)")
    parser.add_argument("--gpu", help="GPU the runs cover, e.g. H100 or A100 (with --params)")
    parser.add_argument("--batch", type=float, default=64, help="configured (maximum) batch size, default 64")
    parser.add_argument("--gpus", type=float, help="GPUs serving one replica (default: fewest that hold it)")
    parser.add_argument("--task", choices=list(TASKS), default="chat")
    parser.add_argument("--output-tokens", type=float, help="output tokens per request (default: the task's median)")
    parser.add_argument("--precision", default="bf16", help="weights' precision; the measured runs are 16-bit")
    parser.add_argument("--steps", type=float, help="denoising steps (diffusion tasks)")
    parser.add_argument("--resolution", help="WIDTHxHEIGHT (diffusion tasks)")
    parser.add_argument("--frames", type=float, help="frames per video (video tasks)")
    parser.add_argument("--format", choices=["text", "json"], default="json")


def run_estimate(kind: str, args: argparse.Namespace) -> int:
    """Print the estimate; a bad input or a missing estimator is one line on stderr and exit 2."""
    import sys

    from energy_index.defs.ml.artifacts import ModelDamaged

    try:
        result = training_estimate(args) if kind == "training" else inference_estimate(args)
    except (UsageError, ValueError, FileNotFoundError, ModelDamaged) as exc:
        command = "estimate-training" if kind == "training" else "predict"
        print(f"energy-index {command}: {exc}", file=sys.stderr)
        return 2
    print_result(result, args.format == "json")
    return 0
