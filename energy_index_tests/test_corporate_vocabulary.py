"""The reader's vocabulary: what labels, units, year headers and values say, as companies write them."""

from __future__ import annotations

import pytest

from energy_index.defs.corporate.document import stated_period
from energy_index.defs.corporate.labels import footnote_marks, read_label
from energy_index.defs.corporate.units import glossary, read_unit, unit_from_label
from energy_index.defs.corporate.values import parse_header_year, parse_value


@pytest.mark.parametrize("label, metric", [
    ("Total Scope 1", "scope1"),
    ("Scope 1 Emissions (Metric Tons CO2-e)", "scope1"),
    ("Emissions from direct operations (Scope 1)", "scope1"),
    ("Gross global Scope 1 emissions (metric tons CO2e)", "scope1"),
    ("Scope 2, market-based", "scope2_market"),
    ("Scope 2 GHG Emissions (Location-Based)", "scope2_location"),
    ("Emissions from Purchased Electricity (Scope 2)*", "scope2"),
    ("Indirect emissions from purchased electricity, steam, heating and cooling (Scope 2)", "scope2"),
    ("Scope 1 and 2, market-based", "scope1_2_market"),
    ("Electricity used (GWh)", "electricity"),
    ("Consumption of purchased or acquired electricity", "electricity"),
    ("Total energy consumption", "total_energy"),
    ("Scope 1 (direct) methane emissions", None),            # one gas
    ("Scope 1 (direct) carbon dioxide emissions", None),
    ("Scope 3 GHG Emissions - Business Travel", None),      # a part
    ("Scope 1 - Europe", None),                              # a region
    ("GHG intensity per MWh", None),                         # a ratio
    ("Sustainable GHG emissions reductions (Scope 1 and 2)", None),  # a change
    ("Percent of total GHG emissions (Scopes 1-3)", None),
    ("Renewable electricity (million kWh)", None),
    ("Electricity, heating, cooling, and steam", None),     # more than electricity
    ("Electricity sold to end customers (GWh)", None),
    ("Direct fossil CO2 emissions (Scope 1)", "scope1"),   # fossil: what Scope 1 counts, biogenic aside
    ("Scope 1 fossil fuel combustion", None),              # a source is still a part
    ("Total Scope 1 Emissions (Break-up of the GHG into CO2, CH4, N2O, HFCs, PFCs, SF6, NF3, if available)",
     "scope1"),                                              # a list of gases says what the total covers
    ("Scope 1 emissions (CH4)", None),                       # one gas in parentheses is still one gas
    ("n n Total GHG emissions \u2013 Scope 1 (mt CO2 eq)", "scope1"),  # icons set as letters
    ("Total volume of electricity Consumed (MWh) \u2013 purchased + self-generated", "electricity"),  # what it adds
    ("Scope 1 or 2)", None),                                  # the end of a wrapped label, not a label
    ("Scope 1 emissions per CDP C7.3c", "scope1"),            # a citation, not a ratio
    ("Scope 2 (location-based), as reported to CDP", "scope2_location"),
    ("Scope 1 emissions per employee", None),                 # a ratio
    ("Total energy (PJ)", "total_energy"),
    ("Renewable energy (PJ)", None),                          # a part of it
    ("Indirect energy consumption", None),                    # GRI's purchased energy: a part of the total
    ("Direct energy consumption", None),
    ("Direct GHG emissions (tCO2e)", "scope1"),              # GRI 305-1's name for Scope 1
    ("Energy-indirect GHG emissions (market-based)", "scope2_market"),  # GRI 305-2's
    ("Indirect emissions from purchased electricity", "scope2"),
    ("Indirect emissions", None),                             # may be Scope 3 ('other indirect')
    ("Other indirect GHG emissions", None),
    ("Direct emissions from manufacturing sites", None),      # a part, in GRI's words
    ("Scope 2 \u2013 Location", "scope2_location"),           # the basis's bare word, in a Scope 2 label
    ("Scope 2 (market)", "scope2_market"),
    ("Scope 2 \u2013 emerging markets", None),                 # a region, not a basis
    ("Group Scope 1 emissions", "scope1"),                    # the whole company's words
    ("Scope 1 emissions \u2013 consolidated", "scope1"),
    ("Electricity (purchased and self-generated)", "electricity"),  # the sources it adds up
    ("Electricity generated", None),
])
def test_labels(label, metric):
    assert read_label(label).metric == metric


