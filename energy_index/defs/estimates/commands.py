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
from energy_index.defs.estimates import serving_physics as physics
from energy_index.defs.estimates.inference import UNIT
from energy_index.defs.estimates.inputs import REFERENCE_NUMBERS, find_accelerator, known_accelerators
from energy_index.defs.mlenergy.precisions import precision_bits
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
          "frames": (1, 100_000), "energy_mwh": (0.0, REFERENCE_NUMBERS["energy_mwh"][1])}


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
    checked(args, "params", "tokens", "gpu_hours", "pue", "intensity", "active_params", "energy_mwh")
    if args.active_params and args.active_params > args.params:
        raise UsageError("--active-params: more active parameters than --params")
    fitted = saved_estimator(training_assets)
    specs = pl.DataFrame(fitted["accelerators"])
    accelerator = find_accelerator(specs, args.gpu)
    if accelerator is None:
        raise UsageError(f"--gpu: {args.gpu!r} is not a known accelerator (known: {', '.join(known_accelerators(specs))})")
    intensity, basis = (args.intensity, "given (--intensity)") if args.intensity is not None else (None, "")
    if args.region:
        intensity, basis = region_intensity(args.region), f"cloud region {args.region} (latest year)"
    run = TrainingRun(accelerator, args.params, args.tokens, args.gpu_hours, args.pue,
                      None if intensity is None else intensity / 1000, basis or "stated",
                      active_params=args.active_params, energy_mwh=args.energy_mwh)
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


ARCHITECTURES = {"dense": "Dense Transformer", "moe": "MoE", "hybrid": "Mamba-Transformer Hybrid"}


def _task_estimator(fitted: dict, task: str) -> tuple[str, dict]:
    """(modality, its fitted model) of a task the runs measured; a clear error otherwise."""
    for modality, model in fitted["modalities"].items():
        if task in model["tasks"]:
            return modality, model
    known = sorted(t for m in fitted["modalities"].values() for t in m["tasks"])
    raise UsageError(f"--task: {task!r} is not a task the measured runs cover (known: {', '.join(known)})")


def _serving_inputs(args: argparse.Namespace) -> tuple[float, dict, float, str]:
    """(bits per weight, the GPU's spec, active parameters, architecture label) from the flags."""
    bits = precision_bits().get(args.precision.lower())
    if bits is None:
        raise UsageError(f"--precision: {args.precision!r} is not in the weight_precisions seed "
                         f"(known: {', '.join(sorted(precision_bits()))})")
    specs = physics.accelerator_specs()
    spec = physics.spec_for(args.gpu, specs) if args.gpu else None
    if spec is None:
        usable = specs.drop_nulls(["bandwidth", "power_w"])["accelerator"].to_list()
        raise UsageError(f"--gpu: {args.gpu!r} has no bandwidth and power in the accelerator_peak_flops seed "
                         f"(known: {', '.join(usable)})")
    active = args.active_params or args.params
    if args.architecture == "moe" and not (args.active_params and args.active_params < args.params):
        raise UsageError("--architecture moe needs --active-params below --params (parameters active per token)")
    if args.architecture in ("dense", "hybrid") and args.active_params and args.active_params != args.params:
        raise UsageError(f"--active-params differs from --params, so the model is not {args.architecture}: "
                         f"use --architecture moe")
    architecture = args.architecture or ("moe" if active < args.params else "dense")
    return bits, spec, active, ARCHITECTURES[architecture]


