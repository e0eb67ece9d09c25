"""Appliance-style energy labels for AI models (like the EU energy label) and a grade overview plot.

A label is drawn once and saved as SVG (text kept as text, so it is searchable and testable) and PNG.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
import textwrap
from itertools import groupby
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers or in the daemon
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

# EU-label-like scale from dark green to red; also used by ratings_plot so the two read alike.
GRADE_COLOURS: dict[str, str] = {"A": "#00a651", "B": "#8cc63f", "C": "#fff200", "D": "#f7941d", "E": "#ed1c24"}
GRADES = list(GRADE_COLOURS)
ENERGY_UNITS = [("mWh", 1e-3), ("Wh", 1.0), ("kWh", 1e3), ("MWh", 1e6), ("GWh", 1e9), ("TWh", 1e12)]
MASS_UNITS = [("mg", 1e-3), ("g", 1.0), ("kg", 1e3), ("t", 1e6), ("kt", 1e9), ("Mt", 1e12)]
WIDTH, HEADER, BLOCK = 6.0, 1.15, 2.05  # inches: the figure grows by one block per row
BAR_X, SEGMENT, BAR_H = 0.3, 0.52, 0.32
RELATIVE_X, RELATIVE_CHARS = BAR_X + 5 * SEGMENT + 1.05, 30  # the relative grade wraps to fit the right edge


def slug(model: str) -> str:
    """File-name-safe model name: 'meta-llama/Meta-Llama-3.1-8B-Instruct' -> 'meta-llama-meta-llama-3-1-8b-instruct'."""
    return re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")


def format_quantity(value: float | None, units: list[tuple[str, float]]) -> str:
    """3 significant figures in the largest unit that keeps the number at least 1 (e.g. 1234 Wh -> 1.23 kWh)."""
    if value is None or not math.isfinite(value):
        return "n/a"
    # Round first so 999.7 Wh becomes 1 kWh rather than "1e+03 Wh".
    rounded = float(f"{value:.3g}")
    if rounded == 0:
        return f"0 {next(name for name, scale in units if scale == 1.0)}"  # "0 Wh", not "0 mWh"
    name, scale = units[0]
    for candidate, candidate_scale in units:
        if abs(rounded) >= candidate_scale:
            name, scale = candidate, candidate_scale
    return f"{rounded / scale:.3g} {name}"


def format_range(value: float | None, low: float | None, high: float | None, units: list[tuple[str, float]]) -> str:
    """'1.2 kWh (0.8–1.5 kWh)' when the bounds share the value's unit, else each bound with its own unit."""
    central = format_quantity(value, units)
    if low is None or high is None:
        return central
    bounds = [format_quantity(low, units), format_quantity(high, units)]
    unit = central.rsplit(" ", 1)[-1]
    if all(b.endswith(" " + unit) for b in bounds):
        bounds = [b.rsplit(" ", 1)[0] for b in bounds]
        return f"{central} ({bounds[0]}–{bounds[1]} {unit})"
    return f"{central} ({bounds[0]}–{bounds[1]})"


def label_files(model: str, directory: Path) -> tuple[Path, Path]:
    """Where a model's label is written: `<slug>.svg` and `<slug>.png` in `directory`."""
    return Path(directory) / f"{slug(model)}.svg", Path(directory) / f"{slug(model)}.png"


