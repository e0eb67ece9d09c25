"""`energy-index rate MODEL [--task T] [--region R]`: a model's published rating, from the
published lake analysts read."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb
import polars as pl

from energy_index.defs.ratings.grading import model_key
from energy_index.defs.ratings.methodology import REFERENCE_GRID
from energy_index.lake import LakeUnavailable, connect_published, lake_for
from energy_index.settings import load_settings

SHOWN = ["phase", "task", "configuration", "boundary", "benchmark_release", "gpu", "weight_precision", "unit_of_work",
         "energy_wh_low", "energy_wh_central",
         "energy_wh_high", "co2e_g_low", "co2e_g_central", "co2e_g_high", "energy_j_per_token", "co2e_mg_per_token",
         "co2e_t_per_b_params", "energy_mwh_per_b_params", "relative_grade", "size_class",
         "relative_group_size", "absolute_grade", "absolute_energy_grade", "grid_entity", "grid_year", "basis",
         "grid_kg_per_kwh", "figure_source", "methodology_version"]


class RatingNotFound(LookupError):
    """No rating answers the question; the message says why and what there is instead."""


def add_rate_parser(commands) -> None:
    """The `rate` subcommand's arguments."""
    parser = commands.add_parser("rate", help="print a model's carbon-efficiency rating (grades, energy, CO2e)")
    parser.add_argument("model", help="model name or part of it, e.g. Llama-3.1-8B or meta-llama/Meta-Llama-3.1-8B")
    parser.add_argument("--task", help="a rated task: v2 chat, code, mllm-chat, text-to-image, text-to-video, "
                                       "image-to-video; v3 gpqa, lm-arena-chat, sourcegraph-fim, image-chat, video-chat, "
                                       "text-to-image-v3, text-to-video-v3; or training (the rating_tasks seed)")
    parser.add_argument("--region", default=REFERENCE_GRID,
                        help="grid: a cloud region (e.g. europe-west1) or a company whose factors to use "
                             f"(default: {REFERENCE_GRID})")
    parser.add_argument("--basis", choices=["location", "market"], default="location")
    parser.add_argument("--format", choices=["text", "json"], default="text")


def find_ratings(ratings: pl.DataFrame, model: str, task: str | None, region: str, basis: str) -> pl.DataFrame:
    """The rows for one model (exact name, same model key, or a unique partial match), one task
    if given, under one grid; training rows keep their own run's grid."""
    chosen = _match_model(ratings, model)
    rows = ratings.filter(pl.col("model_key") == chosen)
    if task:
        tasks = sorted(rows["task"].unique().to_list())
        rows = rows.filter(pl.col("task") == task)
        if rows.is_empty():
            raise RatingNotFound(f"{model!r} has no {task} rating (rated tasks: {', '.join(tasks)})")
    grids = rows.filter(pl.col("phase") == "inference")
    inference = grids.filter((pl.col("grid_entity").str.to_lowercase() == region.lower())
                             & ((pl.col("basis") == basis) | (pl.col("grid_entity") == REFERENCE_GRID)))
    if grids.height and inference.is_empty():
        known = sorted(grids.filter(pl.col("basis") == basis)["grid_entity"].unique().to_list())
        raise RatingNotFound(f"no {basis}-based grid named {region!r} (known: {', '.join(known)})")
    return pl.concat([inference, rows.filter(pl.col("phase") == "training")]) \
        .sort("phase", "task", "configuration", "boundary")


def _match_model(ratings: pl.DataFrame, query: str) -> str:
    keys = ratings.select("model", "model_key").unique()
    exact = keys.filter((pl.col("model").str.to_lowercase() == query.lower()) | (pl.col("model_key") == model_key(query)))
    if exact.height:
        return exact["model_key"][0]
    partial = keys.filter(pl.col("model").str.to_lowercase().str.contains(query.lower(), literal=True)
                          | pl.col("model_key").str.contains(model_key(query), literal=True))
    if partial["model_key"].n_unique() == 1:
        return partial["model_key"][0]
    if partial.height:
        raise RatingNotFound(f"{query!r} matches several models: {', '.join(sorted(partial['model'].to_list()))}")
    raise RatingNotFound(f"no rating for {query!r}: it has no measured runs in ML.ENERGY and no training figure in "
                         f"the training reference. Rated models include: {', '.join(sorted(keys['model'])[:12])} ...")