def inference_estimate(args: argparse.Namespace) -> dict:
    checked(args, "params", "active_params", "batch", "gpus", "output_tokens", "steps", "frames")
    fitted = saved_estimator(inference_assets)
    modality, model = _task_estimator(fitted, args.task)
    if modality != "text" and (args.steps is None or args.resolution is None):
        raise UsageError(f"--steps and --resolution are required for {args.task}")
    bits, spec, active, architecture = _serving_inputs(args)
    gpus = args.gpus or physics.gpus_to_hold(args.params, bits, spec["memory_gb"] or 80.0)
    task = model["tasks"][args.task]
    release = args.release or task["release"]
    measured_gpu = next((g for g in model["gpus"] if physics.spec_for(g, pl.DataFrame([spec]))), None)
    tokens = args.output_tokens or task["output_tokens"]
    row = pl.DataFrame([{"task": task["task"], "task_family": task["task_family"], "benchmark_release": release,
                         "accelerator": measured_gpu or spec["accelerator"], "gpu": args.gpu,
                         "params_b": args.params / 1e9, "active_params_b": active / 1e9, "batch_size": args.batch,
                         "n_gpus": gpus, "weight_precision": args.precision, "architecture": architecture,
                         "avg_output_tokens": tokens, "denoising_steps": args.steps, "frames": args.frames or 1,
                         "pixels": _pixels(args.resolution)}])
    central = float(physics.predict(model, physics.with_physics(row))[0])
    low, high = model["interval"]
    outside = [note for note, flag in (
        (f"GPU {spec['accelerator']} was never measured: its datasheet bandwidth, peak and power carry it",
         measured_gpu is None),
        (f"precision {args.precision} was never measured: its bits per weight carry it",
         bits not in {precision_bits().get(p.lower(), 16.0) for p in model["precisions"]})) if flag]
    result = {"task": args.task, "gpu": spec["accelerator"], "gpus": gpus, "batch_size": args.batch,
              "precision": args.precision, "bits_per_weight": bits, "architecture": architecture,
              "benchmark_release": release, "unit": UNIT[modality], "energy_j": central,
              "energy_j_low": central * low, "energy_j_high": central * high,
              "range": "80% range: the spread that held 80% of the runs when a whole benchmark release was held out",
              "outside_training": outside, "estimator_trained_at": fitted["trained_at"]}
    if modality == "text":
        if tokens is None:
            raise UsageError(f"--output-tokens: the runs give no typical output length for {args.task}; pass one")
        result.update({"energy_per_token_j": central, "output_tokens_per_request": tokens,
                       **{f"energy_per_request_j{s}": central * f * tokens for s, f in
                          (("_low", low), ("", 1.0), ("_high", high))}})
    return result


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
    parser.add_argument("--active-params", type=float, help="parameters active per token (mixture-of-experts), e.g. 37e9")
    parser.add_argument("--energy-mwh", type=float, help="the run's measured accelerator (IT) energy in MWh, before PUE")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--region", help="cloud region whose grid intensity to use, e.g. us-central1")
    where.add_argument("--intensity", type=float, help="grid intensity in gCO2e/kWh")
    parser.add_argument("--pue", type=float, help="data-centre PUE (default: the median PUE published sources state)")
    parser.add_argument("--format", choices=["text", "json"], default="text")


def add_serving_arguments(parser) -> None:
    """`predict` arguments for a model that is not in the measured runs."""
    parser.add_argument("--params", type=float, help="parameter count of a model not in the data, e.g. 70e9")
    parser.add_argument("--active-params", type=float, help="active parameters per token (mixture-of-experts)")
    parser.add_argument("--gpu", help="GPU from the accelerator_peak_flops seed, e.g. H100, B200, A100-80GB")
    parser.add_argument("--batch", type=float, default=64, help="configured (maximum) batch size, default 64")
    parser.add_argument("--gpus", type=float, help="GPUs serving one replica (default: fewest that hold it)")
    parser.add_argument("--task", default="lm-arena-chat", help="a measured task, e.g. lm-arena-chat, gpqa, "
                        "image-chat, sourcegraph-fim, chat, code, text-to-image, text-to-video")
    parser.add_argument("--architecture", choices=list(ARCHITECTURES),
                        help="dense, moe (with --active-params) or hybrid (default: moe when --active-params "
                             "is below --params, else dense)")
    parser.add_argument("--release", help="the benchmark release whose serving stack to assume (default: the latest that measured the task)")
    parser.add_argument("--output-tokens", type=float, help="output tokens per request (default: the task's median)")
    parser.add_argument("--precision", default="bf16", help="weights' precision from the weight_precisions seed, "
                        "e.g. bf16, fp8, mxfp4")
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
