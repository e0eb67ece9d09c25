"""Column schemas of the tables Python assets write, read from their dbt source YAML.

dbt models get `dagster/column_schema` when they are built (transform/metadata.py). The tables
Python assets write (raw.*, their marts, ml.*, quality.*) are declared as dbt sources instead,
every column with its DuckDB type and what it means (dbt_project/models/staging/*/_*__sources.yml,
models/analyst/_analyst__sources.yml, models/python_tables/): one place that dbt docs, the docs
reference and the Dagster UI all read. A source's `meta.dagster.asset_key` names the asset that
writes the table, the key dagster-dbt gives the source when a model reads it; the logs that many
assets append to (raw.source_fetches, quality.validation_results) name none.

`python_tables()` lists every such table; `python_table_schemas()` gives each asset the schema of
its own table; `with_python_table_schemas()` attaches those to the code location's specs.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg

from energy_index.defs.transform.assets import dbt_project

COLUMN_SCHEMA = "dagster/column_schema"
DBT_BUILT = ("model", "seed", "snapshot")
DBT_METADATA = "dagster_dbt/"  # the namespace dagster-dbt gives the metadata of every spec it makes


@dataclass(frozen=True)
class PythonTable:
    """One table a Python asset writes, as its source YAML declares it."""

    schema: str
    name: str
    description: str
    asset_key: dg.AssetKey | None  # the asset that writes it; None for a log many assets append to
    columns: dg.TableSchema  # every column: name, DuckDB type, description

    @property
    def relation(self) -> str:
        """`schema.name`, as SQL names the table."""
        return f"{self.schema}.{self.name}"

    @property
    def named_after_asset(self) -> bool:
        """True when the asset writing it is keyed like it (`raw/mlenergy_runs` writes raw.mlenergy_runs)."""
        return self.asset_key is not None and list(self.asset_key.path) == [self.schema, self.name]


def load_manifest() -> Mapping[str, Any]:
    """The dbt manifest the code location parsed (importing transform/assets.py keeps it current)."""
    return json.loads(dbt_project.manifest_path.read_text())


def python_tables(manifest: Mapping[str, Any] | None = None) -> list[PythonTable]:
    """Every table declared as a source of this project that no dbt model, seed or snapshot
    builds, in schema and name order."""
    manifest = load_manifest() if manifest is None else manifest
    built = {(node["schema"], node["alias"]) for node in manifest["nodes"].values()
             if node["resource_type"] in DBT_BUILT}
    tables = [_table(source) for source in manifest["sources"].values()
              if source["package_name"] == dbt_project.name and
              (source["schema"], source["identifier"]) not in built]
    return sorted(tables, key=lambda t: (t.schema, t.name))


def _table(source: Mapping[str, Any]) -> PythonTable:
    """A source's table with its columns, types in DuckDB's own spelling (upper case, as
    duckdb_columns() gives them and as the dbt models' run-time schemas show them)."""
    key = (source.get("meta") or {}).get("dagster", {}).get("asset_key")
    columns = [dg.TableColumn(name=name, type=(column.get("data_type") or "?").upper(),
                              description=column.get("description") or None)
               for name, column in source["columns"].items()]
    return PythonTable(schema=source["schema"], name=source["identifier"], description=source.get("description") or "",
                       asset_key=dg.AssetKey(key) if key else None, columns=dg.TableSchema(columns=columns))


def asset_tables(tables: list[PythonTable]) -> dict[dg.AssetKey, PythonTable]:
    """{asset: the table whose schema it shows}: the table keyed like the asset, else the only table
    naming it. An asset that writes several tables, none keyed like it (ml/energy_model_evaluation:
    regression metrics, predictions, fits), shows none rather than one picked at random."""
    by_asset: dict[dg.AssetKey, list[PythonTable]] = {}
    for table in tables:
        if table.asset_key is not None:
            by_asset.setdefault(table.asset_key, []).append(table)
    chosen = {}
    for key, written in by_asset.items():
        own = [t for t in written if t.named_after_asset] or (written if len(written) == 1 else [])
        if own:
            chosen[key] = own[0]
    return chosen


def python_table_schemas(manifest: Mapping[str, Any] | None = None) -> dict[dg.AssetKey, dg.TableSchema]:
    """{asset key: the column schema of its table} for every Python asset that has one."""
    return {key: table.columns for key, table in asset_tables(python_tables(manifest)).items()}


def with_python_table_schemas(definitions: dg.Definitions,
                              manifest: Mapping[str, Any] | None = None) -> dg.Definitions:
    """The definitions with each Python asset's spec carrying its table's `dagster/column_schema`
    as definition metadata (each spec of a multi-asset its own table's). Specs dagster-dbt made
    are left as they are: dbt models report their schema when built."""
    schemas = python_table_schemas(manifest)

    def attach(spec: dg.AssetSpec) -> dg.AssetSpec:
        if spec.key not in schemas or any(k.startswith(DBT_METADATA) for k in spec.metadata):
            return spec
        return spec.merge_attributes(metadata={COLUMN_SCHEMA: schemas[spec.key]})

    with warnings.catch_warnings():
        # Dagster 1.13 marks Definitions.map_asset_specs "preview" and warns on every load; it is
        # the documented way to change specs across a code location, so the warning is noise here.
        warnings.simplefilter("ignore", category=dg.PreviewWarning)
        return definitions.map_asset_specs(func=attach)
