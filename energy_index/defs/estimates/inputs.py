"""Published training figures and accelerator specs, read and checked before anything uses them.

A reference file is any CSV with the columns below (extra columns are kept); an accelerator
spec file has `gpu, tdp_w, source`. Empty cells mean the source is silent and stay empty.
Every problem is an `InputError` naming the file, the row and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from energy_index.assumptions import assumption
from energy_index.settings import DBT_PROJECT_DIR

PEAK_FLOPS_PATH = DBT_PROJECT_DIR / "seeds" / "accelerator_peak_flops.csv"
STATED_UTILISATION_PATH = DBT_PROJECT_DIR / "seeds" / "published_training_utilisation.csv"
REFERENCE_TEXT = ["model", "family", "hardware", "source"]
# field -> (smallest, largest) accepted; units are in the column names.
REFERENCE_NUMBERS = {
    # Tokens up to 100 T (the largest runs today use tens of trillions): 300 *billion* written
    # in this trillions column would pass as 300 T, so the bound is kept tight.
    "params_b": (1e-3, 1e5), "train_tokens_t": (1e-4, 100.0), "hardware_tdp_w": (10.0, 5000.0),
    "gpu_hours": (1.0, 1e10), "energy_mwh": (0.0, 1e6), "pue": (1.0, 3.0),
    "carbon_intensity_kg_per_kwh": (0.0, None), "co2e_t_location": (0.0, 1e7), "co2e_t_market": (0.0, 1e7),
    "year": (2000.0, 2100.0),
}
SPEC_NUMBERS = {"tdp_w": (10.0, 5000.0)}
UTILISATION_NUMBERS = {"params_b": (1e-3, 1e5), "mfu": (1e-3, 1.0)}
VENDOR_WORDS = re.compile(r"\b(nvidia|google|amd|tesla|cloud|instinct|sxm\d?|pcie)\b")
FORM_FACTOR = re.compile(r"\b(sxm\d?|pcie|nvl)\b")
MEMORY_SIZE, MEMORY_TYPE = re.compile(r"\d+gb"), re.compile(r"hbm\d?e?")


class InputError(ValueError):
    """A reference or spec file that cannot be used as it is."""


@dataclass(frozen=True)
class Accelerator:
    name: str
    tdp_w: float
    peak_flops: float | None  # dense FLOP/s; None when no datasheet figure is known


def accelerator_key(name: str) -> str:
    """'NVIDIA A100-80GB (384 GPUs)' -> 'a100:80:', 'Google TPU v3' -> 'tpuv3::', 'H100-80GB (SXM5)'
    -> 'h100:80:sxm5': the model (vendor words, memory type and notes dropped), memory, form factor."""
    lowered = name.lower()
    form = next(iter(FORM_FACTOR.findall(lowered)), "")
    text = VENDOR_WORDS.sub(" ", re.sub(r"\(.*?\)", " ", lowered))
    tokens = [t for t in re.split(r"[^a-z0-9]+", text) if t and not MEMORY_TYPE.fullmatch(t)]
    memory = next((t[:-2] for t in tokens if MEMORY_SIZE.fullmatch(t)), "")
    return "".join(t for t in tokens if not MEMORY_SIZE.fullmatch(t)) + f":{memory}:{form}"


def same_accelerator(query: str, candidate: str) -> bool:
    """Same model, and the same memory and form factor where both name one ('a100::' covers
    'a100:40:sxm4' and 'a100:80:sxm4'; 'h100::pcie' is not 'h100:80:sxm5')."""
    (model, *details), (other_model, *other_details) = query.split(":"), candidate.split(":")
    return bool(model) and model == other_model and all(
        not mine or not theirs or mine == theirs for mine, theirs in zip(details, other_details, strict=True))


def read_csv_checked(path: Path, text: list[str], numbers: dict, what: str) -> pl.DataFrame:
    """Read every cell as text, then cast the numeric fields, naming the file/row/field that fails."""
    if not path.exists():
        raise InputError(f"{what} {path}: file not found")
    frame = pl.read_csv(path, infer_schema=False)
    missing = [c for c in [*text, *numbers] if c not in frame.columns]
    if missing:
        raise InputError(f"{what} {path}: missing columns {missing} (found {frame.columns})")
    for column in numbers:
        cast = frame[column].str.strip_chars().cast(pl.Float64, strict=False)
        bad = frame.filter(cast.is_null() & frame[column].str.strip_chars().ne(""))
        if bad.height:
            raise InputError(f"{what} {path}: field {column!r} is not a number in row {_row_name(bad)}: "
                             f"{bad[column][0]!r}")
        frame = frame.with_columns(cast.alias(column))
    for column, (low, high) in numbers.items():
        high = assumption("max_plausible_kg_per_kwh") if high is None else high
        bad = frame.filter((pl.col(column) < low) | (pl.col(column) > high))
        if bad.height:
            raise InputError(f"{what} {path}: field {column!r} = {bad[column][0]} in row {_row_name(bad)} "
                             f"is outside [{low:g}, {high:g}]")
    unsourced = frame.filter(pl.col("source").is_null() | (pl.col("source").str.strip_chars() == ""))
    if unsourced.height:
        raise InputError(f"{what} {path}: field 'source' is empty in row {_row_name(unsourced)}; "
                         f"every figure must cite where it stands")
    return frame


def _row_name(rows: pl.DataFrame) -> str:
    first = rows.row(0, named=True)
    return repr(first.get("model") or first.get("gpu") or first)


def read_reference(path: Path) -> pl.DataFrame:
    """Published training figures: one row per model or training run, as the source states them."""
    frame = read_csv_checked(path, REFERENCE_TEXT, REFERENCE_NUMBERS, "training reference")
    if frame["model"].is_duplicated().any():
        raise InputError(f"training reference {path}: field 'model' repeats "
                         f"{frame.filter(frame['model'].is_duplicated())['model'][0]!r}")
    return frame.with_columns(pl.col("year").cast(pl.Int32))


def read_accelerators(path: Path) -> pl.DataFrame:
    """Accelerator specs (TDP, memory) joined to the project's peak-throughput seed."""
    specs = read_csv_checked(path, ["gpu", "source"], SPEC_NUMBERS, "accelerator specs")
    peaks = pl.read_csv(PEAK_FLOPS_PATH)
    peak_of = [(accelerator_key(r["accelerator"]), r["peak_dense_tflops"]) for r in peaks.iter_rows(named=True)]
    keys = [accelerator_key(name) for name in specs["gpu"]]
    peak = [next((value for k, value in peak_of if same_accelerator(k, key)), None) for key in keys]
    return specs.with_columns(pl.Series("accelerator_key", keys),
                              (pl.Series("peak_dense_tflops", peak, dtype=pl.Float64) * 1e12).alias("peak_flops"))


