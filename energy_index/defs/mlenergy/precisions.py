"""The `weight_precisions` seed: every name a benchmark writes for a precision, and its bits."""

from __future__ import annotations

import polars as pl

from energy_index.settings import DBT_PROJECT_DIR

PRECISIONS_PATH = DBT_PROJECT_DIR / "seeds" / "weight_precisions.csv"


def precision_bits() -> dict[str, float]:
    """Bits per weight for every precision name and alias, lower-cased ('bf16' -> 16, 'fp8' -> 8)."""
    bits = {}
    for row in pl.read_csv(PRECISIONS_PATH, infer_schema=False).iter_rows(named=True):
        for name in [row["precision"], *(row["aliases"] or "").split(";")]:
            if name.strip():
                bits[name.strip().lower()] = float(row["bits_per_weight"])
    return bits