def label_fingerprint(model: str, rows: list[dict], methodology_version: str) -> str:
    """sha256 of what a label shows and of the code that draws it: an unchanged fingerprint with
    both files present means the label on disk is the one this call would draw."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(repr((model, rows, methodology_version)).encode())
    return digest.hexdigest()[:16]


def draw_label(job: tuple[str, list[dict], str, Path]) -> tuple[Path, Path]:
    """`render_label(*job)`, the shape a worker process takes (energy_index/parallel.py)."""
    return render_label(*job)


def render_label(model: str, rows: list[dict], methodology_version: str, directory: Path) -> tuple[Path, Path]:
    """Draw the label of one model and write `<slug>.svg` and `<slug>.png` in `directory`."""
    if not rows:
        raise ValueError(f"no rated rows for model {model!r}: nothing to put on its label")
    for row in rows:
        if row["absolute_grade"] is not None and row["absolute_grade"] not in GRADE_COLOURS:
            raise ValueError(f"model {model!r}: absolute grade {row['absolute_grade']!r} is not one of {GRADES}")
    height = HEADER + BLOCK * len(rows) + 0.3
    # A bare Figure, not pyplot: nothing is registered globally, so nothing leaks if saving fails.
    figure = Figure(figsize=(WIDTH, height))
    axis = figure.add_axes((0, 0, 1, 1))
    axis.set_xlim(0, WIDTH)
    axis.set_ylim(0, height)  # data coordinates are inches from the bottom-left corner
    axis.set_axis_off()
    axis.add_patch(Rectangle((0.05, 0.05), WIDTH - 0.1, height - 0.1, fill=False, linewidth=1.5))
    _draw_header(axis, model, methodology_version, height)
    for index, row in enumerate(rows):
        _draw_row(axis, row, index, height - HEADER - BLOCK * index)
    svg, png = label_files(model, directory)
    svg.parent.mkdir(parents=True, exist_ok=True)
    # fonttype 'none' keeps SVG text as <text>; a fixed hash salt and no date make reruns byte-identical.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": slug(model)}):
        _save_atomically(figure, svg, "svg", {"Date": None})
    _save_atomically(figure, png, "png", {"Software": None})
    return svg, png


def _draw_header(axis, model: str, methodology_version: str, height: float) -> None:
    """Model name as the title, the methodology version under it, and a rule closing the header."""
    size = min(15.0, 15.0 * 42 / max(len(model), 1))  # about 42 bold characters fill the width at 15 pt
    axis.text(WIDTH / 2, height - 0.42, model, ha="center", va="center", fontsize=size, fontweight="bold",
              parse_math=False, gid="label-model")
    axis.text(WIDTH / 2, height - 0.78, f"AI energy rating · methodology {methodology_version}", ha="center",
              va="center", fontsize=9, color="#444444", parse_math=False)
    axis.plot([0.2, WIDTH - 0.2], [height - HEADER + 0.1] * 2, color="black", linewidth=1)


def _draw_row(axis, row: dict, index: int, top: float) -> None:
    """One block: what was rated, the A-E scale with the grade, the relative grade and the figures."""
    axis.text(BAR_X, top - 0.22, f"{row['phase'].capitalize()} · {row['task']}", fontsize=11,
              fontweight="bold", va="center", parse_math=False)
    axis.text(BAR_X, top - 0.46, f"{row['configuration']} · boundary: {row['boundary']}", fontsize=8,
              va="center", color="#333333", parse_math=False)
    axis.text(BAR_X, top - 0.66, f"per {row['unit_of_work']}", fontsize=8, va="center", color="#333333",
              parse_math=False)
    centre = top - 1.05
    _draw_scale(axis, row["absolute_grade"], centre, index)
    if row.get("relative_grade"):
        group = textwrap.fill(f"among {row['relative_group']}", RELATIVE_CHARS, max_lines=3, placeholder=" …")
        relative = f"relative: {row['relative_grade']}\n{group}"
    else:
        relative = "relative: not graded\n(no comparable group)"
    axis.text(RELATIVE_X, centre, relative, fontsize=8, va="center", parse_math=False,
              gid=f"relative-grade-{index}")
    energy = format_range(row["energy_wh"], row.get("energy_wh_low"), row.get("energy_wh_high"), ENERGY_UNITS)
    co2e = format_range(row["co2e_g"], row.get("co2e_g_low"), row.get("co2e_g_high"), MASS_UNITS)
    axis.text(BAR_X, top - 1.5, f"energy {energy}", fontsize=9, va="center", parse_math=False)
    axis.text(WIDTH / 2, top - 1.5, f"CO2e {co2e}", fontsize=9, va="center", parse_math=False)
    axis.text(BAR_X, top - 1.74, f"grid: {row['grid']}", fontsize=7.5, va="center", color="#444444",
              parse_math=False)
    axis.plot([0.2, WIDTH - 0.2], [top - BLOCK + 0.1] * 2, color="#999999", linewidth=0.6)


def _draw_scale(axis, grade: str, centre: float, index: int) -> None:
    """Five coloured segments, the graded one raised and outlined, and a black arrow carrying the letter."""
    for position, letter in enumerate(GRADES):
        chosen = letter == grade
        grow = 0.07 if chosen else 0.0
        x = BAR_X + position * SEGMENT
        axis.add_patch(Rectangle((x, centre - BAR_H / 2 - grow), SEGMENT, BAR_H + 2 * grow,
                                 facecolor=GRADE_COLOURS[letter], edgecolor="black" if chosen else "white",
                                 linewidth=2.2 if chosen else 1, zorder=3 if chosen else 2))
        axis.text(x + SEGMENT / 2, centre, letter, ha="center", va="center", fontsize=10, fontweight="bold",
                  color="black" if letter in "BC" else "white", zorder=4)
    # The EU label's black arrow, pointing back at the scale, so the grade reads at a glance.
    left, half = BAR_X + 5 * SEGMENT + 0.15, 0.27
    if grade is None:  # a figure with nothing to grade it on (a training run without a parameter count)
        axis.text(left, centre, "not\ngraded", va="center", fontsize=8, gid=f"absolute-grade-{index}")
        return
    axis.add_patch(Polygon([(left, centre), (left + 0.22, centre + half), (left + 0.8, centre + half),
                            (left + 0.8, centre - half), (left + 0.22, centre - half)], color="black"))
    axis.text(left + 0.5, centre, grade, ha="center", va="center", fontsize=20, fontweight="bold", color="white",
              gid=f"absolute-grade-{index}")


def _save_atomically(figure: Figure, target: Path, fmt: str, metadata: dict) -> Path:
    """Save to a temporary file beside `target`, then rename: a killed run never leaves a half-written label."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            figure.savefig(stream, format=fmt, dpi=150, metadata=metadata)
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; labels are published, so keep them world-readable
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def ratings_plot(points: list[dict]):
    """One log-log panel per task (and unit of work): energy against CO2e per unit, points coloured by grade,
    with a grey bar from `co2e_g_min` to `co2e_g_max` where a point has them (the same work on other grids).

    Panels are split by unit too, because points measured per different units are not comparable.
    Returns the figure; callers turn it into markdown with `energy_index.plots.figure_markdown`.
    """
    if not points:
        raise ValueError("ratings_plot needs at least one rated point")
    import matplotlib.pyplot as plt  # lazily: pyplot's global state is only needed here

    def panel_key(point: dict) -> tuple[str, str]:
        return point["task"], point["unit_of_work"]

    panels = [(key, list(group)) for key, group in groupby(sorted(points, key=panel_key), key=panel_key)]
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.4 * rows),
                                squeeze=False, layout="constrained")
    for axis in axes.flat[len(panels):]:
        figure.delaxes(axis)  # the grid's unused cells, so figure.axes is exactly one per panel
    for axis, ((task, unit), group) in zip(axes.flat, panels, strict=False):
        for point in group:
            grade = point.get("absolute_grade")
            if point.get("co2e_g_min") is not None:  # the same energy on the cleanest and dirtiest grid
                axis.vlines(point["energy_wh"], point["co2e_g_min"], point["co2e_g_max"], color="#888888",
                            linewidth=1, zorder=2)
            axis.scatter(point["energy_wh"], point["co2e_g"], color=GRADE_COLOURS.get(grade, "#999999"),
                         edgecolor="black", linewidth=0.5, s=40, zorder=3)
            axis.annotate(grade or "?", (point["energy_wh"], point["co2e_g"]), xytext=(4, 4),
                          textcoords="offset points", fontsize=8, fontweight="bold")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_title(f"{task}\nper {unit}", fontsize=9)
        axis.set_xlabel("energy (Wh per unit)", fontsize=8)
        axis.set_ylabel("CO2e (g per unit)", fontsize=8)
        axis.grid(True, which="major", linewidth=0.3)
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=c, markeredgecolor="black", label=g)
               for g, c in GRADE_COLOURS.items()]
    figure.legend(handles=handles, title="absolute grade", loc="outside right center", fontsize=8)
    return figure
