"""The warehouse tables and columns, from the dbt manifest (models, seeds, and the sources that
declare the Python-written tables) and the column types of the published lake."""

from __future__ import annotations

from collections.abc import Mapping

from energy_index_docs.markdown import generated_note, table

# The order a reader meets the schemas in: the analyst views first, the raw loads last.
SCHEMA_ORDER = ("analyst", "marts", "intermediate", "staging", "seeds", "raw", "ml", "quality", "meta")
SCHEMA_ROLES = {
    "analyst": "one view per question, units in the column names: start here",
    "marts": "the analyst contract: facts and dimensions, dbt's and the Python assets'",
    "intermediate": "dbt models between staging and the marts",
    "staging": "the raw tables cleaned: names, types, units",
    "seeds": "registries and assumptions as data, each row with its source",
    "raw": "the sources as loaded, behind their Great Expectations suites",
    "ml": "the scikit-learn models' metrics and predictions",
    "quality": "the report reader's accuracy and every expectation's result",
    "meta": "the publisher's own record of each refresh",
}
Types = Mapping[tuple[str, str], Mapping[str, str]]


def documented_relations(manifest: dict) -> dict[tuple[str, str], dict]:
    """{(schema, name): {"kind", "description", "columns": {name: {"description", "data_type"}}}} for
    the project's models, seeds and sources."""
    nodes = [n for n in manifest["nodes"].values()
             if n["resource_type"] in ("model", "seed") and n["package_name"] == "energy_index"]
    nodes += [s for s in manifest["sources"].values() if s["package_name"] == "energy_index"]
    relations = {}
    for node in nodes:
        key = (node["schema"], node.get("alias") or node.get("identifier") or node["name"])
        kind = "dbt source (written by Python)" if node["resource_type"] == "source" else f"dbt {node['resource_type']}"
        if key in relations and relations[key]["columns"]:
            continue  # a table declared twice (a source read by two domains): the described one stands
        relations[key] = {"kind": kind, "description": node.get("description") or "", "columns": node.get("columns", {})}
    return relations


def table_pages(manifest: dict, types: Types) -> dict[str, str]:
    """{path under reference/tables/: markdown}: an index and one page per schema."""
    relations = documented_relations(manifest)
    for key in types:  # in the lake but declared nowhere (the publisher's meta tables)
        relations.setdefault(key, {"kind": "published table", "description": "", "columns": {}})
    schemas = sorted({s for s, _ in relations}, key=lambda s: (SCHEMA_ORDER.index(s) if s in SCHEMA_ORDER else 99, s))
    pages = {"index.md": _index_page(schemas, relations)}
    for schema in schemas:
        pages[f"{schema}.md"] = _schema_page(schema, {n: r for (s, n), r in relations.items() if s == schema}, types)
    return pages


def _index_page(schemas: list[str], relations: dict) -> str:
    text = "# Warehouse tables\n\n" + generated_note("the dbt manifest (models, seeds, sources) and the published lake")
    text += ("Every table and view of the published lake, by schema, with every column's type and meaning. "
             "Query them with `energy-index sql` ([how](../../how-to/query-the-lake.md)).\n\n")
    rows = [(f"[`{s}`]({s}.md)", SCHEMA_ROLES.get(s, ""), sum(1 for k in relations if k[0] == s)) for s in schemas]
    return text + table(["schema", "what it holds", "tables"], rows)


def _schema_page(schema: str, relations: dict[str, dict], types: Types) -> str:
    text = f"# `{schema}`\n\n" + generated_note("the dbt manifest and the published lake")
    role = SCHEMA_ROLES.get(schema, '')
    text += f"{role[:1].upper()}{role[1:]}.\n\n"
    text += table(["table", "what it is"], [(f"[`{schema}.{n}`](#{n})", _first_sentence(r["description"]))
                                            for n, r in sorted(relations.items())])
    for name, relation in sorted(relations.items()):
        typed = types.get((schema, name), {})
        text += f"\n## {name}\n\n*{relation['kind']}*" + ("" if typed else "; not in the published lake") + "\n\n"
        text += (relation["description"].strip() or "No description.") + "\n\n"
        columns = list(relation["columns"]) + [c for c in typed if c not in relation["columns"]]
        text += table(["column", "type", "meaning"],
                      [(f"`{c}`", typed.get(c) or relation["columns"].get(c, {}).get("data_type") or "",
                        (relation["columns"].get(c, {}).get("description") or "").strip()) for c in columns])
    return text


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 else text[:end + 1]
