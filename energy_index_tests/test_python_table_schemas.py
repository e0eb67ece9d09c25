"""The tables Python assets write are declared as dbt sources with every column (issue 30), and the
Dagster UI shows each asset its table's columns from that one declaration."""

from __future__ import annotations

import json

import dagster as dg

from energy_index.definitions import DOMAINS, defs
from energy_index.defs.transform.python_tables import (
    COLUMN_SCHEMA,
    DBT_BUILT,
    asset_tables,
    load_manifest,
    python_tables,
)
from energy_index_tests.fixtures.pipeline import query

PYTHON_SCHEMAS = ("raw", "marts", "ml", "quality")
BUILT_COLUMNS = """select schema_name, table_name, column_name, data_type from duckdb_columns()
    where database_name = current_database() and schema_name in ('raw', 'marts', 'ml', 'quality')
    order by schema_name, table_name, column_index"""


def dbt_relations() -> set[str]:
    """`schema.name` of every table or view dbt builds (models, seeds, snapshots)."""
    return {f"{node['schema']}.{node['alias']}" for node in load_manifest()["nodes"].values()
            if node["resource_type"] in DBT_BUILT}


def built_python_tables(warehouse) -> dict[str, dict[str, str]]:
    """{`schema.name`: {column: DuckDB type}} of the tables in the warehouse's raw, marts, ml and
    quality schemas that dbt does not build: the ones Python assets write."""
    built: dict[str, dict[str, str]] = {}
    for schema, table, column, data_type in query(warehouse, BUILT_COLUMNS):
        built.setdefault(f"{schema}.{table}", {})[column] = data_type
    dbt = dbt_relations()
    return {relation: columns for relation, columns in built.items() if relation not in dbt}


def disagreements(columns: dict[str, str], declared: dg.TableSchema) -> dict:
    """How a built table's columns and its YAML differ: columns not declared, declared columns it
    does not have, types that differ, and declared columns without a description."""
    yaml = {column.name: column for column in declared.columns}
    found = {
        "undeclared": sorted(set(columns) - set(yaml)),
        "declared but not in the table": sorted(set(yaml) - set(columns)),
        "type (warehouse, yaml)": {name: (columns[name], yaml[name].type) for name in sorted(set(columns) & set(yaml))
                                   if columns[name].upper() != yaml[name].type.upper()},
        "undescribed": sorted(name for name, column in yaml.items() if not (column.description or "").strip()),
    }
    return {problem: names for problem, names in found.items() if names}


def test_every_python_table_is_declared_with_the_columns_it_really_has(built_home):
    """Every table a Python asset wrote in a built warehouse is a dbt source listing exactly its
    columns (none missing, none stale), each with its DuckDB type and a description. Tables the
    fixture build does not write (a release layout it lacks) are simply not checked."""
    built = built_python_tables(built_home / "warehouse.duckdb")
    assert len(built) >= 30, f"expected the Python assets' tables, found {sorted(built)}"
    declared = {table.relation: table for table in python_tables()}
    problems = {}
    for relation, columns in sorted(built.items()):
        if relation not in declared:
            problems[relation] = "not declared as a dbt source"
        elif found := disagreements(columns, declared[relation].columns):
            problems[relation] = found
    assert not problems, f"Python tables and their source YAML disagree: {json.dumps(problems, indent=1)}"


def test_every_declared_table_says_what_it_is_and_names_an_asset_that_exists():
    """Each declared table has a description and lives in a schema Python assets write; the asset
    its meta names is one of the code location's (the logs many assets append to name none)."""
    keys = set(defs().resolve_asset_graph().get_all_asset_keys())
    tables = python_tables()
    assert len(tables) >= 37 and sum(len(t.columns.columns) for t in tables) >= 500
    unnamed = sorted(t.relation for t in tables if t.asset_key is None)
    assert unnamed == ["quality.validation_results", "raw.source_fetches"]
    wrong = {t.relation: t.asset_key.to_user_string() for t in tables if t.asset_key and t.asset_key not in keys}
    assert not wrong, f"tables naming an asset the code location does not have: {wrong}"
    assert not [t.relation for t in tables if not t.description.strip() or t.schema not in PYTHON_SCHEMAS]


def columns_of(schema: dg.TableSchema) -> list[tuple[str, str, str | None]]:
    """A schema's columns as (name, type, description), for comparisons that show what differs."""
    return [(column.name, column.type, column.description) for column in schema.columns]


def test_each_python_asset_shows_its_own_tables_columns():
    """The loaded definitions give each Python asset `dagster/column_schema` as its YAML declares it;
    each spec of a multi-asset its own table's (ML.ENERGY's runs and models, the reports' cells and
    metrics), an asset named for what it does the one table it writes."""
    graph = defs().resolve_asset_graph()
    tables = asset_tables(python_tables())
    expected = {("raw", "mlenergy_runs"): "raw.mlenergy_runs", ("raw", "mlenergy_models"): "raw.mlenergy_models",
                ("raw", "corporate_report_tables"): "raw.corporate_report_tables",
                ("raw", "corporate_report_metrics"): "raw.corporate_report_metrics",
                ("ml", "energy_classifier_baseline"): "ml.energy_classifier_metrics",
                ("marts", "fct_training_emissions"): "marts.fct_training_emissions"}
    assert {dg.AssetKey(list(key)): relation for key, relation in expected.items()}.items() <= \
        {key: table.relation for key, table in tables.items()}.items()
    wrong = {}
    for key, table in tables.items():
        shown = graph.get(key).metadata.get(COLUMN_SCHEMA)
        if shown is None or columns_of(shown) != columns_of(table.columns):
            wrong[key.to_user_string()] = "none" if shown is None else [c[0] for c in columns_of(shown)]
    assert not wrong, f"assets whose column schema is not their table's: {wrong}"


def test_dbt_assets_and_assets_without_a_table_of_their_own_are_left_as_they_were():
    """Only the Python assets that have a table of their own change: dbt models keep the schema
    dagster-dbt gives them, and an asset writing several tables none of which is its own
    (ml/energy_model_evaluation) gets none."""
    definitions = defs()
    plain = dg.Definitions.merge(*DOMAINS, dg.Definitions(resources=definitions.resources)).resolve_asset_graph()
    mapped = definitions.resolve_asset_graph()
    shown = set(asset_tables(python_tables()))
    changed = sorted(key.to_user_string() for key in plain.get_all_asset_keys()
                     if key not in shown and mapped.get(key).metadata != plain.get(key).metadata)
    assert not changed, f"assets changed that have no Python table of their own: {changed}"
    assert COLUMN_SCHEMA not in mapped.get(dg.AssetKey(["ml", "energy_model_evaluation"])).metadata
