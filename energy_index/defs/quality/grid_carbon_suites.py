"""Great Expectations suite for the Google Cloud region carbon table (upstream column names)."""

import great_expectations as gx

E = gx.expectations

REGION = "Google Cloud Region"
CFE = "Google CFE"
INTENSITY_COLUMNS = ("Grid carbon intensity (gCO2eq / kWh)", "Lifecycle grid carbon intensity (gCO2eq / kWh)")
# Above any real grid (coal-heavy grids are ~1,000 gCO2e/kWh): catches unit slips. Zero is
# real: northamerica-northeast1 (Quebec hydro) is published as 0.0 for 2021 and 2022.
MAX_PLAUSIBLE_G_PER_KWH = 2000


def region_carbon(columns: list[str]) -> list:
    present = [c for c in INTENSITY_COLUMNS if c in columns]
    expectations = [
        *(E.ExpectColumnToExist(column=c) for c in (REGION, "Location", CFE, "year")),
        *(E.ExpectColumnValuesToNotBeNull(column=c) for c in (REGION, "year")),
        E.ExpectCompoundColumnsToBeUnique(column_list=[REGION, "year"]),
        E.ExpectColumnValuesToBeBetween(column="year", min_value=2019, max_value=2100),
        E.ExpectColumnValuesToBeBetween(column=CFE, min_value=0, max_value=1),
        E.ExpectTableRowCountToBeBetween(min_value=1, max_value=100_000),
    ]
    if not present:
        expectations.append(E.ExpectColumnToExist(column=INTENSITY_COLUMNS[0]))
    expectations += [E.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=MAX_PLAUSIBLE_G_PER_KWH)
                     for c in present]
    return expectations
