"""How dbt nodes appear in Dagster: keyed by schema, in their domain's group, with owner, tags,
freshness, a link to their SQL, and every dbt test described in words."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from energy_index.defs.domains import with_domain_attributes

# dagster-dbt keeps the DbtProject object in each spec's metadata, which the UI can only show as
# "dagster_dbt/project (unserializable)"; the manifest and translator entries are what it needs.
UNSHOWABLE_METADATA = "dagster_dbt/project"


def _listed(values) -> str:
    return ", ".join(str(v) for v in values)


def _test_description(test: Mapping[str, Any], model: str) -> str:
    """A dbt test in an analyst's words, from its own description, the generic test's name and
    arguments, or a singular test's leading SQL comment."""
    given = test.get("description") or test.get("meta", {}).get("description")
    if given:
        return given
    metadata = test.get("test_metadata") or {}
    kwargs, column = metadata.get("kwargs", {}), test.get("column_name")
    name = metadata.get("name")
    if name == "not_null":
        return f"Every row of {model} has a value in {column}."
    if name == "unique":
        return f"No two rows of {model} share a {column}."
    if name == "accepted_values":
        return f"{column} in {model} only takes the values {_listed(kwargs.get('values', []))}."
    if name == "relationships":
        return f"Every {column} in {model} exists in {kwargs.get('to', 'its parent')} ({kwargs.get('field')})."
    if name == "unique_combination":
        return f"No two rows of {model} share the same {_listed(kwargs.get('combination_of_columns', []))}."
    if name in ("positive", "non_negative"):
        return f"{column} in {model} is never {'zero or ' if name == 'positive' else ''}negative."
    if name == "between":
        upper = "below" if kwargs.get("max_exclusive") else "at most"
        return f"{column} in {model} lies between {kwargs.get('min_value')} and {upper} {kwargs.get('max_value')}."
    if name:
        arguments = {k: v for k, v in kwargs.items() if k not in ("model", "column_name")}
        return f"dbt test {name} on {column or model}" + (f" with {arguments}" if arguments else "") + "."
    return _leading_comment(test.get("raw_code", "")) or f"dbt test {test['name']} returns no rows."


def _leading_comment(sql: str) -> str:
    lines = []
    for line in sql.strip().splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.removeprefix("--").strip())
    return " ".join(lines)


class DomainTranslator(DagsterDbtTranslator):
    """Key dbt nodes by schema and name (marts/fct_workload_energy), as analysts see them, and give
    them the attributes every domain's assets carry (defs/domains.py).

    It keeps the project itself, because the specs no longer carry it for dagster-dbt to hand back
    at run time, and code references need it."""

    def __init__(self, project: DbtProject):
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_code_references=True))
        self.project = project

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        schema = dbt_resource_props["config"].get("schema") or dbt_resource_props["schema"]
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project or self.project)
        shown = {k: v for k, v in spec.metadata.items() if k != UNSHOWABLE_METADATA}
        return with_domain_attributes(spec.replace_attributes(metadata=shown), spec.group_name or "transform")

    def get_asset_check_spec(self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str,
                             project) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project or self.project)
        if spec is None or spec.description:
            return spec
        description = _test_description(manifest["nodes"][unique_id], asset_spec.key.to_user_string())
        return dg.AssetCheckSpec(name=spec.name, asset=spec.asset_key, description=description,
                                 additional_deps=spec.additional_deps, metadata=spec.metadata, blocking=spec.blocking)

