"""Great Expectations suite for the country energy mixes CodeCarbon ships."""

from energy_index.defs.quality.expectations import E

# The most carbon-intensive grids (oil and coal islands) stay under about 1,100 gCO2e/kWh
MAX_GCO2E_PER_KWH = 1500


def country_energy_mix(columns: list[str]) -> list:
    """One row per ISO 3166-1 alpha-3 code, an intensity in range, generation that adds up."""
    return [
        *(E.ExpectColumnToExist(column=c) for c in ("iso_code", "country", "year", "gco2e_per_kwh", "total_twh",
                                                    "fossil_twh", "low_carbon_twh", "source")),
        E.ExpectColumnValuesToNotBeNull(column="iso_code"),
        E.ExpectColumnValuesToBeUnique(column="iso_code"),
        E.ExpectColumnValuesToMatchRegex(column="iso_code", regex=r"^[A-Z]{3}$"),
        E.ExpectColumnValuesToNotBeNull(column="gco2e_per_kwh"),
        E.ExpectColumnValuesToBeBetween(column="gco2e_per_kwh", min_value=0, max_value=MAX_GCO2E_PER_KWH),
        E.ExpectColumnValuesToBeBetween(column="year", min_value=1990, max_value=2100),
        E.ExpectColumnValuesToBeBetween(column="fossil_share", min_value=0, max_value=1.0001),
        E.ExpectColumnValuesToBeBetween(column="low_carbon_share", min_value=0, max_value=1.0001),
        E.ExpectColumnValuesToNotBeNull(column="source"),
        E.ExpectTableRowCountToBeBetween(min_value=50, max_value=400),
    ]
