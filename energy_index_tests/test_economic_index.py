"""The Economic Index slice on generated files: raw tables, allocation, usage, energy scenarios."""

from __future__ import annotations

import dagster as dg
import pytest

from energy_index.defs.operations.refresh import RELEASES_JOB
from energy_index_tests.fixtures import economic_index as aei
from energy_index_tests.fixtures.pipeline import (
    failure_messages,
    instance_beside,
    published,
    query,
    run_changed,
    run_partition,
    scalar,
)



def test_one_raw_table_per_file_with_release_and_source(built_home):
    warehouse = built_home / "warehouse.duckdb"
    counts = {"aei_onet_task_mappings": 9, "aei_automation_vs_augmentation": 6, "aei_onet_task_statements": 9,
              "aei_soc_structure": 18, "aei_bls_employment": 4, "aei_wage_data": 5}
    for table, rows in counts.items():
        assert scalar(warehouse, f"select count(*) from raw.{table} where release = '{aei.RELEASE}'") == rows
        assert scalar(warehouse, f"select count(distinct source_url) from raw.{table} "
                                 f"where release = '{aei.RELEASE}'") == 1
    raw_columns = {r[0] for r in query(warehouse, "describe raw.aei_onet_task_statements")}
    assert {"O*NET-SOC Code", "Task ID", "release", "source_url"} <= raw_columns
    staged = {r[0] for r in query(warehouse, "describe staging.stg_aei__task_statements")}
    assert {"onet_soc_code", "task_id", "task_text", "occupation_title"} <= staged


def test_task_texts_match_ignoring_case_and_whitespace_and_unmatched_stay_visible(built_home):
    rows = dict(query(built_home / "warehouse.duckdb", "select task_name, is_matched from marts.fct_task_usage"))
    assert rows["write computer programs."] is True
    assert rows["none"] is False
    assert len(rows) == len(aei.MAPPINGS)


def test_shared_task_share_is_split_equally_and_conserved(built_home):
    warehouse = built_home / "warehouse.duckdb"
    n, each, codes = query(warehouse, """select n_occupations, allocated_share_per_occupation_pct, onet_soc_codes
        from marts.fct_task_usage where task_name = 'document software designs.'""")[0]
    assert (n, each, codes) == (2, 12.5, ["15-1251.00", "15-1252.00"])
    shares = dict(query(warehouse, """select coalesce(code, level), conversation_share_pct
        from marts.fct_occupation_usage"""))
    assert shares["15-1251.00"] == pytest.approx(12.5 + 5)
    assert shares["15-1252.00"] == pytest.approx(30 + 20 + 12.5)
    assert shares["15-0000"] == pytest.approx(80)
    assert shares["unmatched"] == pytest.approx(1)
    total = scalar(warehouse, """select sum(conversation_share_pct) from marts.fct_occupation_usage
        where level in ('major_group', 'unmatched')""")
    assert total == pytest.approx(100)


def test_major_groups_carry_employment_share_ratio_and_wages(built_home):
    row = query(built_home / "warehouse.duckdb", """select employment, employment_share_pct, representation_ratio,
        median_annual_wage from marts.fct_occupation_usage where code = '15-0000'""")[0]
    employment_share = 5_000 / sum(aei.EMPLOYMENT.values()) * 100
    assert row[0] == 5_000 and row[1] == pytest.approx(employment_share)
    assert row[2] == pytest.approx(80 / employment_share)
    # Computer Programmers' wage is hourly (45.5) and annualised at 2080 hours.
    assert row[3] == pytest.approx((120_730 + 45.5 * 2080) / 2)
    military = query(built_home / "warehouse.duckdb", """select employment, conversation_share_pct
        from marts.fct_occupation_usage where code = '55-0000'""")[0]
    assert military == (None, 0)


def test_dim_onet_task_places_every_statement_in_the_soc_hierarchy(built_home):
    rows = query(built_home / "warehouse.duckdb", """select task_id, soc_minor_code, soc_minor_title, soc_major_title
        from marts.dim_onet_task order by task_id""")
    assert len(rows) == len(aei.STATEMENTS)
    assert rows[2][1:] == ("15-1200", "Computer Occupations", "Computer and Mathematical Occupations")