@pytest.mark.parametrize("label, text, marks", [
    ("Scope 2 (indirect) emissions p q", "Scope 2 (indirect) emissions", ["p", "q"]),
    ("Scope 2 (market-based)4", "Scope 2 (market-based)", ["4"]),
    ("Electricity\u2020", "Electricity", ["\u2020"]),
    ("Scope 1", "Scope 1", []),
    ("Scope 1 and 2", "Scope 1 and 2", []),
    ("Energy consumption aa", "Energy consumption", ["aa"]),
    ("Scope 22", "Scope 2", ["2"]), ("Scope 13", "Scope 1", ["3"]),
])
def test_footnote_marks_come_off_labels(label, text, marks):
    assert footnote_marks(label) == (text, marks)


@pytest.mark.parametrize("text, factor, canonical", [
    ("MtCO2e", 1e6, "tCO2e"), ("MMT CO2e", 1e6, "tCO2e"), ("million metric tons", 1e6, "tCO2e"),
    ("mtCO2e", 1.0, "tCO2e"), ("MT CO2e", 1.0, "tCO2e"), ("mt CO2e", 1.0, "tCO2e"), ("metric tons CO2e", 1.0, "tCO2e"),
    ("ktCO2e", 1e3, "tCO2e"), ("thousand tonnes CO2e", 1e3, "tCO2e"), ("kg CO2e", 1e-3, "tCO2e"),
    ("MWh", 1.0, "MWh"), ("GWh", 1e3, "MWh"), ("million kWh", 1e3, "MWh"), ("Million kilowatt hours (mkWh)", 1e3, "MWh"),
    ("TWh", 1e6, "MWh"), ("kWh", 1e-3, "MWh"), ("TJ", 1e6 / 3600, "MWh"),
    ("tCO2eq", 1.0, "tCO2e"), ("t CO2-e", 1.0, "tCO2e"), ("t-CO2e", 1.0, "tCO2e"), ("kt-CO2e", 1e3, "tCO2e"),
    ("kt CO2 eq.", 1e3, "tCO2e"), ("kgCO2eq", 1e-3, "tCO2e"),
    # a scale in words or digits beside the unit, before or after it
    ("thousands of tonnes CO2e", 1e3, "tCO2e"), ("'000 tCO2e", 1e3, "tCO2e"), ("\u2019000 t", 1e3, "tCO2e"),
    ("1,000 metric tons of CO2e emissions", 1e3, "tCO2e"), ("metric tons (in millions)", 1e6, "tCO2e"),
    ("mn tonnes", 1e6, "tCO2e"), ("tC02e", 1.0, "tCO2e"), ("1,000 gigajoule", 1e6 / 3600, "MWh"), ("bn kWh", 1e6, "MWh"),
    ("short tons CO2e", 0.90718474, "tCO2e"), ("MMBtu", 0.293071, "MWh"), ("t- CO2", 1.0, "tCO2e"),
    ("megajoules (in millions)", 1e6 / 3600, "MWh"), ("MJ", 1 / 3600, "MWh"),
    # the finance style's lone k and m, and Mtonnes
    ("k tonnes", 1e3, "tCO2e"), ("m tCO2e", 1e6, "tCO2e"), ("tCO2e (m)", 1e6, "tCO2e"), ("Mtonnes CO2e", 1e6, "tCO2e"),
    # powers of ten and the CJK numerals data books print ('10^3 t-CO2', '千t-CO2'); oil equivalent
    ("10^3 t-CO2", 1e3, "tCO2e"), ("10\u00b3 tCO2e", 1e3, "tCO2e"), ("x10^6 t", 1e6, "tCO2e"),
    ("\u5343t-CO2", 1e3, "tCO2e"), ("\u4e07t-CO2", 1e4, "tCO2e"), ("\u767e\u4e07kWh", 1e3, "MWh"),
    ("toe", 11.63, "MWh"), ("ktoe", 11.63e3, "MWh"), ("Mtoe", 11.63e6, "MWh"), ("tonnes of oil equivalent", 11.63, "MWh"),
])
def test_units_and_their_case(text, factor, canonical):
    unit = read_unit(text, "test")
    assert unit.canonical == canonical and unit.factor == pytest.approx(factor)


