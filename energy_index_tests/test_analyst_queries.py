"""Every analyst query in sql/ runs against the published snapshot and returns rows."""

from __future__ import annotations

import pytest

from energy_index.settings import SQL_DIR
from energy_index_tests.fixtures.pipeline import query

ANALYST_QUERIES = sorted(SQL_DIR.glob("*.sql"))


def test_there_are_analyst_queries():
    assert ANALYST_QUERIES


@pytest.mark.parametrize("path", ANALYST_QUERIES, ids=lambda p: p.name)
def test_query_runs_on_the_snapshot_and_says_what_it_answers(built_home, path):
    text = path.read_text()
    assert text.lstrip().startswith("--"), f"{path.name} must open with a comment saying what it answers"
    rows = query(built_home / "analytics.duckdb", text)
    assert rows, f"{path.name} returned no rows"
