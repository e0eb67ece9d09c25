"""Images in metadata fit the UI at 1440 px, and the trend report's chart and empty table explain themselves."""

from __future__ import annotations

import re

import duckdb
import pytest

from energy_index.files import MAX_EMBED_WIDTH
from energy_index.plots import figure_markdown, png_markdown, png_width, pyplot


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("ENERGY_INDEX_HOME", str(tmp_path))
    monkeypatch.setenv("ENERGY_INDEX_FILES_URL", "http://files.test")
    return tmp_path


def embedded_and_linked(markdown: str, home) -> tuple[bytes, bytes]:
    """The bytes of the image a markdown entry embeds, and of the file it links to."""
    [shown] = re.findall(r"!\[[^]]*\]\(http://files\.test/([^)]+)\)", markdown)
    [linked] = re.findall(r"\[open [^]]*\]\(http://files\.test/([^)]+)\)", markdown)
    return (home / shown).read_bytes(), (home / linked).read_bytes()


def test_a_wide_chart_is_embedded_narrow_and_linked_at_full_size(home):
    figure, axis = pyplot().subplots(figsize=(14, 3))
    axis.plot([1, 2, 3], [3, 1, 2])
    shown, full = embedded_and_linked(figure_markdown(figure).value, home)
    assert png_width(shown) <= MAX_EMBED_WIDTH < png_width(full)


def test_a_wide_label_is_embedded_as_a_narrow_copy_linked_to_the_label(home):
    from PIL import Image

    (home / "labels").mkdir()
    label = home / "labels" / "a-model.png"
    Image.new("RGB", (900, 832), "white").save(label)
    shown, full = embedded_and_linked(png_markdown(label, "label of a model").value, home)
    assert MAX_EMBED_WIDTH - 2 <= png_width(shown) <= MAX_EMBED_WIDTH and full == label.read_bytes()


def trend_warehouse(movers: int) -> duckdb.DuckDBPyConnection:
    """The marts the trend report reads, with no usage by country and `movers` top movers among 500 tasks."""
    conn = duckdb.connect()
    conn.execute("create schema marts; create schema staging")
    conn.execute("create table marts.fct_country_usage (release varchar, geo_id varchar, country varchar, "
                 "usage_pct double, gco2e_per_kwh double, kgco2e_at_country_grid double, intensity_rank int)")
    conn.execute("create table staging.stg_aei__long_format (geography varchar)")
    conn.execute(f"""create table marts.fct_task_energy_trend as select 'task ' || i item, 'task' as level,
        'release_b' as release, 2.0 share_pct, 1.0 share_pct_change, 3.0 energy_kwh, 1.5 energy_kwh_change,
        i <= {movers} is_top_mover, i mover_rank from range(1, 501) t(i)""")
    return conn


def test_the_trend_report_says_why_usage_by_country_is_empty(home):
    from energy_index.defs.economic_index.trend_report import _country_usage

    note = _country_usage(trend_warehouse(movers=10)).value
    assert note.startswith("No usage by country: ") and "long-format releases" in note and "none of their files" in note


def test_the_trend_chart_draws_only_the_top_movers_and_fits_the_page(home):
    from energy_index.defs.economic_index.trend_report import _chart

    assert _chart(trend_warehouse(movers=0), "release_b", "release_a") == {}, "no movers, no empty chart"
    chart = _chart(trend_warehouse(movers=10), "release_b", "release_a")
    shown, _ = embedded_and_linked(chart["share_vs_energy"].value, home)
    assert png_width(shown) <= MAX_EMBED_WIDTH
    tall = height(home / "reports" / "task_share_vs_energy_by_release.png")
    assert _chart(trend_warehouse(movers=3), "release_b", "release_a")
    short = height(home / "reports" / "task_share_vs_energy_by_release.png")
    # A row per top mover (0.28 in at 110 dpi each): 7 rows fewer is about 215 px shorter; not a line per task.
    assert 180 < tall - short < 250 and tall < 600


def height(png) -> int:
    return int.from_bytes(png.read_bytes()[20:24], "big")