def test_a_cell_that_is_only_a_unit_states_it_but_a_label_never_does():
    assert unit_from_label("tCO2e", "corner cell").factor == 1.0
    assert unit_from_label("kt CO2 eq.", "corner cell").factor == 1e3
    assert unit_from_label("TONNES OF CO2e", "heading").factor == 1.0
    assert unit_from_label("Moncler Group", "heading") is None
    assert unit_from_label("Scope 1 emissions", "label") is None
    assert unit_from_label("tCO2e per employee", "label") is None
    assert unit_from_label("Scope 2, market-based", "label") is None
    assert read_unit("m3", "label") is None and read_unit("tCO2e/$m", "label").dimension == "ratio"


@pytest.mark.parametrize("label, factor", [
    ("Total Energy Use (megajoules) (in millions) (the system)", 1e6 / 3600),
    ("Direct, from manufacturing sites (metric tons) (in millions)", 1e6),
    ("Scope 1 (in thousands) (tCO2e)", 1e3),
    ("Scope 1 (tCO2e) (2023)", 1.0),
    ("Scope 1, tCO2e (000s)", 1e3),                        # the unit after a comma, the scale in parentheses
    ("Scope 1 emissions, thousand metric tons", 1e3),
])
def test_a_scale_in_its_own_parenthesis_applies_to_the_labels_unit(label, factor):
    """Not a thousand or a million times too small: the scale beside the unit counts."""
    assert unit_from_label(label, "label").factor == pytest.approx(factor)


def test_a_document_definition_overrides_the_default_scale():
    defined = glossary("mmt = Million metric tons; CO2e = Carbon dioxide equivalent")
    assert read_unit("mmt CO2e", "heading", defined).source == "heading; mmt = Million metric tons"
    assert read_unit("tCO2e per $M revenue", "label").dimension == "ratio"


@pytest.mark.parametrize("text, year, period_type", [
    ("2019", 2019, "calendar"), ("FY24", 2024, "fiscal"), ("2019 (baseline)", 2019, "calendar"),
    ("2022\u00a7", 2022, "calendar"), ("FY23\u00b9", 2023, "fiscal"), ("FY2023/24", 2024, "fiscal"),
    ("2021/22", 2022, "fiscal"), ("2030 target", None, None), ("2019-2023", None, None), ("YoY %", None, None),
    ("Baseline 2019", 2019, "calendar"), ("Base year (FY2019)", 2019, "fiscal"), ("2024-25 (Current", 2025, "fiscal"), ("Financial Year 2023-24 (Previous Financial Year)", 2024, "fiscal"),
    # data books' and balance sheets' own ways of naming the year
    ("2023\u5e74\u5ea6", 2023, "fiscal"), ("2024\u5e743\u6708\u671f", 2024, "fiscal"), ("2023\u5e74", 2023, "calendar"),
    ("2023\u5e743\u6708\u672b", None, None), ("CY2023", 2023, "calendar"), ("31.12.2023", 2023, "calendar"),
    ("31 Dec 2023", 2023, "calendar"), ("Year ended 31 March 2024", 2024, "fiscal"),
    ("Year ended December 31, 2023", 2023, "calendar"), ("FY2023 (Apr 2023\u2013Mar 2024)", 2023, "fiscal"),
])
def test_year_headers(text, year, period_type):
    found = parse_header_year(text)
    assert (found.year, found.period_type) == (year, period_type) if year else found is None, found


