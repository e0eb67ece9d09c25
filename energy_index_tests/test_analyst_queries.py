"""Every analyst query in sql/ runs against the published snapshot and returns rows, and the
snapshot holds the analyst schema: every view of dbt_project/models/analyst/."""

from __future__ import annotations

import pytest

from energy_index.settings import DBT_PROJECT_DIR, SQL_DIR
from energy_index_tests.fixtures.pipeline import published, query

ANALYST_QUERIES = sorted([*SQL_DIR.glob("*.sql"), *SQL_DIR.glob("index/*.sql")])  # index/: the published index page
ANALYST_VIEWS = sorted(path.stem for path in (DBT_PROJECT_DIR / "models" / "analyst").glob("*.sql"))


def test_there_are_analyst_queries():
    assert ANALYST_QUERIES


@pytest.mark.parametrize("path", ANALYST_QUERIES, ids=lambda p: p.name)
def test_query_runs_on_the_snapshot_and_says_what_it_answers(built_home, path):
    text = path.read_text()
    assert text.lstrip().startswith("--"), f"{path.name} must open with a comment saying what it answers"
    rows = query(published(built_home), text)
    assert rows, f"{path.name} returned no rows"


def test_the_snapshot_has_every_analyst_view(built_home):
    assert ANALYST_VIEWS, "dbt_project/models/analyst/ holds the analyst views"
    views = {name for (name,) in query(published(built_home),
                                       "select table_name from information_schema.tables "
                                       "where table_schema = 'analyst'")}
    assert set(ANALYST_VIEWS) <= views, f"missing from the analyst schema: {set(ANALYST_VIEWS) - views}"


def test_some_analyst_queries_use_the_analyst_views():
    assert [path for path in ANALYST_QUERIES if "analyst." in path.read_text()]
