"""The `weight_precisions` seed: every name a benchmark writes for a precision, and its bits."""

from __future__ import annotations

import polars as pl

from energy_index.settings import DBT_PROJECT_DIR

PRECISIONS_PATH = DBT_PROJECT_DIR / "seeds" / "weight_precisions.csv"


def _by_name(column: str) -> dict[str, str]:
    """Every precision name and alias, lower-cased, to the seed row's `column`."""
    found = {}
    for row in pl.read_csv(PRECISIONS_PATH, infer_schema=False).iter_rows(named=True):
        for name in [row["precision"], *(row["aliases"] or "").split(";")]:
            if name.strip():
                found[name.strip().lower()] = row[column]
    return found


def precision_bits() -> dict[str, float]:
    """Bits per weight for every precision name and alias, lower-cased ('bf16' -> 16, 'fp8' -> 8)."""
    return {name: float(bits) for name, bits in _by_name("bits_per_weight").items()}


def precision_names() -> dict[str, str]:
    """The seed's name for every precision name and alias, lower-cased ('bf16' -> 'bfloat16')."""
    return _by_name("precision")