@pytest.mark.parametrize("text, value", [
    ("118,100", 118_100), ("77,476*", 77_476), ("1.0", 1.0), ("(12)", -12), ("1 234 567", 1_234_567),
    ("-", None), ("\u2013", None), ("n/a", None), ("<1", None), ("<500", None), ("N/A", None),
    ("27,312 \u2713", 27_312), ("1,655\u2605", 1_655), ("1 112.4", 1_112.4),  # assurance marks, spaced thousands
    ("6,02,58,642", 60_258_642), ("1.234.567", 1_234_567), ("1.234", 1.234),  # Indian grouping, dots grouping
    ("12'345", 12_345), ("12\u2019345", 12_345), ("1\u202f234", 1_234),  # Swiss apostrophes, narrow spaces
])
def test_values(text, value):
    found = parse_value(text)
    assert (found.value if found else None) == value


@pytest.mark.parametrize("text, year, period_type", [
    ("FY21 (the reporting period)", 2021, "fiscal"),
    ("Reporting year January 1, 2022 December 31, 2022", 2022, "calendar"),
    ("for the period 1 January 2023 to 31 December 2023", 2023, "calendar"),
    ("the reporting period (July 1, 2021 through June 30, 2022)", 2022, "fiscal"),
    ("Year ended 30 June 2024", 2024, "fiscal"),
    ("for the financial year ending March 31, 2024", 2024, "fiscal"),
    ("for the year ended 31 December 2023", 2023, "calendar"),
    ("Reporting year\nStart date\nJanuary 1, 2022\nEnd date\nDecember 31, 2022", 2022, "calendar"),  # CDP C0.2
])
def test_the_reporting_period_a_document_states(text, year, period_type):
    period = stated_period(text)
    assert (period.year, period.period_type) == (year, period_type)


@pytest.mark.parametrize("text, expected", [
    ("In 2023, our gross Scope 1 emissions were 18,240 metric tons.", {("scope1", 2023): 18_240}),
    ("Scope 1 Total Fiscal Year 1,000 metric tons of CO2e emissions 387 393", {}),  # a scale, not a figure
    ("In 2023 we will purchase 39.1 GWh of electricity per year from a new wind farm.", {}),  # a future contract
    ("In 2023, verified Scope 2 emissions 0. The allowances (48,357 metric tons CO2e) were allocated.", {}),
])
def test_figures_in_sentences(text, expected):
    from pathlib import Path

    from energy_index.defs.corporate.document import Document
    from energy_index.defs.corporate.statements import read_statements

    found = read_statements(Document(Path("report.pdf"), pages=[text]))
    assert {(c.metric, c.fiscal_year): c.value for c in found if c.status != "rejected"} == expected


@pytest.mark.parametrize("text, basis", [
    ("Methodology. We report Scope 2 emissions using the market-based method. Scope 1 covers fuels.", "market"),
    ("Scope 2 is location-based. Our market-based Scope 2 figure is in the appendix.", None),  # both: undecided
    ("We buy renewable power under market-based instruments. Scope 2 covers electricity.", None),  # not about Scope 2
])
def test_a_document_declares_its_scope2_basis_once(text, basis):
    from energy_index.defs.corporate.resolve import declared_basis

    found = declared_basis(text)
    assert (found[0] if found else None) == basis


