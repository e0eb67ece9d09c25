"""The report reader on generated PDFs, one per layout trap real reports set, and on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from energy_index.cli import main
from energy_index.defs.corporate.extract import ReportError
from energy_index.defs.corporate.report import parse_report
from energy_index_tests.fixtures import report_layouts as layouts


def read(tmp_path: Path, pdf: bytes, name: str = "report.pdf"):
    path = tmp_path / name
    path.write_bytes(pdf)
    return parse_report(path)


def chosen(report) -> dict[tuple, tuple]:
    """(metric, year) -> (value, period type) of the company-wide values chosen."""
    return {(c.metric, c.fiscal_year): (c.value, c.period_type) for c in report.metrics if c.region is None}


def values(report) -> dict[tuple, float]:
    return {key: value for key, (value, _) in chosen(report).items()}


def test_unit_column_side_by_side_boundaries_and_footnote_basis(tmp_path):
    found = values(read(tmp_path, layouts.unit_column_report("MtCO2e")))
    assert found[("scope1", 2019)] == 49_200_000 and found[("scope1", 2023)] == 31_100_000  # operational control
    assert found[("scope2_market", 2023)] == 1_000_000   # basis from footnote p, beside an equity-share table
    assert not any(metric == "scope2" for metric, _ in found), "the footnote states the basis"
    assert ("scope2_location", 2023) not in found


def test_megatonnes_and_metric_tons_differ_by_case_and_mt_alone_is_not_a_scale(tmp_path):
    mega = values(read(tmp_path, layouts.unit_column_report("MtCO2e"), "mega.pdf"))
    assert mega[("scope1", 2023)] == 31_100_000
    # lowercase 'mt' is printed for metric tons and for megatonnes: with no physics to test it and no
    # words in the document to settle it, the values are rejected rather than guessed ...
    unsettled = read(tmp_path, layouts.unit_column_report("mtCO2e"), "tons.pdf")
    assert ("scope1", 2023) not in values(unsettled)
    assert any("both metric tons and megatonnes" in c.status_reason for c in unsettled.candidates)
    # ... and a document that says what it means is read that way.
    spelled = values(read(tmp_path, layouts.unit_column_report("mtCO2e", "All figures in metric tons."), "said.pdf"))
    assert spelled[("scope1", 2023)] == 31.1


def test_spacer_column_newest_first_fiscal_years_and_reference_column(tmp_path):
    found = chosen(read(tmp_path, layouts.spacer_and_reference_columns()))
    assert found[("scope1", 2024)] == (14_390, "fiscal") and found[("scope1", 2022)] == (4_612, "fiscal")
    assert found[("scope2_location", 2023)] == (142_909, "fiscal")
    assert found[("scope2_market", 2022)] == (78_210, "fiscal")


def test_a_document_that_writes_decimal_commas_is_read_in_its_own_convention(tmp_path):
    report = read(tmp_path, layouts.decimal_comma_report())
    found = values(report)
    assert found[("scope1", 2023)] == 12_345 and found[("scope2_market", 2022)] == pytest.approx(2_345.6)
    assert found[("electricity", 2023)] == 45_678 and "decimal comma" in report.detail


def test_a_raised_footnote_digit_is_not_part_of_the_figure(tmp_path):
    report = read(tmp_path, layouts.raised_footnote_marks())
    found = values(report)
    assert found[("scope2_market", 2023)] == 3 and found[("scope2_market", 2022)] == 1_948
    chosen_one = next(c for c in report.metrics if c.metric == "scope2_market" and c.fiscal_year == 2023)
    assert chosen_one.raw_value == "38" and any("raised footnote mark" in n for n in chosen_one.notes)


def test_baseline_and_marked_years_values_with_marks_and_regions(tmp_path):
    found = values(read(tmp_path, layouts.baseline_and_marked_years()))
    assert found[("scope1", 2019)] == 77_476 and found[("scope1", 2022)] == 68_900  # not the Europe row
    assert found[("scope2_location", 2023)] == 231_750
    assert ("scope2_location", 2022) not in found and ("scope2_market", 2022) not in found  # 'n/a', '<1'


def test_heading_states_the_basis_and_electricity_emissions_are_not_electricity(tmp_path):
    found = values(read(tmp_path, layouts.heading_basis_and_emissions_from_electricity()))
    assert found[("scope2_market", 2022)] == 273 and ("scope2", 2022) not in found
    assert found[("electricity", 2022)] == 9_420_000   # million kWh, not the tCO2e 'Electricity' row
    assert found[("scope1", 2020)] == 29_000


def test_no_basis_anywhere_stays_scope2_and_the_glossary_scales(tmp_path):
    found = values(read(tmp_path, layouts.no_basis_anywhere()))
    assert found[("scope2", 2021)] == 4_070_000 and found[("scope1", 2019)] == 5_760_000
    assert not any(metric.startswith("scope2_") for metric, _ in found), "a basis is never guessed"


def test_questionnaire_answers_with_reporting_and_base_years(tmp_path):
    found = chosen(read(tmp_path, layouts.questionnaire()))
    assert found[("scope1", 2022)] == (95_512, "fiscal")          # not 2023, the questionnaire's year
    assert found[("scope2_location", 2022)] == (2_318_777, "fiscal")
    assert found[("scope2_market", 2022)] == (101_003, "fiscal")
    assert found[("scope1", 2015)] == (88_150, "fiscal")          # base year July 2014 - June 2015


def test_parameter_table_takes_its_year_from_the_sentence_above(tmp_path):
    found = chosen(read(tmp_path, layouts.parameter_table()))
    assert found[("electricity", 2022)] == (3_199_000, "fiscal")  # million kWh x 1000
    assert found[("scope2_location", 2022)] == (1_065_405, "fiscal")
    assert found[("scope2_market", 2022)] == (3_018, "fiscal")


def test_figures_in_lines_of_text_need_a_year_and_a_unit_beside_them(tmp_path):
    found = values(read(tmp_path, layouts.figures_in_text()))
    assert found[("scope1", 2023)] == 12_408 and found[("scope2_market", 2023)] == 3_977


def test_a_year_ending_in_september_makes_bare_years_fiscal(tmp_path):
    found = chosen(read(tmp_path, layouts.year_ended_report()))
    assert found[("scope1", 2024)] == (8_412, "fiscal") and found[("scope1", 2023)] == (9_035, "fiscal")
    assert found[("scope2_location", 2024)] == (21_766, "fiscal")  # 't CO2eq' is tonnes
    assert found[("electricity", 2024)] == (41.25, "fiscal") and found[("electricity", 2023)] == (44.87, "fiscal")
    assert found[("scope2_market", 2024)] == (61.5, "fiscal")  # unit from the corner cell, and the Total row


def test_total_rows_that_name_their_year(tmp_path):
    report = read(tmp_path, layouts.year_ended_report())
    totals = {(c.metric, c.fiscal_year): c.value for c in report.candidates
              if c.place.reader.startswith("columns") and c.status != "rejected"}
    assert totals == {("scope1", 2024): 8_412, ("scope1", 2023): 9_035,
                      ("scope2_market", 2024): 61.5, ("scope2_market", 2023): 77.2}


def test_every_value_carries_its_evidence(tmp_path):
    report = read(tmp_path, layouts.unit_column_report())
    value = next(c for c in report.metrics if (c.metric, c.fiscal_year) == ("scope2_market", 2023))
    assert value.place.page == 1 and value.raw_value == "1.0" and value.raw_unit == "MtCO2e"
    assert value.unit_source == "unit column" and value.basis_source.startswith("footnote p")
    assert value.boundary == "operational control" and 0 < value.confidence <= 1
    lost = [c for c in report.candidates if c.status == "lost" and c.key == value.key]
    assert lost and all("conflicts with the chosen" in c.status_reason for c in lost), "losers are kept, with why"


def test_no_ghg_table_is_a_status_not_an_error(tmp_path):
    report = read(tmp_path, layouts.no_ghg_table())
    assert report.status == "no_figures" and "no GHG figures found" in report.detail and report.metrics == []


def test_a_scan_is_read_by_ocr_with_that_in_its_evidence_and_a_blank_scan_is_a_status(tmp_path):
    report = read(tmp_path, layouts.scanned())
    chosen = {(c.metric, c.fiscal_year): c for c in report.metrics}
    assert chosen[("scope1", 2023)].value == 14_390 and chosen[("scope2_market", 2022)].value == 10_460
    ocr = chosen[("scope1", 2023)]
    assert ocr.place.reader.endswith(":ocr") and "read by OCR" in " ".join(ocr.notes) and ocr.confidence < 0.75
    assert "OCR read page(s) 1" in report.detail
    blank = read(tmp_path, layouts.scanned(rows=[]), "blank.pdf")
    assert blank.status == "no_text_layer" and "no text layer" in blank.detail and blank.candidates == []


def test_a_password_protected_report_is_a_clear_error(tmp_path):
    path = tmp_path / "locked.pdf"
    path.write_bytes(layouts.build([lambda pdf: layouts.lines_at(pdf, ["Scope 1 12"])], password="secret"))
    with pytest.raises(ReportError, match="needs a password") as error:
        parse_report(path)
    assert str(path) in str(error.value)


def test_a_long_report_reads_tables_only_on_the_pages_that_have_them(tmp_path):
    report = read(tmp_path, layouts.long_report(250))
    assert report.pages == 250 and report.pages_read == [126]
    assert values(report)[("scope2_location", 2023)] == 6_950


def test_cli_explain_and_statuses(tmp_path, capsys):
    path = tmp_path / "report.pdf"
    path.write_bytes(layouts.unit_column_report())
    assert main(["parse-report", str(path), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "scope2_market 2023: 1,000,000 tCO2e" in out and "equity share" in out and "lost" in out
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(layouts.scanned(rows=[]))
    assert main(["parse-report", str(scan), "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert captured.out.strip() == "[]" and "no text layer" in captured.err
    empty = tmp_path / "people.pdf"
    empty.write_bytes(layouts.no_ghg_table())
    assert main(["parse-report", str(empty)]) == 0 and "no GHG figures found" in capsys.readouterr().err
    for bad, problem in ((tmp_path, "is a directory"), (tmp_path / "missing.pdf", "does not exist")):
        assert main(["parse-report", str(bad)]) == 2
        error = capsys.readouterr().err.strip()
        assert error.count("\n") == 0 and str(bad) in error and problem in error  # one line, no traceback