def read_stated_utilisation(path: Path = STATED_UTILISATION_PATH) -> pl.DataFrame:
    """Model FLOPs utilisation that papers state for training runs (the seed), checked like the
    reference file."""
    return read_csv_checked(path, ["model", "family", "accelerator", "source"], UTILISATION_NUMBERS,
                            "published training utilisation")


def find_accelerator(specs: pl.DataFrame, name: str) -> Accelerator | None:
    """The spec a hardware name means (`same_accelerator`); when several match ('A100' ->
    A100-40GB and A100-80GB) they must agree on TDP and peak. None when unknown or ambiguous."""
    exact = specs.filter(pl.col("gpu").str.to_lowercase() == (name or "").strip().lower())
    key = accelerator_key(name or "")
    rows = exact if exact.height else specs.filter(pl.col("gpu").map_elements(lambda gpu: same_accelerator(key, accelerator_key(gpu)),
                                                    return_dtype=pl.Boolean))
    if rows.is_empty() or rows.select("tdp_w", "peak_flops").unique().height > 1 or rows["tdp_w"][0] is None:
        return None
    first = rows.row(0, named=True)
    return Accelerator(first["gpu"], first["tdp_w"], first["peak_flops"])


def known_accelerators(specs: pl.DataFrame) -> list[str]:
    return sorted(specs.filter(pl.col("tdp_w").is_not_null())["gpu"].to_list())