@pytest.mark.parametrize("lines, expected", [
    # a bilingual data book: header cells one per line, each label in two scripts around its figures
    (["Unit", "2016 \u5e74\u5ea6", "FY2016", "2017 \u5e74\u5ea6", "FY2017", "\u76f4\u63a5\u7684", "Direct energy",
      "consumption", "(Scope 1)", "\u706f\u6cb9", "Kerosene", "t- CO2 1,034 1,053", "\u5c0f\u8a08", "Subtotal",
      "t- CO2 16,026 16,028"], {("scope1", 2016): 16_026, ("scope1", 2017): 16_028}),
    # a KPI table: the unit cell wrapped over two lines, the period column, references after the figures
    (["September 30th Unit FY 2023 FY 2022 +/- Standards", "Greenhouse gas emissions", "Scope 1", "Total Fiscal Year",
      "1,000 metric tons", "of CO2e emissions 387 393 -1.6% GRI 305-1, WEF", "Scope 2", "Total (market based) Fiscal Year",
      "1,000 metric tons", "of CO2e emissions 163 189 -13.5% GRI 305-2, WEF"],
     {("scope1", 2023): 387_000, ("scope1", 2022): 393_000, ("scope2_market", 2023): 163_000,
      ("scope2_market", 2022): 189_000}),
    # the label's second line beside the figures, the unit between the period column and them
    (["Unit FY 2023 FY 2022 +/-", "Electricity", "(total) Fiscal Year 1,000 gigajoule 5,586 5,629 -0.8%"],
     {("electricity", 2023): 5_586_000 / 3.6, ("electricity", 2022): 5_629_000 / 3.6}),
    # electricity split by source (India's BRSR): each 'Total Electricity Consumption' is a part; MJ understood
    (["Particulars Unit FY 2025 FY 2024", "From Renewable Sources", "Total Electricity Consumption (A) MJ 3,600 7,200",
      "From non-renewable sources", "Total Electricity Consumption (D) MJ 36,000 72,000",
      "Total energy consumed (A+B+C+D+E+F) MJ 360,000 720,000"],
     {("total_energy", 2025): 100, ("total_energy", 2024): 200}),
])
def test_tables_in_the_text_layer(lines, expected):
    from pathlib import Path

    from energy_index.defs.corporate.document import Document
    from energy_index.defs.corporate.text_tables import read_text_tables

    found = read_text_tables(Document(Path("report.pdf"), pages=["\n".join(lines)]))
    assert {(c.metric, c.fiscal_year): c.value for c in found if c.status != "rejected"} == pytest.approx(expected)


@pytest.mark.parametrize("line, width, split", [
    ("Scope 2 138 157 158 756 160 222 104 716", 4, ("Scope 2", ["138,157", "158,756", "160,222", "104,716"])),
    ("Scope 1 100 200 300", 3, ("Scope 1", ["100", "200", "300"])),          # the label's scope digit stays
    ("Electricity 5 12 13", 2, None),      # space-grouped or not, it cannot be told: never shifted into a year
    ("of CO2e emissions 387 393 -1.6% GRI 305-1, WEF", 2, ("of CO2e emissions", ["387", "393"])),
])
def test_a_text_line_splits_into_one_figure_per_year_or_not_at_all(line, width, split):
    from energy_index.defs.corporate.text_tables import split_row

    assert split_row(line, width) == split


def test_a_questionnaire_energy_row_of_parts_and_total_gives_the_total():
    from pathlib import Path

    from energy_index.defs.corporate.document import Document, Period
    from energy_index.defs.corporate.text_readers import read_questionnaire, total_of_parts

    lines = ["(C8.2a) Report your organization's energy consumption totals (excluding feedstocks) in MWh.",
             "Consumption of purchased or acquired electricity", "2,483,463 58,971 2,542,434",
             "Consumption of purchased or acquired heat", "0 307,163 307,163"]
    document = Document(Path("cdp.pdf"), pages=["\n".join(lines)], reporting_period=Period(2022, "calendar", "C0.2"))
    found = [(c.metric, c.fiscal_year, c.value) for c in read_questionnaire(document) if c.status != "rejected"]
    assert found == [("electricity", 2022, 2_542_434)]
    assert total_of_parts("120 80 250") is None  # the last is not the sum of the others: not a total


def test_current_and_previous_financial_year_headers_take_the_stated_period():
    from energy_index.defs.corporate.document import Period
    from energy_index.defs.corporate.tables import header_blocks

    cells = [["Parameter", "Unit", "Current Financial Year", "Previous Financial Year"],
             ["Total Scope 1 emissions", "tCO2e", "26,047", "36,076"]]
    period = Period(2024, "fiscal", "for the financial year ending March 31, 2024")
    block = header_blocks(cells, 0, period)[0]
    assert [(y.year, y.period_type) for y in block.years.values()] == [(2024, "fiscal"), (2023, "fiscal")]
    assert header_blocks(cells, 0) == []  # no stated period: no year is guessed