def test_task_energy_arithmetic_by_hand(built_home):
    warehouse = built_home / "warehouse.duckdb"
    # the reference model on the reference GPU in the latest release that measured it: v3's LM Arena chat
    energy_per_request = scalar(warehouse, """select min(energy_per_request_j) from marts.fct_workload_energy
        where model_key = 'llama-3.1-70b' and accelerator = 'H100' and benchmark_release = 'v3'
        and task = 'lm-arena-chat' and median_itl_s <= 0.1""")
    volume, requests = 1_000_000, 3  # the assumptions seed's values
    energy = scalar(warehouse, """select energy_j from marts.fct_task_energy
        where is_reference and task_name = 'write computer programs.'""")
    assert energy == pytest.approx(0.30 * volume * requests * energy_per_request)
    programmers = scalar(warehouse, """select energy_j from marts.fct_occupation_energy
        where is_reference and code = '15-1251.00'""")
    assert programmers == pytest.approx(0.175 * volume * requests * energy_per_request)
    scenarios = scalar(warehouse, "select count(distinct scenario_id) from marts.fct_task_energy")
    chat_pairs = scalar(warehouse, """select count(distinct (benchmark_release, model, gpu))
        from marts.fct_workload_energy where task_family = 'llm_text_generation' and task in ('chat', 'lm-arena-chat')""")
    assert scenarios == chat_pairs


def test_every_assumption_is_described_and_sourced(built_home):
    rows = query(published(built_home), "select name, value, description, source_note from marts.dim_assumptions")
    names = {r[0] for r in rows}
    assert {"conversation_volume", "requests_per_conversation", "reference_model", "reference_gpu",
            "tpot_limit_s", "allocation_rule"} <= names
    assert all(r[1] and r[2] and r[3] for r in rows)


def test_interaction_shares_not_summing_to_100_warn_without_blocking(built_home):
    """The fixture's interaction shares sum to 84.21%: the refresh that built it warned, and went on."""
    records = instance_beside(built_home).get_event_records(
        dg.EventRecordsFilter(dg.DagsterEventType.ASSET_CHECK_EVALUATION), limit=5000)
    check = next(r.event_log_entry.dagster_event.event_specific_data for r in records
                 if r.event_log_entry.dagster_event.event_specific_data.check_name == "interaction_shares_sum_to_100")
    assert not check.passed and check.severity.value == "WARN"
    assert check.metadata["observed_sum_pct"].value == pytest.approx(sum(aei.INTERACTIONS.values()))
    raw_and_normalised = query(built_home / "warehouse.duckdb", f"""select sum(share_pct_raw),
        sum(share_pct_normalised) from staging.stg_aei__automation_vs_augmentation where release = '{aei.RELEASE}'""")[0]
    assert raw_and_normalised == pytest.approx((84.21, 100.0))


@pytest.mark.parametrize("filename, files, phrases, whole_refresh", [
    ("onet_task_statements.csv",
     aei.build_files(statements=[*aei.STATEMENTS[:-1], ("27-2O11.00", "Actors", 9, "Perform roles.")]),
     ["onet_task_statements.csv", "expect_column_values_to_match_regex(O*NET-SOC Code)", "27-2O11.00"], True),
    ("onet_task_mappings.csv", aei.build_files(mappings={**aei.MAPPINGS, "perform roles.": 6.0}),
     ["onet_task_mappings.csv", "expect_column_sum_to_be_between(pct)", "105"], False),
])
def test_bad_file_fails_its_release_alone_naming_file_and_problem(refreshed_home, mirror, filename, files, phrases,
                                                                  whole_refresh):
    """A bad file fails its release with the file and the problem named, and changes nothing of it. The
    first case runs `make run`'s refresh (only that release is loaded again; what reads it is rebuilt
    from the last good rows); the second the release's partition alone, as its nightly run does."""
    warehouse = refreshed_home / "warehouse.duckdb"
    kept = f"""select count(*), sum(share_pct) from marts.fct_task_usage_by_release where release = '{aei.RELEASE}'
        union all select count(*), sum(pct) from raw.aei_onet_task_mappings where release = '{aei.RELEASE}'"""
    before = query(warehouse, kept)
    mirror.add(aei.file_path(filename), files[filename])
    if whole_refresh:
        releases, main = run_changed(refreshed_home, mirror.base_url, job=RELEASES_JOB)
        assert set(releases) == {aei.RELEASE}, "only the changed release is loaded again"
        assert main.success, "the marts are rebuilt from the releases that loaded and the last good rows"
    else:
        releases = {aei.RELEASE: run_partition(refreshed_home, mirror.base_url, RELEASES_JOB, aei.RELEASE)}
    assert not releases[aei.RELEASE].success
    message = failure_messages(releases[aei.RELEASE])
    assert "[economic_index]" in message
    for phrase in phrases:
        assert phrase in message
    assert query(warehouse, kept) == before
