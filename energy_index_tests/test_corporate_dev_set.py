"""The reader on the real development-set reports, scored against figures read by eye.

The values are those the session's refresh on the offline mirror read from the registered
reports (`mirror_home`: the pipeline's own reader, in its worker processes, nothing parsed a
second time), the truth ../shared/corporate/truth.csv (and the project's own reference figures
for the Microsoft Data Fact Sheet). Runs wherever the mirror is, and must run in CI.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from energy_index.defs.corporate.accuracy import targets
from energy_index.defs.corporate.registry import REPORTS
from energy_index.defs.corporate.scoring import read_truth, score_documents
from energy_index.settings import PROJECT_TRUTH, REPO_ROOT
from energy_index_tests.fixtures.mirror import find_mirror, require_mirror_in_ci

MIRROR = find_mirror()
require_mirror_in_ci(MIRROR)
SHARED_TRUTH = REPO_ROOT.parent / "shared" / "corporate" / "truth.csv"
pytestmark = pytest.mark.skipif(MIRROR is None or "://" in MIRROR or not SHARED_TRUTH.exists(),
                                reason="needs the directory mirror and ../shared/corporate/truth.csv")


def chosen_values(home: Path, documents: list[str]) -> pl.DataFrame:
    """The chosen value of every metric and year the refresh read from these reports."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        values = conn.execute("select * from raw.corporate_report_metrics where report_id in (select unnest(?))",
                              [documents]).pl()
    assert set(values["report_id"]) == set(documents), "every registered document was read"
    return values.filter(pl.col("is_primary") & pl.col("region").is_null())


@pytest.fixture(scope="module")
def development_scores(mirror_home) -> pl.DataFrame:
    """The registered development-set reports' scores. The truth file also holds reports not yet in
    the registry (added to the development set for the next round of the reader); the pipeline's
    own accuracy mart scores registered reports only, and so does this."""
    truth = read_truth(SHARED_TRUTH).filter(pl.col("document").is_in(list(REPORTS)))
    return score_documents(truth, chosen_values(mirror_home, truth["document"].unique().to_list()))


def test_development_set_meets_its_targets(development_scores):
    goal = targets()["development"]
    exact_pct = 100 * development_scores["exact"].sum() / development_scores["truth_rows"].sum()
    assert exact_pct >= float(goal["min_exact_pct"]), development_scores
    assert development_scores["unit_scale"].sum() == 0, "no unit-scale errors"
    assert development_scores["false_values"].sum() == 0, "no value for a metric a document does not disclose"


def test_every_development_document_is_read(development_scores):
    assert development_scores.height == 7
    assert development_scores["exact"].min() > 0


def test_fact_sheet_reference_figures_stay_exact(mirror_home):
    truth = read_truth(PROJECT_TRUTH)
    scores = score_documents(truth, chosen_values(mirror_home, ["microsoft_2024_data_fact_sheet"]))
    assert scores.row(0, named=True)["exact"] == truth.height == 16
