"""Energy labels drawn to real SVG and PNG files, unit formatting, and the grade overview plot."""

import xml.etree.ElementTree as ET

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from energy_index.defs.ratings.labels import (
    ENERGY_UNITS,
    GRADE_COLOURS,
    MASS_UNITS,
    format_quantity,
    format_range,
    ratings_plot,
    render_label,
    slug,
)

MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct"
GRID = "world average, location-based, 0.48 kgCO2e/kWh"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_TEXT = "{http://www.w3.org/2000/svg}text"


def row(task: str, phase: str, grade: str, relative: str | None, energy: float, co2e: float, unit: str) -> dict:
    """One label row with ±30 % bounds around the central figures."""
    return {"phase": phase, "task": task, "configuration": "best within latency objective",
            "boundary": "accelerator", "unit_of_work": unit,
            "energy_wh": energy, "energy_wh_low": energy * 0.7, "energy_wh_high": energy * 1.3,
            "co2e_g": co2e, "co2e_g_low": co2e * 0.7, "co2e_g_high": co2e * 1.3,
            "absolute_grade": grade, "relative_grade": relative,
            "relative_group": f"{task}, <20B, 11 models" if relative else None, "grid": GRID}


ROWS = [
    row("chat", "inference", "B", "C", 312.4, 150.0, "1,000 requests of 400 output tokens"),
    row("text-to-image", "inference", "A", "A", 0.00042, 0.0002, "1,000 images at 1024x1024"),
    row("training", "training", "E", None, 2.1e9, 8.0e8, "one full training run"),
]


def svg_texts(path) -> tuple[list[str], dict[str, str]]:
    """Every text string in the SVG, and the text under each element with an id (matplotlib gids)."""
    root = ET.parse(path).getroot()  # raises if the SVG is not well-formed
    texts = [element.text or "" for element in root.iter(SVG_TEXT)]
    by_id = {element.get("id"): " ".join(t.text or "" for t in element.iter(SVG_TEXT))
             for element in root.iter() if element.get("id")}
    return texts, by_id


def test_label_writes_parseable_svg_and_png(tmp_path):
    directory = tmp_path / "labels" / "nested"  # created on demand
    svg, png = render_label(MODEL, ROWS, "2025.1", directory)
    assert svg == directory / "meta-llama-meta-llama-3-1-8b-instruct.svg"
    assert png == directory / "meta-llama-meta-llama-3-1-8b-instruct.png"
    texts, by_id = svg_texts(svg)
    assert MODEL in texts
    assert any("2025.1" in text for text in texts)
    for index, expected in enumerate(ROWS):
        # The highlighted arrow carries the row's own grade, not just any letter of the A-E scale.
        assert by_id[f"absolute-grade-{index}"] == expected["absolute_grade"]
    assert "relative: C" in by_id["relative-grade-0"] and "chat, <20B, 11 models" in by_id["relative-grade-0"]
    assert "not graded" in by_id["relative-grade-2"]
    assert "energy 312 Wh (219–406 Wh)" in texts
    assert any(text.startswith("CO2e 800 t") for text in texts)
    data = png.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 20_000
    assert sorted(p.name for p in directory.iterdir()) == [png.name, svg.name]  # no temporary files left


def test_label_height_grows_with_rows(tmp_path):
    one = ET.parse(render_label("one", ROWS[:1], "v1", tmp_path)[0]).getroot()
    three = ET.parse(render_label("three", ROWS, "v1", tmp_path)[0]).getroot()
    assert float(three.get("height").removesuffix("pt")) > 2 * float(one.get("height").removesuffix("pt"))


def test_rerendering_replaces_the_label(tmp_path):
    render_label(MODEL, ROWS, "2025.1", tmp_path)
    svg, _ = render_label(MODEL, ROWS[:1], "2025.2", tmp_path)
    texts, by_id = svg_texts(svg)
    assert any("2025.2" in text for text in texts)
    assert "absolute-grade-1" not in by_id


def test_empty_rows_name_the_model(tmp_path):
    with pytest.raises(ValueError, match="Meta-Llama-3.1-8B-Instruct"):
        render_label(MODEL, [], "2025.1", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_grade_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="'F'"):
        render_label(MODEL, [{**ROWS[0], "absolute_grade": "F"}], "2025.1", tmp_path)


def test_slug():
    assert slug(MODEL) == "meta-llama-meta-llama-3-1-8b-instruct"
    assert slug("  Mistral 7B (v0.3)!! ") == "mistral-7b-v0-3"


@pytest.mark.parametrize(("value", "units", "expected"), [
    (0.0, ENERGY_UNITS, "0 Wh"),
    (0.00042, ENERGY_UNITS, "0.42 mWh"),
    (312.44, ENERGY_UNITS, "312 Wh"),
    (999.7, ENERGY_UNITS, "1 kWh"),
    (1234.0, ENERGY_UNITS, "1.23 kWh"),
    (2.1e9, ENERGY_UNITS, "2.1 GWh"),
    (150.0, MASS_UNITS, "150 g"),
    (8.0e8, MASS_UNITS, "800 t"),
    (float("nan"), MASS_UNITS, "n/a"),
])
def test_format_quantity(value, units, expected):
    assert format_quantity(value, units) == expected


def test_format_range_shares_a_unit_only_when_the_bounds_do():
    assert format_range(1200, 800, 1500, ENERGY_UNITS) == "1.2 kWh (800 Wh–1.5 kWh)"
    assert format_range(1200, 1100, 1500, ENERGY_UNITS) == "1.2 kWh (1.1–1.5 kWh)"
    assert format_range(1200, None, None, ENERGY_UNITS) == "1.2 kWh"


def test_ratings_plot_has_one_panel_per_task():
    points = [{"task": r["task"], "model": f"model-{i}", "energy_wh": r["energy_wh"] * (i + 1),
               "co2e_g": r["co2e_g"] * (i + 1), "absolute_grade": grade, "unit_of_work": r["unit_of_work"]}
              for r in ROWS for i, grade in enumerate("ACE")]
    points.append({**points[0], "task": "summarisation"})
    figure = ratings_plot(points)
    try:
        assert isinstance(figure, Figure)
        assert len(figure.axes) == 4  # a 3x2 grid with the unused cells removed
        titles = sorted(axis.get_title() for axis in figure.axes)
        assert titles[0] == "chat\nper 1,000 requests of 400 output tokens"
        assert all(axis.get_xscale() == "log" and axis.get_yscale() == "log" for axis in figure.axes)
        chat = next(axis for axis in figure.axes if axis.get_title().startswith("chat"))
        assert sorted(text.get_text() for text in chat.texts) == ["A", "C", "E"]
    finally:
        plt.close(figure)


def test_ratings_plot_rejects_empty_input():
    with pytest.raises(ValueError):
        ratings_plot([])


def test_grade_colours_cover_a_to_e():
    assert list(GRADE_COLOURS) == ["A", "B", "C", "D", "E"]
    assert all(colour.startswith("#") and len(colour) == 7 for colour in GRADE_COLOURS.values())
