"""Plots in asset metadata: written as PNG files and shown inline by URL (energy_index/files.py)."""

from __future__ import annotations

import functools
import io
import textwrap

import dagster as dg
import numpy as np

from energy_index.files import MAX_EMBED_WIDTH, image, stored_chart

DPI = 90


@functools.cache
def pyplot():
    """matplotlib's pyplot on the Agg backend, imported on first use: matplotlib is slow to import,
    and the code location loads this module long before any plot is drawn."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers or in the daemon
    import matplotlib.pyplot as plt

    return plt


def png_bytes(figure, dpi: float = DPI) -> bytes:
    """The figure as PNG bytes (it stays open: close it with pyplot().close)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def png_width(png: bytes) -> int:
    """A PNG's width in pixels, from its header (IHDR, bytes 16-20)."""
    return int.from_bytes(png[16:20], "big")


def figure_markdown(figure) -> dg.MetadataValue:
    """The figure inline, at most MAX_EMBED_WIDTH wide (drawn again at a lower resolution when its
    labels make it wider), linked to the full-resolution drawing."""
    full = png_bytes(figure, DPI)
    embedded = full
    if png_width(full) > MAX_EMBED_WIDTH:
        embedded = png_bytes(figure, DPI * MAX_EMBED_WIDTH / png_width(full) * 0.98)  # tight bbox rounding
    pyplot().close(figure)
    return image(stored_chart(embedded), "plot", full=stored_chart(full))