def test_a_row_of_years_is_a_header_not_figures():
    """'Total energy use (PJ) | 2023 | 2022' heads the table; read as figures it gave 2,023 PJ."""
    from pathlib import Path

    from energy_index.defs.corporate.candidate import Place
    from energy_index.defs.corporate.context import Context
    from energy_index.defs.corporate.document import Document
    from energy_index.defs.corporate.values import parse_header_year

    state = Context(title="", headings=[], document=Document(Path("report.pdf"), pages=[""]), page=1)
    years = {1: parse_header_year("2023"), 2: parse_header_year("2022")}
    read = lambda label, texts: state.read_row(label, {c: (t, years[c]) for c, t in texts.items()}, "", {},  # noqa: E731
                                               Place(page=1, reader="table:stream"))
    assert read("Total energy use (PJ)", {1: "2023", 2: ""}) == []
    assert [c.value for c in read("Total energy (PJ)", {1: "406", 2: "2,022"})] == \
        pytest.approx([406e15 / 3.6e9, 2022e15 / 3.6e9])  # a figure that happens to look like a year stays


def test_the_only_row_under_a_heading_without_figures_is_what_the_heading_names():
    """'Scope 2' (no figures), then one row 'Real estate (grid electricity)': that row is Scope 2.
    Under 'Scope 1' with two component rows, neither is."""
    from pathlib import Path

    from energy_index.defs.corporate.document import Document
    from energy_index.defs.corporate.extract import ExtractedTable
    from energy_index.defs.corporate.tables import read_year_tables

    cells = [["Indicator", "2022", "2021"], ["Carbon emissions (tonnes CO2e)", "", ""],
             ["Scope 1", "", ""], ["Gas", "6 973", "7 171"], ["Company cars", "2 926", "2 816"],
             ["Scope 2", "", ""], ["Real estate (national grid electricity)", "138 157", "158 756"],
             ["Scope 3", "16 205", "17 481"]]
    found = read_year_tables(ExtractedTable(1, 0, "stream", cells, {}), Document(Path("report.pdf"), pages=[""]))
    values = {(c.metric, c.fiscal_year): c.value for c in found}
    assert values[("scope2", 2022)] == 138_157 and values[("scope2", 2021)] == 158_756
    assert ("scope1", 2022) not in values  # two components: each is a part


@pytest.mark.parametrize("renewable, total, read", [
    ("43,627", "43,639", {2023: 43_639, 2022: 38_920}),  # the parts add up: the row is electricity
    ("43,000", "43,639", {}),                             # they do not: it stays a part of energy
])
def test_an_energy_row_that_is_the_sum_of_the_electricity_rows_under_it_is_electricity(renewable, total, read):
    from pathlib import Path

    from energy_index.defs.corporate.document import Document
    from energy_index.defs.corporate.extract import ExtractedTable
    from energy_index.defs.corporate.tables import read_year_tables

    cells = [["MWh", "2023", "2022"], ["Direct energy consumption", "12,702", "9,586"],
             ["Indirect energy consumption", total, "38,920"],
             ["Electricity from non-renewable sources", "12", "4,584"],
             ["Electricity from renewable sources", renewable, "34,336"],
             ["Total energy consumption", "56,341", "48,506"]]
    found = read_year_tables(ExtractedTable(1, 0, "stream", cells, {}), Document(Path("report.pdf"), pages=[""]))
    assert {c.fiscal_year: c.value for c in found if c.metric == "electricity"} == read
    assert {c.fiscal_year: c.value for c in found if c.metric == "total_energy"} == {2023: 56_341, 2022: 48_506}


@pytest.mark.parametrize("label, part_of", [
    ("Scope 1 \u2013 Direct Manufacturing per CDP C7.3c", "scope1"),
    ("Scope 2 \u2013 Indirect Manufacturing, Location\u2011based method", "scope2_location"),  # U+2011 hyphen
    ("Fleet emissions (part of Scope 1 emissions)", None),  # says it is a part
    ("Scope 3 GHG Emissions - Business Travel", None),      # Scope 3 is reported by category
    ("Scope 1 emissions per employee", None),               # a ratio, not a part
])
def test_a_scope1_or_scope2_label_naming_an_activity_is_a_part_of_that_scope(label, part_of):
    assert read_label(label).metric is None and read_label(label).part_of == part_of


