"""Great Expectations suite for raw.google_region_carbon (upstream column names).

The table unions yearly files whose intensity header changed in 2021, so the suite checks
whichever intensity headers are present, and the audit frame adds `intensity_values` (how
many of them a row fills; exactly one is right) and `row_id` (`<year>.csv:<region>`), which
names the file and region of any rejected row in the failure message.
"""

import polars as pl

from energy_index.defs.quality.expectations import E

REGION, LOCATION, CFE = "Google Cloud Region", "Location", "Google CFE"
# Header -> the basis of its figure; a header not listed here is rejected, never guessed at.
INTENSITY_HEADERS = {
    "Lifecycle grid carbon intensity (gCO2eq / kWh)": "lifecycle",
    "Grid carbon intensity (gCO2eq / kWh)": "grid",
}
ADDED = ["year", "source_url"]
AUDIT_COLUMNS = ["intensity_values", "row_id"]
REGION_PATTERN = r"^[a-z]+-[a-z]+\d+$"  # asia-east1, northamerica-northeast2, europe-west12
# Zero is a real value (Montréal, 2021-2022, rounds to 0 g/kWh); the dirtiest grids are ~1,000.
MAX_GCO2E_PER_KWH = 2000
YEAR_RANGE = (2019, 2100)
ROWS_RANGE = (1, 50_000)  # 24-44 regions a year today


def audit_frame(frame: pl.DataFrame) -> pl.DataFrame:
    present = [c for c in INTENSITY_HEADERS if c in frame.columns]
    filled = pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int32) for c in present]) if present else pl.lit(0)
    row_id = pl.format("{}.csv:{}", pl.col("year"), pl.col(REGION).fill_null("<no region>")) \
        if {"year", REGION} <= set(frame.columns) else pl.lit("?")
    return frame.with_columns(filled.alias("intensity_values"), row_id.alias("row_id"))


def region_carbon(columns: list[str], years: list[int] | None = None) -> list:
    """The suite for raw.google_region_carbon; `years`, when given, must each have rows."""
    required = [REGION, LOCATION, *ADDED]
    known = [REGION, LOCATION, CFE, *INTENSITY_HEADERS, *ADDED]
    expectations = [E.ExpectColumnToExist(column=c) for c in [*required, CFE]]
    expectations += [E.ExpectColumnValuesToNotBeNull(column=c) for c in required]
    expectations += [
        # Only known columns, so a renamed header fails here instead of loading as an unknown column.
        E.ExpectTableColumnsToMatchSet(column_set=[c for c in columns if c in known] + AUDIT_COLUMNS,
                                       exact_match=True),
        E.ExpectTableRowCountToBeBetween(min_value=ROWS_RANGE[0], max_value=ROWS_RANGE[1]),
        E.ExpectColumnValuesToMatchRegex(column=REGION, regex=REGION_PATTERN),
        E.ExpectCompoundColumnsToBeUnique(column_list=[REGION, "year"]),
        E.ExpectColumnValuesToBeOfType(column="year", type_="int"),
        E.ExpectColumnValuesToBeBetween(column="year", min_value=YEAR_RANGE[0], max_value=YEAR_RANGE[1]),
        E.ExpectColumnValuesToBeBetween(column="intensity_values", min_value=1, max_value=1),
    ]
    if years:
        expectations.append(E.ExpectColumnDistinctValuesToEqualSet(column="year", value_set=list(years)))
    if CFE in columns:  # nulls are allowed: upstream leaves CFE empty for some regions in 2019-2020
        expectations += [E.ExpectColumnValuesToBeOfType(column=CFE, type_="float"),
                         E.ExpectColumnValuesToBeBetween(column=CFE, min_value=0, max_value=1)]
    for column in (c for c in INTENSITY_HEADERS if c in columns):
        expectations += [
            E.ExpectColumnValuesToBeOfType(column=column, type_="float"),
            E.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=MAX_GCO2E_PER_KWH,
                                            strict_max=True),
        ]
    return expectations
