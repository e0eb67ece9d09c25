"""The index itself, published: a page built from the lake's latest snapshot, the way a statistics
office publishes an index, with its charts and the snapshot it was built from. The figures come from
the queries in `sql/index/` (and one of `sql/`), so an analyst can run each one again."""

from __future__ import annotations

import json
from dataclasses import dataclass

import polars as pl

from energy_index.plots import png_bytes, pyplot
from energy_index.settings import SQL_DIR
from energy_index_docs.markdown import table

CHART_DIR = "index"  # charts sit beside the page, under docs/index/


@dataclass(frozen=True)
class Section:
    """One part of the page: its heading, what it says, the query behind it, and its chart (if any)."""

    title: str
    lede: str
    query: str  # a path under sql/
    chart: str | None = None


SECTIONS = (
    Section("Energy and CO2e per conversation, across ML.ENERGY releases",
            "One conversation with the reference scenario's model, on each GPU each benchmark release measured "
            "it on (its lowest-energy configuration within the latency limit), world-average grid and default "
            "PUE. `is_reference` marks the scenario the other figures use.",
            "index/reference_conversation_by_benchmark_release.sql", "conversation_by_release"),
    Section("Occupation groups, latest Economic Index release",
            "Energy and CO2e per million conversations by SOC major group under the reference scenario, and the "
            "change since the previous release: a group's energy moves with its share of conversations.",
            "index/occupation_groups_latest_release.sql", "occupation_groups"),
    Section("Best-rated models per task and size class",
            "The model with the least CO2e per unit of work in each task and size class (best configuration "
            "within the latency objective, accelerator boundary, world-average grid), with its grades. "
            "[How models are rated](methodology/ratings.md).",
            "index/best_rated_models_per_task_and_size.sql"),
    Section("Companies' grid factors",
            "Each company's latest electricity emission factor from its own report, location- and "
            "market-based, or why it has none. [How reports are read](methodology/report-reader.md).",
            "analyst_company_factors_latest.sql"),
    Section("Our own footprint",
            "What refreshing this index used, per day, measured by CodeCarbon on every step. "
            "[Methodology](methodology/footprint.md).",
            "index/own_footprint_by_day.sql", "own_footprint"),
)


def index_page(conn, snapshot: dict) -> tuple[str, dict[str, bytes]]:
    """The page's markdown and its charts ({file name: PNG}) from a connection to the published lake."""
    text = ("# The Energy Index, published\n\n"
            f"Built from **snapshot {snapshot['snapshot_id']}** of the published lake, committed "
            f"{snapshot['committed_at']:%Y-%m-%d %H:%M UTC} ({snapshot['message'] or 'no message'}"
            f"{_run_of(snapshot.get('extra_info'))}). "
            "`make docs` rebuilds this page from the latest snapshot; `energy-index sql --version "
            f"{snapshot['snapshot_id']} \"...\"` reads exactly these figures again.\n")
    charts = {}
    for section in SECTIONS:
        frame = conn.sql((SQL_DIR / section.query).read_text()).pl()
        text += f"\n## {section.title}\n\n{section.lede}\n\n"
        if section.chart and not frame.is_empty():
            name = f"{section.chart}.png"
            charts[name] = CHARTS[section.chart](frame)
            text += f"![{section.title}]({CHART_DIR}/{name}){{ width=\"720\" }}\n\n"
        text += table(frame.columns, frame.rows()) + f"\nQuery: `sql/{section.query}`.\n"
    return text, charts


def _run_of(extra_info) -> str:
    """'; run <id>' from the commit's extra info (the refresh run that committed the snapshot), if any."""
    try:
        run_id = json.loads(extra_info or "{}").get("run_id")
    except (TypeError, ValueError, AttributeError):
        return ""
    return f"; Dagster run `{run_id}`" if run_id else ""


def _png(figure) -> bytes:
    png = png_bytes(figure, dpi=100)
    pyplot().close(figure)
    return png


def _conversation_chart(frame: pl.DataFrame) -> bytes:
    labels = [f"{r['benchmark_release']} {r['gpu']}" for r in frame.iter_rows(named=True)]
    figure, axis = pyplot().subplots(figsize=(7.2, 3.2))
    axis.barh(labels, frame["energy_wh_per_conversation"], color=["#c0392b" if r else "#7f8c8d"
                                                                   for r in frame["is_reference"]])
    axis.set_xlabel("Wh per conversation")
    axis.invert_yaxis()
    return _png(figure)


def _occupation_chart(frame: pl.DataFrame) -> bytes:
    top = frame.head(12)
    figure, axis = pyplot().subplots(figsize=(7.2, 4.2))
    previous = top["energy_kwh"] - top["energy_kwh_change"].fill_null(0)
    labels = [t if len(t) <= 38 else t[:36] + "…" for t in top["occupation_group"]]
    axis.barh(labels, previous, height=0.4, align="edge", color="#bdc3c7", label=str(top["previous_release"][0]))
    axis.barh(labels, top["energy_kwh"], height=-0.4, align="edge", color="#2c3e50", label=str(top["release"][0]))
    axis.set_xlabel("kWh per million conversations")
    axis.invert_yaxis()
    axis.legend(loc="lower right", fontsize=8)
    return _png(figure)


def _footprint_chart(frame: pl.DataFrame) -> bytes:
    ordered = frame.sort("day")
    figure, axis = pyplot().subplots(figsize=(7.2, 2.8))
    axis.bar([str(d) for d in ordered["day"]], ordered["energy_wh"], color="#27ae60")
    axis.set_ylabel("Wh per day")
    axis.tick_params(axis="x", labelrotation=45, labelsize=8)
    return _png(figure)


CHARTS = {"conversation_by_release": _conversation_chart, "occupation_groups": _occupation_chart,
          "own_footprint": _footprint_chart}