@pytest.mark.parametrize("rows, chosen", [
    ([], {"scope1": 292_106, "scope2_location": 844_848}),         # the document's only figures: the company's
    ([["Total Scope 1", "300,000", "310,000"]], {"scope1": 300_000, "scope2_location": 844_848}),  # a whole
    ([["Scope 1 \u2013 Fleet", "1,000", "1,100"]], {"scope2_location": 844_848}),  # two parts: neither
])
def test_a_part_of_scope1_or_2_stands_for_it_only_as_the_documents_sole_figure(rows, chosen):
    from pathlib import Path

    from energy_index.defs.corporate.document import Document
    from energy_index.defs.corporate.extract import ExtractedTable
    from energy_index.defs.corporate.resolve import resolve
    from energy_index.defs.corporate.tables import read_year_tables

    cells = [["Emissions (MT CO2e)", "2023", "2022"], ["Scope 1 \u2013 Direct Manufacturing", "292,106", "304,144"],
             ["Scope 2 \u2013 Indirect Manufacturing, Location\u2011based", "844,848", "890,400"], *rows]
    found = read_year_tables(ExtractedTable(1, 0, "stream", cells, {}), Document(Path("report.pdf"), pages=[""]))
    assert {c.metric: c.value for c in resolve(found) if c.status == "chosen" and c.fiscal_year == 2023} == chosen


@pytest.mark.parametrize("note, scale", [
    ("All figures in thousands unless otherwise stated", 1e3), ("Figures are shown in '000", 1e3),
    ("Values are expressed in millions of tonnes", 1e6),
    ("All amounts in USD millions", None), ("Amounts are in millions of dollars", None),  # money, not tonnes
    ("Data in regions where we operate", None), ("Figures in tonnes", None),
])
def test_a_pages_note_scales_the_units_that_state_no_scale_of_their_own(note, scale):
    from pathlib import Path

    from energy_index.defs.corporate.document import Document
    from energy_index.defs.corporate.extract import ExtractedTable
    from energy_index.defs.corporate.tables import read_year_tables
    from energy_index.defs.corporate.units import scale_note

    found = scale_note(note)
    assert (found[0] if found else None) == scale
    document = Document(Path("report.pdf"), pages=[note], scale_notes={1: found} if found else {})
    cells = [["", "2023", "2022"], ["Scope 1 (tCO2e)", "12.3", "11.0"], ["Scope 2, market-based (ktCO2e)", "4.5", "4.0"]]
    found = read_year_tables(ExtractedTable(1, 0, "stream", cells, {}), document)
    values = {c.metric: c.value for c in found if c.fiscal_year == 2023}
    assert values == pytest.approx({"scope1": 12.3 * (scale or 1), "scope2_market": 4_500})  # kt is its own scale


@pytest.mark.parametrize("label", ["Scope 1 \u2013 UK", "Scope 1 \u2013 Corporate", "Scope 1 \u2013 mobile combustion"])
def test_a_lone_part_that_is_not_where_a_company_operates_never_stands_for_it(label):
    """A place, a business line or a source is a part of the company's Scope 1, however alone."""
    from pathlib import Path

    from energy_index.defs.corporate.document import Document
    from energy_index.defs.corporate.extract import ExtractedTable
    from energy_index.defs.corporate.resolve import resolve
    from energy_index.defs.corporate.tables import read_year_tables

    cells = [["Emissions (tCO2e)", "2023", "2022"], [label, "12,000", "11,000"]]
    found = resolve(read_year_tables(ExtractedTable(1, 0, "stream", cells, {}), Document(Path("r.pdf"), pages=[""])))
    assert not [c for c in found if c.status == "chosen"]
    assert all("a part of Scope 1" in c.status_reason for c in found)


def test_a_decimal_comma_document_is_told_by_its_own_numbers_and_read_in_points():
    from energy_index.defs.corporate.values import decimal_comma, with_decimal_points

    assert decimal_comma("1.234,5 and 2,5 % and 3,4% and 12.345,6 and 1,5 %")
    assert not decimal_comma("1,234.5 and 2.5% and 3,456.7 and 12.3% and 1.5 %")
    assert not decimal_comma("2,5 % once")  # one sign is not a convention
    assert with_decimal_points("Scope 1 12.345 1.234.567,5 2,5 % on 31.12.2023") == \
        "Scope 1 12,345 1,234,567.5 2.5 % on 31.12.2023"
