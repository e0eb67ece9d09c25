"""dbt docs (issue 15) and the docs site (issue 30): every model and seed is described, every column a
mart really has is documented, and `make docs` generates the catalog and builds the strict site against
a built warehouse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

from energy_index.defs.transform.assets import dbt_project
from energy_index.settings import DBT_EXECUTABLE, REPO_ROOT
from energy_index_tests.fixtures.pipeline import published, query, scalar

MARTS = "marts"
# `make docs` runs without reinstalling: the install stamp is taken as up to date (make -o).
MAKE_DOCS = ["make", "-C", str(REPO_ROOT), "-o", ".venv/.installed", "docs",
             f"BIN={Path(DBT_EXECUTABLE).parent}"]


@cache
def manifest() -> dict:
    """The manifest the code location parses (importing the transform assets parses the project)."""
    return json.loads(Path(dbt_project.manifest_path).read_text())


def project_nodes(manifest_nodes: dict, *kinds: str) -> dict[str, dict]:
    """This project's nodes of the given resource types, by name."""
    return {node["name"]: node for node in manifest_nodes.values()
            if node["resource_type"] in kinds and node["package_name"] == "energy_index"}


def mart_models() -> dict[str, dict]:
    return {name: node for name, node in project_nodes(manifest()["nodes"], "model").items()
            if node["schema"] == MARTS}


def described(text: str | None) -> bool:
    return bool((text or "").strip())


def undocumented_columns(node: dict, columns: list[str]) -> list[str]:
    """The columns of `columns` the node's YAML does not describe."""
    return [c for c in columns if not described(node["columns"].get(c, {}).get("description"))]


def make_docs(home: Path, target: Path, site: Path | None = None) -> subprocess.CompletedProcess:
    """Run `make docs` against the warehouse in `home`, writing dbt's output to `target` and the site to `site`."""
    env = {**os.environ, "ENERGY_INDEX_HOME": str(home), "DBT_TARGET_PATH": str(target),
           "SITE_DIR": str(site or target.parent / "site")}
    return subprocess.run(MAKE_DOCS, env=env, capture_output=True, text=True, timeout=600)


def test_every_model_and_seed_has_a_description():
    """The docs site shows a description for every model and seed of the project."""
    nodes = project_nodes(manifest()["nodes"], "model", "seed")
    assert {"fct_workload_energy", "dim_assumptions", "assumptions"} <= set(nodes)
    missing = sorted(f"{n['resource_type']} {name}" for name, n in nodes.items() if not described(n["description"]))
    assert not missing, f"models and seeds without a description: {missing}"


def test_every_documented_mart_column_has_a_description():
    """No mart lists a column in its YAML without saying what it is."""
    empty = {name: undocumented_columns(node, list(node["columns"])) for name, node in mart_models().items()}
    assert not {k: v for k, v in empty.items() if v}, f"mart columns listed without a description: {empty}"


def test_every_column_a_mart_really_has_is_documented(built_home):
    """Each mart's YAML describes exactly the columns its SQL produces in a built warehouse: none
    missing, and none left over from a column that no longer exists."""
    marts = mart_models()
    assert len(marts) >= 15, f"expected the project's marts, found {sorted(marts)}"
    built = {}
    for table, column in query(built_home / "warehouse.duckdb", f"""select table_name, column_name
            from information_schema.columns where table_schema = '{MARTS}' order by table_name, ordinal_position"""):
        built.setdefault(table, []).append(column)
    problems = {}
    for name, node in sorted(marts.items()):
        columns = built.get(node["alias"])
        if not columns:
            problems[name] = "not built in the warehouse"
            continue
        missing = undocumented_columns(node, columns)
        stale = sorted(set(node["columns"]) - set(columns))
        if missing or stale:
            problems[name] = {"undocumented": missing, "documented but not in the table": stale}
    assert not problems, f"mart columns and their YAML disagree: {json.dumps(problems, indent=1)}"


def test_make_docs_builds_the_strict_site_with_the_catalog_the_index_and_the_notebook(built_home, tmp_path):
    """`make docs` writes catalog.json, manifest.json and static_index.html for the built warehouse,
    each mart in the catalog with its columns described; then `mkdocs build --strict` (no broken link,
    anchor or page left out of the nav) builds the site with the dbt catalog embedded, the reference
    generated from the code, the index published from the lake's latest snapshot, and the notebook
    tour executed against that lake."""
    home, target, site = tmp_path / "home", tmp_path / "target", tmp_path / "site"
    home.mkdir()
    shutil.copy2(built_home / "warehouse.duckdb", home / "warehouse.duckdb")  # dbt opens it for writing
    shutil.copytree(built_home / "lake", home / "lake")  # the local lake follows its home
    result = make_docs(home, target, site)
    assert result.returncode == 0, f"make docs failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    for name in ("catalog.json", "manifest.json", "static_index.html"):
        assert (target / name).is_file(), f"make docs did not write {name}"
    _assert_catalog_describes_every_mart(target)
    _assert_site_generated(site, published(home))


def _assert_catalog_describes_every_mart(target: Path) -> None:
    catalog = json.loads((target / "catalog.json").read_text())
    generated = project_nodes(json.loads((target / "manifest.json").read_text())["nodes"], "model")
    assert not catalog.get("errors"), catalog.get("errors")
    catalogued = {node["metadata"]["name"]: list(node["columns"]) for key, node in catalog["nodes"].items()
                  if key.startswith("model.") and node["metadata"]["schema"] == MARTS}
    assert set(mart_models()) <= set(catalogued), f"marts not in the catalog: {set(mart_models()) - set(catalogued)}"
    undocumented = {name: undocumented_columns(generated[name], columns) for name, columns in catalogued.items()
                    if name in generated and undocumented_columns(generated[name], columns)}
    assert not undocumented, f"catalogued mart columns without a description: {undocumented}"


def _assert_site_generated(site: Path, lake) -> None:
    page = lambda path: (site / path / "index.html").read_text()  # noqa: E731
    assert (site / "dbt" / "index.html").stat().st_size > 100_000, "the dbt catalog is embedded in the site"
    assert all(f'id="{command}"' in page("reference/cli") for command in ("run", "sql", "parse-report", "rate"))
    assert 'id="fct_workload_energy"' in page("reference/tables/marts")
    assert "ENERGY_INDEX_HOME" in page("reference/settings") and "conversation_volume" in page("reference/assumptions")
    latest = scalar(lake, "select max(snapshot_id) from ducklake_snapshots('analytics')")
    assert f"snapshot {latest}</strong>" in page("index-published"), "the index names the snapshot it was built from"
    assert list((site / "index").glob("*.png")), "the published index draws its charts"
    tour = page("notebooks/tour")
    assert "snapshot" in tour and "committed" in tour and "<img" in tour, "the notebook tour ran, with its plots"


def test_make_docs_without_a_warehouse_says_to_run_make_run_first(tmp_path):
    """With no warehouse yet, `make docs` fails at once with one line saying what to do."""
    result = make_docs(tmp_path / "home", tmp_path / "target")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert len(lines) == 1 and "run `make run` first" in lines[0], result.stderr
    assert str(tmp_path / "home" / "warehouse.duckdb") in lines[0]
    assert not (tmp_path / "target").exists()
