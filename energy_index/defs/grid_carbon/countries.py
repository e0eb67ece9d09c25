"""Country grids from CodeCarbon's own data: the energy mix and carbon intensity of every country
it knows (Our World in Data, from Ember and the Energy Institute), loaded as a raw source."""

import hashlib
import json
from importlib import metadata

import dagster as dg
import duckdb
import polars as pl
import pycountry
from dagster_duckdb import DuckDBResource

from energy_index.defs.footprint.tracker import COUNTRY_DATA_FILE as DATA_FILE
from energy_index.defs.footprint.tracker import bundled_country_file
from energy_index.defs.quality import country_suites
from energy_index.defs.quality.audit import load_audited, suite_check_spec
from energy_index.defs.sources.upstream import file_version, observation, upstream_source
from energy_index.metadata_tables import preview_table

COUNTRY_MIX_KEY = dg.AssetKey(["raw", "codecarbon_country_energy_mix"])
SOURCE = "codecarbon_country_energy_mix"
UPSTREAM_KEY = dg.AssetKey(["upstream", "codecarbon_country_energy_mix"])


def country_frame(raw: bytes, version: str) -> pl.DataFrame:
    """One row per country: intensity in gCO2e/kWh, generation by kind (TWh) and shares of the total."""
    entries = json.loads(raw)
    frame = pl.DataFrame([{
        "iso_code": code, "iso_alpha_2": _alpha_2(code), "country": entry.get("country_name"),
        "year": entry.get("year"),
        "gco2e_per_kwh": entry.get("carbon_intensity"), "total_twh": entry.get("total_TWh"),
        "fossil_twh": entry.get("fossil_TWh"), "low_carbon_twh": entry.get("low_carbon_TWh"),
        "renewables_twh": entry.get("renewables_TWh"), "nuclear_twh": entry.get("nuclear_TWh"),
        "coal_twh": entry.get("coal_TWh"), "gas_twh": entry.get("gas_TWh")} for code, entry in entries.items()],
        infer_schema_length=None)
    share = lambda column: pl.when(pl.col("total_twh") > 0).then(pl.col(column) / pl.col("total_twh"))
    return frame.with_columns(
        share("fossil_twh").alias("fossil_share"), share("low_carbon_twh").alias("low_carbon_share"),
        pl.lit(f"Our World in Data energy mix (Ember, Energy Institute) as bundled in CodeCarbon {version} "
               f"({DATA_FILE})").alias("source"),
        pl.lit(version).alias("codecarbon_version"), pl.lit(hashlib.sha256(raw).hexdigest()).alias("data_sha256"))


def _alpha_2(alpha_3: str) -> str | None:
    """The two-letter code other sources use (the Economic Index's raw files), from the ISO 3166
    table CodeCarbon itself depends on (pycountry); None for a code ISO does not list."""
    country = pycountry.countries.get(alpha_3=alpha_3)
    return country.alpha_2 if country else None


@upstream_source(UPSTREAM_KEY)
def upstream_codecarbon_country_energy_mix() -> dg.ObserveResult:
    """The country data file of the installed CodeCarbon release (its sha256)."""
    return observation({f"codecarbon {metadata.version('codecarbon')}: {DATA_FILE}": file_version(
        bundled_country_file())})


@dg.asset(key=COUNTRY_MIX_KEY, deps=[UPSTREAM_KEY], kinds={"duckdb"}, pool="warehouse",
          check_specs=[suite_check_spec(COUNTRY_MIX_KEY)])
def codecarbon_country_energy_mix(duckdb: DuckDBResource):
    """The carbon intensity (gCO2e/kWh) and energy mix of every country CodeCarbon knows, read
    from the data file inside the installed CodeCarbon package (no network), with the package
    version and the file's sha256 as its data version. Validated by a blocking Great
    Expectations suite (unique ISO codes, intensities 0-1,500 g/kWh, shares 0-1) before it
    replaces the previous table."""
    file = bundled_country_file()
    raw, version = file.read_bytes(), metadata.version("codecarbon")
    frame = country_frame(raw, version)
    with duckdb.get_connection() as conn:
        check = yield from load_audited(conn, source=SOURCE, origin=f"codecarbon {version}: {DATA_FILE}",
                                table="raw.codecarbon_country_energy_mix", key=COUNTRY_MIX_KEY,
                                load=lambda staged: _stage(conn, staged, frame),
                                expectations=country_suites.country_energy_mix, id_column="iso_code")
        preview = preview_table(conn, """select iso_code, country, year, gco2e_per_kwh, fossil_share,
            low_carbon_share from raw.codecarbon_country_energy_mix order by gco2e_per_kwh""", limit=15)
    yield dg.MaterializeResult(check_results=[check], data_version=dg.DataVersion(frame["data_sha256"][0][:16]), metadata={
        "dagster/row_count": frame.height, "codecarbon_version": version,
        "data_sha256": frame["data_sha256"][0], "lowest_intensity": preview})


def _stage(conn: duckdb.DuckDBPyConnection, staged: str, frame: pl.DataFrame) -> None:
    conn.register("_countries", frame.to_arrow())
    try:
        conn.execute(f"create table {staged} as select * from _countries")
    finally:
        conn.unregister("_countries")
