"""The report parser on generated PDFs and, where the mirror is, the real Microsoft Data Fact Sheet."""

from __future__ import annotations

from pathlib import Path

import pytest

from energy_index.defs.corporate.extract import ReportError
from energy_index.defs.corporate.registry import REPORTS
from energy_index.defs.corporate.report import parse_report
from energy_index.defs.quality.corporate_suites import consistency_frame, primary_values
from energy_index_tests.fixtures import corporate
from energy_index_tests.fixtures.mirror import find_mirror, require_mirror_in_ci

MIRROR = find_mirror()
require_mirror_in_ci(MIRROR)


def parsed(tmp_path: Path, pdf: bytes, name: str = "report.pdf"):
    path = tmp_path / name
    path.write_bytes(pdf)
    return parse_report(path)


def values(report, region: bool = False) -> dict[tuple, float]:
    """(metric, year[, region]) -> primary value, as the marts would choose it."""
    frame = primary_values(report.metrics_frame("r", "Company"))
    return {(m, y, r) if region else (m, y): v for m, y, r, v in
            frame.select("metric", "fiscal_year", "region", "value").rows() if region or r is None}


def test_google_layout_with_calendar_years_and_dashes(tmp_path):
    found = values(parsed(tmp_path, corporate.google_report()))
    assert found[("scope1", 2023)] == 79_400
    assert found[("scope2_market", 2023)] == 3_423_400
    assert found[("scope2_location", 2023)] == 9_252_900
    assert found[("pue", 2023)] == 1.10
    assert not any(year < 2023 for _, year in found), "dashes are not values"


def test_side_by_side_tables_footnoted_labels_and_sections(tmp_path):
    report = parsed(tmp_path, corporate.fact_sheet())
    found = values(report, region=True)
    assert found[("scope2_location", 2023, None)] == 8_077_403  # 'Location-based' under 'Scope 2'
    assert found[("scope3_total", 2021, None)] == 13_839_000    # 'Subtotal emissions4' under 'Scope 31'
    assert found[("scope1", 2022, "Asia")] == 13_532            # Table 3, left of Table 4
    assert found[("scope3_total_intensity", 2023, None)] == 78.4  # 'Scope 3 (market-based)1', Table 4
    assert found[("scope1_2_intensity", 2020, None)] == 4.0      # 'Scope 1 + 21'
    assert found[("electricity", 2020, None)] == 10_770_714
    gaps = consistency_frame(report.metrics_frame("r", "Company"))["relative_gap"].to_list()
    assert len(gaps) == 8 and max(gaps) == 0


@pytest.mark.parametrize("order", [[3, 1, 2, 0], [2, 3, 1], [1, 2, 3]])
def test_pages_reordered_or_removed_give_the_same_metrics(tmp_path, order):
    original = values(parsed(tmp_path, corporate.fact_sheet(), "original.pdf"), region=True)
    changed = values(parsed(tmp_path, corporate.reorder_pages(corporate.fact_sheet(), order), "changed.pdf"),
                     region=True)
    assert changed == original


def test_a_pdf_without_tables_gives_no_metrics(tmp_path):
    report = parsed(tmp_path, corporate.no_tables())
    assert report.pages == 1 and report.metrics == []


@pytest.mark.parametrize("content, problem", [
    (b"<html><body>Access denied</body></html>", "not a PDF"),
    (corporate.encrypted(), "encrypted: the PDF needs a password"),
    (corporate.fact_sheet()[:1500], "truncated or damaged"),
])
def test_unreadable_files_are_clear_errors(tmp_path, content, problem):
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    with pytest.raises(ReportError, match=problem) as error:
        parse_report(path)
    assert str(path) in str(error.value)


@pytest.fixture(scope="module")
def real_fact_sheet() -> Path:
    if MIRROR is None or "://" in MIRROR:
        pytest.skip("the real Data Fact Sheet needs a directory mirror")
    return Path(MIRROR) / REPORTS["microsoft_2024_data_fact_sheet"].url.split("://", 1)[1]


# Every Table 1A and Table 6 figure the brief lists (mtCO2e and MWh, FY20..FY23).
BRIEF = {
    "scope1": [118_100, 123_704, 139_413, 144_960],
    "scope2_location": [4_328_916, 5_010_667, 6_381_250, 8_077_403],
    "scope2_market": [456_119, 429_405, 288_029, 393_134],
    "electricity": [10_770_714, 13_621_517, 18_153_454, 23_567_502],
}


def test_real_fact_sheet_figures_are_recognised_exactly(real_fact_sheet):
    report = parse_report(real_fact_sheet)
    frame = primary_values(report.metrics_frame("r", "Microsoft"))
    for metric, figures in BRIEF.items():
        rows = frame.filter((frame["metric"] == metric) & frame["region"].is_null()).sort("fiscal_year")
        assert rows["fiscal_year"].to_list() == [2020, 2021, 2022, 2023]
        assert rows["value"].to_list() == figures
        expected_table = "Table 6" if metric == "electricity" else "Table 1A"
        assert all(title.startswith(expected_table) for title in rows["table_title"].to_list())
    regional = frame.filter((frame["metric"] == "scope2_market") & frame["region"].is_not_null()
                            & (frame["fiscal_year"] == 2023))
    assert sorted(regional["value"].to_list()) == [202, 811, 22_775, 369_346]  # Table 3, beside Table 4
    assert max(consistency_frame(report.metrics_frame("r", "Microsoft"))["relative_gap"].to_list()) < 0.005


def test_real_fact_sheet_reordered_gives_the_same_metrics(real_fact_sheet, tmp_path):
    original = values(parse_report(real_fact_sheet), region=True)
    shuffled = corporate.reorder_pages(real_fact_sheet.read_bytes(), [5, 2, 4, 3, 0, 1])
    assert values(parsed(tmp_path, shuffled), region=True) == original
