"""Plots in asset metadata: written as PNG files and shown inline by URL (energy_index/files.py)."""

from __future__ import annotations

import functools
import io

import dagster as dg
import numpy as np

from energy_index.files import image, stored_chart


@functools.cache
def _pyplot():
    """matplotlib's pyplot on the Agg backend, imported on first use: matplotlib is slow to import,
    and the code location loads this module long before any plot is drawn."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers or in the daemon
    import matplotlib.pyplot as plt

    return plt


def figure_markdown(figure) -> dg.MetadataValue:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    _pyplot().close(figure)
    return _png_markdown(buffer.getvalue())


def png_markdown(path, title: str = "label") -> dg.MetadataValue:
    """A PNG file already under a served directory (a rendered label, say), shown inline like the plots."""
    return image(path, title)


def _png_markdown(png: bytes) -> dg.MetadataValue:
    return image(stored_chart(png), "plot")


def confusion_matrix_plot(confusion: list[list[int]], labels: list[str], title: str) -> dg.MetadataValue:
    plt = _pyplot()
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
    plt = _pyplot()
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
    plt = _pyplot()
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
    plt = _pyplot()
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
    plt = _pyplot()
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
    plt = _pyplot()
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


def change_arrows_plot(moves: list[dict], title: str, xlabel: str, ylabel: str, path=None) -> dg.MetadataValue:
    """Each item's move from (x0, y0) to (x1, y1) on log axes, e.g. a task's share and energy in one
    release and the next (hollow: before, filled: after): a faint segment for every item, a bold
    labelled arrow where `highlight`. Values of 0 (an item absent from one release) are drawn at the
    smallest positive value shown, halved.

    The faint moves are one LineCollection and two scatters, not an annotation each: thousands of
    tasks drawn as separate artists took half a minute to render."""
    from matplotlib.collections import LineCollection

    positive = [v for m in moves for v in (m["x0"], m["x1"], m["y0"], m["y1"]) if v and v > 0]
    floor = min(positive) / 2 if positive else 1e-6
    points = np.array([[max(m[k] or 0, floor) for k in ("x0", "y0", "x1", "y1")] for m in moves]).reshape(-1, 4)
    bold = np.array([bool(m.get("highlight")) for m in moves], dtype=bool)
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(8, 6))
    faint = points[~bold]
    axis.add_collection(LineCollection(faint.reshape(-1, 2, 2), colors="#bbbbbb", linewidths=0.5))
    axis.scatter(faint[:, 0], faint[:, 1], s=3, facecolors="none", edgecolors="#999999", linewidths=0.5)
    axis.scatter(faint[:, 2], faint[:, 3], s=3, color="#999999")
    for move, (x0, y0, x1, y1) in zip((m for m in moves if m.get("highlight")), points[bold], strict=True):
        axis.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops={"arrowstyle": "->", "color": "#d62728", "lw": 1.4})
        axis.scatter([x0], [y0], s=10, facecolors="none", edgecolors="#999999", linewidths=0.5)
        axis.scatter([x1], [y1], s=10, color="#d62728")
        axis.annotate(str(move["label"])[:48], (x1, y1), fontsize=6, xytext=(4, 2), textcoords="offset points")
    axis.set_xscale("log")
    axis.set_yscale("log")
    if len(points):
        axis.set_xlim(points[:, [0, 2]].min() / 1.5, points[:, [0, 2]].max() * 1.5)
        axis.set_ylim(points[:, [1, 3]].min() / 1.5, points[:, [1, 3]].max() * 1.5)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.set_title(title, fontsize=10)
    if path is not None:
        figure.savefig(path, dpi=110, bbox_inches="tight")
    return figure_markdown(figure)
