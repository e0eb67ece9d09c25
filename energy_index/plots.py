"""Plots embedded in asset metadata as markdown images (the Dagster UI renders data URIs)."""

from __future__ import annotations

import base64
import io

import dagster as dg
import matplotlib

matplotlib.use("Agg")  # no display on servers or in the daemon
import matplotlib.pyplot as plt  # noqa: E402


def figure_markdown(figure) -> dg.MetadataValue:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return dg.MetadataValue.md(f"![plot](data:image/png;base64,{encoded})")


def confusion_matrix_plot(confusion: list[list[int]], labels: list[str], title: str) -> dg.MetadataValue:
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
                    title: str, path=None) -> dg.MetadataValue:
    """Horizontal bars of two shares per category, e.g. conversation share against employment share."""
    figure, axis = plt.subplots(figsize=(8, 0.32 * len(labels) + 1.2))
    positions = range(len(labels))
    axis.barh([p + 0.2 for p in positions], left, height=0.4, label=names[0])
    axis.barh([p - 0.2 for p in positions], right, height=0.4, label=names[1])
    axis.set_yticks(list(positions), labels, fontsize=8)
    axis.invert_yaxis()
    axis.set_xlabel("percent")
    axis.set_title(title, fontsize=10)
    axis.legend(fontsize=8)
    if path is not None:
        figure.savefig(path, dpi=110, bbox_inches="tight")
    return figure_markdown(figure)


def series_plot(series: dict[str, list[tuple[int, float]]], title: str, ylabel: str) -> dg.MetadataValue:
    """One line per named series of (year, value) points, e.g. emissions by scope over the years."""
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
