"""A bad v2 archive fails its release with a message naming the file and the problem, and damages nothing."""

from __future__ import annotations

import json

import pytest

from energy_index.defs.operations.refresh import BENCHMARKS_JOB
from energy_index_tests.fixtures.mlenergy import archive_path, build_archive, build_runs
from energy_index_tests.fixtures.pipeline import (
    failure_messages,
    published,
    query,
    run_changed,
    run_partition,
    scalar,
)

CHAT_RUN = "data/llm_text_generation/chat/H100 80GB HBM3/acme/small-chat/bs32+tp1+pp1.json"
IMAGE_RUN = "data/diffusion/text-to-image/A100-SXM4-40GB/paint/big-image/bs4+steps50.json"


def truncated():
    runs = build_runs()
    body = json.dumps(runs.pop(CHAT_RUN)).encode()[:60]
    return build_archive(runs, raw_files={CHAT_RUN: body}), [CHAT_RUN, "Malformed JSON"]


def negative_energy():
    runs = build_runs()
    runs[IMAGE_RUN]["Energy/image (J)"] = -12.5
    return build_archive(runs), [IMAGE_RUN, "expect_column_values_to_be_between(Energy/image (J))", "-12.5"]


def missing_column():
    runs = build_runs()
    for run in runs.values():
        del run["Model"]
    return build_archive(runs), ["expect_column_to_exist(Model): column is missing"]


def run_without_energy():
    runs = build_runs()
    del runs[CHAT_RUN]["Energy/req (J)"]
    return build_archive(runs), [CHAT_RUN, "energy_fields_present"]


def not_a_tarball():
    return b"<html>rate limited</html>", ["unreadable: neither a repository archive", "<html>rate limited"]


@pytest.mark.parametrize("make_bad", [truncated, missing_column, run_without_energy, not_a_tarball])
def test_bad_archive_fails_clearly_and_keeps_the_last_good_data(copied_home, mirror, make_bad):
    """Each kind of bad archive, through v2's partition run (the UI's "Materialize", the nightly
    per-release run): refused with the file and the problem named, the last good rows kept."""
    warehouse = copied_home / "warehouse.duckdb"
    kept = """select (select count(*) from raw.mlenergy_runs), count(*), sum(energy_j)
        from marts.fct_workload_energy"""
    before = query(warehouse, kept)
    archive, expected_phrases = make_bad()
    mirror.add(archive_path(), archive)
    result = run_partition(copied_home, mirror.base_url, BENCHMARKS_JOB, "v2")
    assert not result.success
    message = failure_messages(result)
    assert "[mlenergy]" in message
    for phrase in expected_phrases:
        assert phrase in message
    assert query(warehouse, kept) == before, "raw and mart tables keep their previous rows"


def test_a_bad_archive_in_a_refresh_fails_its_release_alone_as_a_blocking_check(refreshed_home, mirror):
    """`make run`'s refresh with a negative energy in v2: only v2 is loaded again and fails its
    blocking suite (recorded, naming the run), and what reads it is rebuilt from its last good rows,
    publishing the same figures."""
    warehouse, analytics = refreshed_home / "warehouse.duckdb", published(refreshed_home)
    mart_sql = "select count(*), sum(energy_j) from marts.fct_workload_energy"
    before = (scalar(warehouse, "select count(*) from raw.mlenergy_runs"), scalar(warehouse, mart_sql))
    published_before = scalar(analytics, mart_sql)
    archive, expected_phrases = negative_energy()
    mirror.add(archive_path(), archive)
    releases, main = run_changed(refreshed_home, mirror.base_url, job=BENCHMARKS_JOB)
    assert set(releases) == {"v2"} and not releases["v2"].success, "only v2 is loaded again, and fails"
    message = failure_messages(releases["v2"])
    assert "[mlenergy]" in message and all(phrase in message for phrase in expected_phrases)
    assert (scalar(warehouse, "select count(*) from raw.mlenergy_runs"), scalar(warehouse, mart_sql)) == before
    assert main.success and scalar(analytics, mart_sql) == published_before
    evaluations = {e.asset_key.to_user_string(): e for e in releases["v2"].get_asset_check_evaluations()}
    failed = evaluations["raw/mlenergy_runs"]
    assert not failed.passed
    failures = [record.data for record in failed.metadata["failures"].records]
    assert any(IMAGE_RUN in f["rows"] and f["expectation"] for f in failures)
    recorded = scalar(warehouse, "select count(*) from quality.validation_results where not success "
                                 "and sample_ids like '%big-image%'")
    assert recorded >= 1
