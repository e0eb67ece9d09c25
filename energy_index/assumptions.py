"""The project's assumptions, read by Python from the one table dbt also loads.

Every number the estimators take as given (default PUE, plausible ranges, the baseline's
grid intensity) is a row of `dbt_project/seeds/assumptions.csv` with its source, published as
`marts.dim_assumptions`; code names the row, never the number.
"""

from __future__ import annotations

import csv
from functools import cache

import dagster as dg

from energy_index.settings import DBT_PROJECT_DIR

ASSUMPTIONS_PATH = DBT_PROJECT_DIR / "seeds" / "assumptions.csv"


def seed_key(name: str) -> dg.AssetKey:
    """The asset of a dbt seed: a Python asset reading `dbt_project/seeds/<name>.csv` depends on it,
    so an edit to the seed marks that asset stale."""
    return dg.AssetKey(["seeds", name])


ASSUMPTIONS_KEY = seed_key("assumptions")


@cache
def assumptions() -> dict[str, str]:
    with ASSUMPTIONS_PATH.open(newline="") as handle:
        return {row["name"]: row["value"] for row in csv.DictReader(handle)}


def assumption(name: str) -> float:
    """A numeric assumption by name; a missing one is a clear error naming the file."""
    try:
        return float(assumptions()[name])
    except KeyError:
        raise KeyError(f"{ASSUMPTIONS_PATH}: no assumption named {name!r}") from None