def png_markdown(path, title: str = "label") -> dg.MetadataValue:
    """A PNG file already under a served directory (a rendered label, say), shown inline like the
    plots: a copy scaled down to MAX_EMBED_WIDTH when wider, linked to the file itself."""
    from PIL import Image  # matplotlib's own dependency

    with Image.open(path) as picture:
        if picture.width <= MAX_EMBED_WIDTH:
            return image(path, title)
        picture.thumbnail((MAX_EMBED_WIDTH, MAX_EMBED_WIDTH * picture.height // picture.width))
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
    return image(stored_chart(buffer.getvalue()), title, full=path)


def confusion_matrix_plot(confusion: list[list[int]], labels: list[str], title: str) -> dg.MetadataValue:
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(4, 3.5))
    axis.imshow(confusion, cmap="Blues")
    axis.set_xticks(range(len(labels)), labels)
    axis.set_yticks(range(len(labels)), labels)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title(title, fontsize=9)
    for row, values in enumerate(confusion):
        for column, value in enumerate(values):
            axis.text(column, row, str(value), ha="center", va="center")
    return figure_markdown(figure)


def paired_bar_plot(labels: list[str], left: list[float], right: list[float], names: tuple[str, str],
                    title: str, path=None, xlabel: str = "percent", log: bool = False) -> dg.MetadataValue:
    """Horizontal bars of two values per category, e.g. conversation share against employment share."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(8, 0.32 * len(labels) + 1.2))
    positions = range(len(labels))
    axis.barh([p + 0.2 for p in positions], left, height=0.4, label=names[0])
    axis.barh([p - 0.2 for p in positions], right, height=0.4, label=names[1])
    axis.set_yticks(list(positions), labels, fontsize=8)
    axis.invert_yaxis()
    axis.set_xlabel(xlabel)
    if log:
        axis.set_xscale("log")
    axis.set_title(title, fontsize=10)
    axis.legend(fontsize=8)
    if path is not None:
        figure.savefig(path, dpi=110, bbox_inches="tight")
    return figure_markdown(figure)


def series_plot(series: dict[str, list[tuple[int, float]]], title: str, ylabel: str) -> dg.MetadataValue:
    """One line per named series of (year, value) points, e.g. emissions by scope over the years."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(6, 3.5))
    for name, points in sorted(series.items()):
        points = sorted(points)
        axis.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
    axis.set_title(title, fontsize=10)
    axis.set_ylabel(ylabel)
    axis.set_yscale("log")
    axis.xaxis.get_major_locator().set_params(integer=True)
    axis.legend(fontsize=8)
    return figure_markdown(figure)


def log_histogram_plot(panels: dict[str, dict[str, list[float]]], title: str, xlabel: str,
                       bins: int = 30) -> dg.MetadataValue:
    """One panel per key (e.g. GPU), a stacked histogram per series on shared log-spaced bins.

    Shared bins and x axis keep the panels comparable; log bins because energies span orders
    of magnitude (a small-model request against a video).
    """
    values = [v for series in panels.values() for vs in series.values() for v in vs if v > 0]
    edges = np.logspace(np.log10(min(values)), np.log10(max(values)), bins + 1) if values else bins
    names = sorted({name for series in panels.values() for name in series})
    plt = pyplot()
    figure, axes = plt.subplots(len(panels), 1, figsize=(7, 2.4 * len(panels) + 0.6), sharex=True, squeeze=False)
    for axis, (panel, series) in zip(axes[:, 0], sorted(panels.items()), strict=True):
        present = [name for name in names if series.get(name)]
        axis.hist([series[name] for name in present], bins=edges, stacked=True, label=present)
        axis.set_xscale("log")
        axis.set_ylabel("runs")
        axis.set_title(panel, fontsize=9)
        axis.legend(fontsize=7)
    axes[-1, 0].set_xlabel(xlabel)
    figure.suptitle(title, fontsize=10)
    return figure_markdown(figure)


def heatmap_plot(values: list[list[float | None]], row_labels: list[str], column_labels: list[str],
                 title: str) -> dg.MetadataValue:
    """A correlation-style heatmap on [-1, 1], each cell annotated; None cells are blank and marked '–'."""
    grid = np.ma.masked_invalid(np.array([[np.nan if v is None else v for v in row] for row in values], dtype=float))
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(1.3 * len(column_labels) + 2.5, 0.4 * len(row_labels) + 1.2))
    image = axis.imshow(grid, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    axis.set_xticks(range(len(column_labels)), column_labels, fontsize=8)
    axis.set_yticks(range(len(row_labels)), row_labels, fontsize=8)
    for row, cells in enumerate(values):
        for column, value in enumerate(cells):
            axis.text(column, row, "–" if value is None else f"{value:.2f}", ha="center", va="center", fontsize=7)
    axis.set_title(title, fontsize=9)
    figure.colorbar(image, ax=axis, shrink=0.8)
    return figure_markdown(figure)


def tradeoff_plot(rows: list[dict]) -> dg.MetadataValue:
    """Score against fitting CO2e, one panel per kind of model, the Pareto front drawn as a step
    line and the low-carbon leader ringed. `rows` have kind, estimator, feature_set, score,
    score_points, fit_gco2e, on_pareto_front and low_carbon_leader."""
    kinds = sorted({r["kind"] for r in rows})
    plt = pyplot()
    figure, axes = plt.subplots(1, len(kinds), figsize=(5.5 * len(kinds), 4), squeeze=False)
    for axis, kind in zip(axes[0], kinds):
        points = [r for r in rows if r["kind"] == kind]
        axis.scatter([p["fit_gco2e"] for p in points], [p["score_points"] for p in points], s=25, color="#777777")
        front = sorted((p for p in points if p["on_pareto_front"]), key=lambda p: p["fit_gco2e"])
        axis.step([p["fit_gco2e"] for p in front], [p["score_points"] for p in front], where="post",
                  color="#d62728", label="Pareto front")
        for p in points:
            axis.annotate(f"{p['estimator']}/{p['feature_set']}", (p["fit_gco2e"], p["score_points"]), fontsize=6,
                          xytext=(3, 2), textcoords="offset points")
            if p["low_carbon_leader"]:
                axis.scatter([p["fit_gco2e"]], [p["score_points"]], s=120, facecolors="none", edgecolors="green",
                             linewidths=1.5, label="low-carbon leader")
        axis.set_xscale("log")
        axis.set_xlabel("gCO2e to fit and score (CodeCarbon)")
        axis.set_ylabel(points[0]["score"] + " (grouped CV)")
        axis.set_title(f"{kind}s: accuracy against carbon", fontsize=10)
        axis.legend(fontsize=7)
    return figure_markdown(figure)


def moves_plot(moves: list[dict], panels: dict[str, str], title: str, path=None) -> dg.MetadataValue:
    """Each item's move between two releases, one row per item and one panel per measure: a hollow
    grey dot before, a red dot after, an arrow between. `moves` give `label` and, per panel key
    `k`, `k_before` and `k_after`; `panels` map each key to its axis label.

    The items are named on the shared vertical axis, so labels never overlap; pass only the items
    that matter (the top movers): a line per item of a whole release buries them."""
    plt = pyplot()
    rows = list(range(len(moves)))
    figure, axes = plt.subplots(1, len(panels), sharey=True, squeeze=False,
                                figsize=(2.3 * len(panels) + 2.4, 0.28 * len(moves) + 1.1))
    for axis, (key, xlabel) in zip(axes[0], panels.items(), strict=True):
        before, after = [m[f"{key}_before"] or 0 for m in moves], [m[f"{key}_after"] or 0 for m in moves]
        for row, x0, x1 in zip(rows, before, after, strict=True):
            axis.annotate("", xy=(x1, row), xytext=(x0, row), arrowprops={"arrowstyle": "->", "color": "#d62728"})
        axis.scatter(before, rows, s=14, facecolors="none", edgecolors="#777777", zorder=3)
        axis.scatter(after, rows, s=14, color="#d62728", zorder=3)
        axis.set_xlabel(xlabel, fontsize=8)
        axis.tick_params(labelsize=7)
        axis.grid(axis="x", color="#eeeeee")
    axes[0][0].set_yticks(rows, [textwrap.shorten(str(m["label"]), 38, placeholder="...") for m in moves])
    axes[0][0].invert_yaxis()
    figure.suptitle(title, fontsize=9)
    if path is not None:
        figure.savefig(path, dpi=110, bbox_inches="tight")
    return figure_markdown(figure)
