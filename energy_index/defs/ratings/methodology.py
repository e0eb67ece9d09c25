"""The rating methodology as data: units of work, size classes and absolute thresholds.

Three dbt seeds (`rating_tasks`, `rating_size_classes`, `rating_thresholds`) hold every choice
with its source and a `methodology_version`. Older versions stay in the seeds so a published
grade can be reproduced; the ratings use the newest version unless told otherwise. A grade's
thresholds never depend on which models are in the data, so absolute grades only change when
the version does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import polars as pl

from energy_index.settings import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
GRADES = ("A", "B", "C", "D", "E")
BOUNDS = ("a_max", "b_max", "c_max", "d_max")  # upper bounds of A-D; E is everything above d_max
REQUIRED = {
    "rating_tasks": ["methodology_version", "task", "benchmark_release", "benchmark_task", "unit_of_work", "units",
                     "latency_metric", "latency_limit_s", "source"],
    "rating_size_classes": ["methodology_version", "scope", "size_class", "min_params_billion", "source"],
    "rating_thresholds": ["methodology_version", "phase", "task", "metric", "unit", *BOUNDS, "source"],
}
LATENCY_METRICS = ("avg_tpot_s", "median_itl_s", "batch_latency_s")
PER_TOKEN_METRICS = ("avg_tpot_s", "median_itl_s")  # text tasks: their unit states an output length
REFERENCE_GRID = "world average"
VERSION = re.compile(r"\d{4}-\d{2}")  # the grid a rating is stated under unless another is asked for


class MethodologyError(ValueError):
    """A rating seed that cannot be used, naming the file, the row and the problem."""


@dataclass(frozen=True)
class Methodology:
    version: str
    tasks: pl.DataFrame
    size_classes: pl.DataFrame
    thresholds: pl.DataFrame


def available_versions(seeds_dir: Path = SEEDS_DIR) -> list[str]:
    """Versions with thresholds, oldest first; a version is a YYYY-MM date so text order is time order."""
    path = seeds_dir / "rating_thresholds.csv"
    versions = sorted(_read(seeds_dir, "rating_thresholds")["methodology_version"].unique().to_list())
    bad = [v for v in versions if not VERSION.fullmatch(v or "")]
    if bad:
        raise MethodologyError(f"{path}: methodology_version {bad[0]!r} is not YYYY-MM")
    return versions


def load_methodology(version: str | None = None, seeds_dir: Path = SEEDS_DIR) -> Methodology:
    """One version of the methodology (the newest when `version` is None), validated."""
    frames = {name: _read(seeds_dir, name) for name in REQUIRED}
    versions = available_versions(seeds_dir)
    chosen = version or (versions[-1] if versions else None)
    for name, frame in frames.items():
        if chosen not in frame["methodology_version"].to_list():
            raise MethodologyError(f"{seeds_dir / (name + '.csv')}: no rows for methodology version {chosen!r} "
                                   f"(versions with thresholds: {', '.join(versions) or 'none'})")
    picked = {name: frame.filter(pl.col("methodology_version") == chosen) for name, frame in frames.items()}
    _validate_tasks(seeds_dir, picked["rating_tasks"])
    _validate_size_classes(seeds_dir, picked["rating_size_classes"])
    _validate_thresholds(seeds_dir, picked["rating_thresholds"], picked["rating_tasks"]["task"].to_list())
    return Methodology(chosen, picked["rating_tasks"], picked["rating_size_classes"], picked["rating_thresholds"])


def _read(seeds_dir: Path, name: str) -> pl.DataFrame:
    path = seeds_dir / f"{name}.csv"
    try:
        frame = pl.read_csv(path, infer_schema_length=0)  # all text: numbers are checked below, by row
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise MethodologyError(f"{path}: cannot be read ({exc})") from exc
    missing = [c for c in REQUIRED[name] if c not in frame.columns]
    if missing:
        raise MethodologyError(f"{path}: missing columns {', '.join(missing)} (found: {', '.join(frame.columns)})")
    numeric = [c for c in frame.columns if c in ("units", "output_tokens", "latency_limit_s", "min_params_billion",
                                                  "max_params_billion", *BOUNDS)]
    for column in numeric:
        bad = frame.with_row_index("row", offset=2).filter(
            pl.col(column).is_not_null() & pl.col(column).cast(pl.Float64, strict=False).is_null())
        if bad.height:
            raise MethodologyError(f"{path}: row {bad['row'][0]}, column {column}: "
                                   f"{bad[column][0]!r} is not a number")
    return frame.with_columns(pl.col(numeric).cast(pl.Float64))


def _validate_tasks(seeds_dir: Path, tasks: pl.DataFrame) -> None:
    path = seeds_dir / "rating_tasks.csv"
    duplicated = tasks.filter(pl.col("task").is_duplicated())["task"].unique().to_list()
    if duplicated:
        raise MethodologyError(f"{path}: task listed twice in one version: {', '.join(duplicated)}")
    rated_twice = tasks.filter(pl.struct("benchmark_release", "benchmark_task").is_duplicated())
    if rated_twice.height:
        row = rated_twice.row(0, named=True)
        raise MethodologyError(f"{path}: {row['benchmark_release']} {row['benchmark_task']} is rated by more than one "
                               "task in one version")
    for row in tasks.iter_rows(named=True):
        if row["latency_metric"] not in LATENCY_METRICS:
            raise MethodologyError(f"{path}: task {row['task']}: latency_metric {row['latency_metric']!r} is not one "
                                   f"of {', '.join(LATENCY_METRICS)}")
        if any(not row[c] or row[c] <= 0 for c in ("units", "latency_limit_s")) or (
                row["latency_metric"] in PER_TOKEN_METRICS and not row.get("output_tokens")):
            raise MethodologyError(f"{path}: task {row['task']}: units, latency_limit_s (and output_tokens for "
                                   "text) must be positive numbers")


def _validate_size_classes(seeds_dir: Path, classes: pl.DataFrame) -> None:
    """Within a scope the classes must not overlap, or a model would fall in two."""
    path = seeds_dir / "rating_size_classes.csv"
    for (scope,), group in classes.sort("min_params_billion").group_by("scope", maintain_order=True):
        bounds = group.select("size_class", "min_params_billion", "max_params_billion").rows()
        for (name, _, upper), (following, lower, _) in pairwise(bounds):
            if upper is None or upper > lower:
                raise MethodologyError(f"{path}: scope {scope}: classes {name!r} and {following!r} overlap")


def _validate_thresholds(seeds_dir: Path, thresholds: pl.DataFrame, tasks: list[str]) -> None:
    """Bounds must rise from A to D, and every inference task needs both a CO2e and an energy row."""
    path = seeds_dir / "rating_thresholds.csv"
    for row in thresholds.iter_rows(named=True):
        bounds = [row[b] for b in BOUNDS]
        if any(b is None for b in bounds) or any(lo >= hi for lo, hi in pairwise(bounds)):
            raise MethodologyError(f"{path}: {row['phase']}/{row['task']}/{row['metric']}: bounds "
                                   f"{', '.join(map(str, bounds))} must be given and rise from a_max to d_max")
    duplicated = thresholds.filter(pl.struct("phase", "task", "metric").is_duplicated())
    if duplicated.height:
        row = duplicated.row(0, named=True)
        raise MethodologyError(f"{path}: {row['phase']}/{row['task']}/{row['metric']} has more than one row "
                               f"in version {row['methodology_version']}")
    have = set(thresholds.select("task", "metric").iter_rows())
    missing = [f"{task}/{metric}" for task in [*tasks, "training"] for metric in ("co2e", "energy")
               if (task, metric) not in have]
    if missing:
        raise MethodologyError(f"{path}: no thresholds for {', '.join(missing)}")


def absolute_grade(value: pl.Expr, bounds: list[pl.Expr]) -> pl.Expr:
    """The first grade whose upper bound (A-D, columns or literals) the value does not exceed; null
    stays null."""
    expression = pl.when(value.is_null()).then(pl.lit(None, pl.Utf8))
    for grade, bound in zip(GRADES, bounds):
        expression = expression.when(value <= bound).then(pl.lit(grade))
    return expression.otherwise(pl.lit(GRADES[-1]))


def relative_grade(value: str, group: list[str]) -> pl.Expr:
    """A-E by quintile of rank within a group (the lowest figure is A; equal figures share a grade).

    Rank quintiles, as AI Energy Score's stars are within a task and size class: with n distinct
    figures the k-th lowest gets grade floor(5 (k - 1) / n), so any group with five or more
    distinct figures uses all five grades, ties or not.
    """
    rank = pl.col(value).rank("dense").over(group)
    count = pl.col(value).n_unique().over(group) - pl.col(value).is_null().any().over(group).cast(pl.UInt32)
    index = ((rank - 1) * 5 // count).cast(pl.Int64)
    return pl.when(pl.col(value).is_null()).then(pl.lit(None, pl.Utf8)).otherwise(
        index.replace_strict(list(range(5)), list(GRADES), return_dtype=pl.Utf8))