def rate_command(args: argparse.Namespace) -> int:
    """Print the rating as text or JSON; a model, task or grid without a rating is exit 2."""
    from energy_index.defs.ratings.labels import slug  # matplotlib: only when a rating is printed

    settings = load_settings()
    try:
        with connect_published(lake_for(settings)) as conn:
            ratings = conn.sql("select * from marts.fct_model_ratings").pl()
        rows = find_ratings(ratings, args.model, args.task, args.region, args.basis)
    except (RatingNotFound, LakeUnavailable, duckdb.CatalogException) as exc:
        print(f"energy-index rate: {exc}", file=sys.stderr)
        return 2
    model = rows.sort("phase")["model"][0]
    label = settings.labels_dir / f"{slug(model)}.svg"
    if args.format == "json":
        print(json.dumps({"model": model, "label": str(label) if label.exists() else None,
                          "ratings": rows.select(SHOWN).to_dicts()}, indent=2, default=str))
    else:
        print("\n".join(text_lines(model, rows, label)))
    return 0


def text_lines(model: str, rows: pl.DataFrame, label: Path) -> list[str]:
    """Three lines per rating: what was rated, its grades, its figures with their range and grid."""
    from energy_index.defs.ratings.labels import ENERGY_UNITS, MASS_UNITS, format_range

    def figure(row: dict, name: str, units) -> str:
        return format_range(row[f"{name}_central"], row[f"{name}_low"], row[f"{name}_high"], units)

    lines = [f"{model} (methodology {rows['methodology_version'][0]})"]
    for row in rows.to_dicts():
        year = f" {row['grid_year']}" if row["grid_year"] else ""
        grid = "grid of the training run as its source states" if row["phase"] == "training" else \
            f"{row['grid_entity']}{year}, {row['basis']}-based, {row['grid_kg_per_kwh']:.3g} kgCO2e/kWh"
        relative = f"{row['relative_grade']} among {row['relative_group_size']} in {row['size_class']}" \
            if row["relative_grade"] else "not graded"
        per_b = (f"; {row['co2e_t_per_b_params']:.3g} tCO2e per billion parameters"
                 if row["co2e_t_per_b_params"] is not None else "")
        lines += [(f"  {row['phase']} / {row['task']} / {row['configuration'].replace('_', ' ')} / "
                   f"boundary {row['boundary']}, per {row['unit_of_work']}"),
                  (f"    absolute grade {row['absolute_grade'] or '-'} (CO2e), "
                   f"{row['absolute_energy_grade'] or '-'} (energy); relative {relative}"),
                  (f"    energy {figure(row, 'energy_wh', ENERGY_UNITS)}, "
                   f"CO2e {figure(row, 'co2e_g', MASS_UNITS)}{per_b}; {grid}")]
    if label.exists():
        lines.append(f"label: {label}")
    return lines



def summary_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """For `make run`: how many models are rated, and per release the best chat rating per size
    class (v2's `chat`, v3's `lm-arena-chat`: each release's chat task, as its registry row names it)."""
    try:
        count, version = conn.execute("select count(distinct model_key), max(methodology_version) "
                                      "from marts.fct_model_ratings").fetchone()
        best = conn.execute(f"""with chat as (
                select tasks.task, tasks.benchmark_release from seeds.rating_tasks as tasks
                join seeds.mlenergy_releases as releases on tasks.benchmark_release = releases.release
                    and tasks.benchmark_task = 'llm_text_generation/' || releases.chat_task)
            select ratings.task || ' (' || chat.benchmark_release || ')', size_class, arg_min(model, co2e_g_central),
                min(co2e_g_central), arg_min(absolute_grade, co2e_g_central)
            from marts.fct_model_ratings as ratings join chat on ratings.task = chat.task
            where phase = 'inference' and boundary = 'accelerator' and configuration = 'best_within_latency_objective'
              and grid_entity = '{REFERENCE_GRID}' and methodology_version = '{version}'
            group by 1, 2 order by 1, 2""").fetchall()
    except duckdb.CatalogException:
        return []
    lines = [(f"ratings (methodology {version}): {count} models; best chat per 1,000 requests, accelerator, "
              f"{REFERENCE_GRID} grid:")]
    return lines + [f"  {task:<20} {size:<12} {model} {co2e:.2f} gCO2e, grade {grade}"
                    for task, size, model, co2e, grade in best]
