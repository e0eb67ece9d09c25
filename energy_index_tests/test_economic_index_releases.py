"""Every Economic Index release as a partition: the registry, the long-format adapter on files in
the 2025-09-15 and 2026-01-15 schemas, the marts across releases, and a bad or missing file
failing its release alone."""

from __future__ import annotations

import pytest

from energy_index.defs.economic_index.formats import BY_NAME, UnknownFormat, detect_format
from energy_index.defs.economic_index.releases import RELEASES, _release, release_partitions
from energy_index.defs.operations.refresh import RELEASES_JOB, plan_lines
from energy_index.registries import RegistryError
from energy_index_tests.fixtures import aei_releases as later
from energy_index_tests.fixtures import economic_index as aei
from energy_index_tests.fixtures.pipeline import (
    failure_messages,
    instance_beside,
    query,
    refresh_in_process,
    run_partition,
    scalar,
)

LONG_RELEASES = {later.SEPTEMBER: "2025_09_15", later.JANUARY: "2026_01_15"}


def materialise_release(home, mirror, release: str):
    """One release's partition, as the UI's "Materialize" or the nightly per-release run does."""
    return run_partition(home, mirror.base_url, RELEASES_JOB, release)


def test_each_registered_release_is_a_partition_and_a_bad_row_is_named():
    assert set(release_partitions.get_partition_keys()) == set(RELEASES) >= {aei.RELEASE, later.MARCH, *LONG_RELEASES}
    assert RELEASES[later.MARCH].task_share_file == "task_pct_v2.csv"
    row = {"release": "release_2026_13", "published_on": "2026-13-01", "layout": "tall", "files": "a.csv",
           "task_share_file": "b.csv", "collaboration_file": ""}
    with pytest.raises(RegistryError) as error:
        _release(row)
    for phrase in ("economic_index_releases.csv", "release_2026_13", "release_YYYY_MM_DD", "'tall'", "'b.csv'"):
        assert phrase in str(error.value)


def test_long_files_load_with_declared_types_and_both_schemas(built_home):
    warehouse = built_home / "warehouse.duckdb"
    types = dict(query(warehouse, "select column_name, column_type from (describe raw.aei_long_format)"))
    assert (types["date_start"], types["level"], types["value"]) == ("DATE", "INTEGER", "DOUBLE")
    for release, schema in LONG_RELEASES.items():
        for name, body in later.long_release_files(release, schema, {"x": 1.0}).items():
            platform = body.decode().splitlines()[1].split(",")[4]
            rows = scalar(warehouse, f"""select count(*) from raw.aei_long_format
                where release = '{release}' and source_file = '{name}'""")
            shares = later.SEPTEMBER_SHARES if release == later.SEPTEMBER else later.JANUARY_SHARES
            assert rows == len(later.long_rows(schema, shares, platform))
    geographies = dict(query(warehouse, """select release, list(distinct geography order by geography)
        from raw.aei_long_format group by release"""))
    assert geographies[later.SEPTEMBER] == ["country", "global", "state_us"]
    assert geographies[later.JANUARY] == ["country", "country-state", "global"]
    assert scalar(warehouse, f"""select count(*) from raw.aei_long_format where release = '{later.JANUARY}'
        and variable = 'human_only_time_histogram_pct' and source_file = '{RELEASES[later.JANUARY].files[0]}'""") == 2


def test_task_usage_by_release_one_row_per_task_and_release(built_home):
    warehouse = built_home / "warehouse.duckdb"
    rows = query(warehouse, """select release, count(*), count(distinct task_name), sum(share_pct),
        count(directive_pct), bool_and(is_current_release) from marts.fct_task_usage_by_release group by 1""")
    by_release = {r[0]: r[1:] for r in rows}
    assert by_release[aei.RELEASE] == (9, 9, pytest.approx(100), 0, False), "2025-02-10 gives no mix per task"
    assert by_release[later.MARCH] == (8, 8, pytest.approx(100), 8, False), "task_pct_v2, not v1"
    assert by_release[later.SEPTEMBER][:4] == (9, 9, pytest.approx(100), 9)
    assert by_release[later.JANUARY] == (9, 9, pytest.approx(100), 9, True)
    march = query(warehouse, f"""select directive_pct, automation_pct, augmentation_pct, filtered_pct, onet_soc_codes,
        soc_major_codes from marts.fct_task_usage_by_release
        where release = '{later.MARCH}' and task_name = 'write computer programs.'""")[0]
    assert march[:4] == pytest.approx((40, 50, 40, 10)) and march[4:] == (["15-1252.00"], ["15-0000"])
    mix = query(warehouse, f"""select automation_pct, augmentation_pct, filtered_pct
        from marts.fct_task_usage_by_release
        where release = '{later.JANUARY}' and task_name = 'review code changes.'""")[0]
    assert mix == pytest.approx((40, 50, 10)), "long format: onet_task::collaboration, none counted as filtered"


def test_energy_trend_changes_between_consecutive_releases(built_home):
    warehouse = built_home / "warehouse.duckdb"
    volume, requests = (float(scalar(warehouse, f"select value from seeds.assumptions where name = '{name}'"))
                        for name in ("conversation_volume", "requests_per_conversation"))
    joules = scalar(warehouse, "select energy_per_request_j from marts.fct_task_energy where is_reference limit 1")
    rows = query(warehouse, """select release, previous_release, share_pct, share_pct_change, energy_kwh,
        energy_kwh_change, kgco2e, is_in_release from marts.fct_task_energy_trend
        where level = 'task' and item = 'write computer programs.' order by published_on""")
    assert [r[1] for r in rows] == [None, aei.RELEASE, later.MARCH, later.SEPTEMBER]
    assert [r[2] for r in rows] == pytest.approx([30, 36, 40, 30])
    assert rows[-1][3] == pytest.approx(-10)
    assert rows[-1][5] == pytest.approx(-0.10 * volume * requests * joules / 3.6e6)
    assert rows[-1][6] == pytest.approx(rows[-1][4] * 1.58 * 0.48)
    absent = query(warehouse, f"""select is_in_release, share_pct, share_pct_change from marts.fct_task_energy_trend
        where level = 'task' and item = 'file records.' and release = '{later.MARCH}'""")[0]
    assert absent == (False, 0, pytest.approx(-3)), "a task missing from a release counts as 0% there"
    sums = query(warehouse, """select level, release, sum(energy_share_pct) from marts.fct_task_energy_trend
        where level in ('task', 'major_group') group by all""")
    assert all(total == pytest.approx(100) for _, _, total in sums)
    top = query(warehouse, f"""select item from marts.fct_task_energy_trend
        where release = '{later.JANUARY}' and is_top_mover order by mover_rank limit 2""")
    assert [t[0] for t in top] == ["document software designs.", "write computer programs."]


def test_usage_by_country_meets_its_grid(built_home):
    rows = query(built_home / "warehouse.duckdb", f"""select geo_id, iso_code, usage_pct, gco2e_per_kwh,
        kgco2e_at_country_grid, energy_kwh, intensity_rank from marts.fct_country_usage
        where release = '{later.JANUARY}' order by intensity_rank""")
    assert [(r[0], r[1]) for r in rows] == [("PL", "POL"), ("US", "USA"), ("FR", "FRA")]
    assert [r[2] for r in rows] == pytest.approx([15, 60, 25])
    assert all(r[4] == pytest.approx(r[5] * 1.58 * r[3] / 1000) for r in rows)


def test_a_header_of_no_known_format_lists_expected_and_found_columns():
    assert detect_format(later.LONG_COLUMNS, "x.csv") is BY_NAME["long"]
    assert detect_format(["task_name", "pct", "extra"], "x.csv") is BY_NAME["task_shares"]
    with pytest.raises(UnknownFormat) as error:
        detect_format(["geo", "share"], "release_2026_01_15/data.csv")
    message = str(error.value)
    assert "release_2026_01_15/data.csv" in message and "Found columns: geo, share" in message
    assert "long: geo_id, geography, date_start, date_end" in message and "task_shares: task_name, pct" in message


def test_an_unknown_schema_fails_its_release_alone_and_keeps_its_rows(copied_home, mirror):
    warehouse = copied_home / "warehouse.duckdb"
    kept = f"select count(*) from raw.aei_long_format where release = '{later.JANUARY}'"
    before = scalar(warehouse, kept)
    claude_ai = RELEASES[later.JANUARY].files[0]
    mirror.add(aei.file_path(claude_ai, later.JANUARY), b"geo,share\nUS,1.0\n")
    result = materialise_release(copied_home, mirror, later.JANUARY)
    assert not result.success
    message = failure_messages(result)
    assert "[economic_index]" in message and claude_ai in message and "Found columns: geo, share" in message
    assert "Expected one of: task_shares: task_name, pct" in message
    assert scalar(warehouse, kept) == before
    assert materialise_release(copied_home, mirror, later.SEPTEMBER).success, "other releases still load"


def test_a_long_file_breaking_its_suite_is_rejected_naming_file_and_expectation(copied_home, mirror):
    warehouse = copied_home / "warehouse.duckdb"
    shares = f"select sum(share_pct) from marts.fct_task_usage_by_release where release = '{later.SEPTEMBER}'"
    before = scalar(warehouse, shares)
    claude_ai = RELEASES[later.SEPTEMBER].files[0]
    rows = later.long_rows("2025_09_15", later.SEPTEMBER_SHARES)
    rows += [["GLOBAL", "global", "2025-08-04", "2025-08-11", later.CLAUDE_AI, "onet_task", 0, "onet_task_pct",
              "an extra task.", 20.0]]
    mirror.add(aei.file_path(claude_ai, later.SEPTEMBER), aei.csv_bytes(later.LONG_COLUMNS, rows))
    result = materialise_release(copied_home, mirror, later.SEPTEMBER)
    assert not result.success
    message = failure_messages(result)
    assert "raw.aei_long_format" in message and "max_global_share_sum" in message and "120" in message
    assert "The previous raw.aei_long_format was kept" in message
    assert scalar(warehouse, shares) == before


def test_a_release_with_a_missing_file_fails_alone_and_the_refresh_says_so(refreshed_home, mirror):
    api = RELEASES[later.SEPTEMBER].files[1]
    del mirror.routes[aei.file_path(api, later.SEPTEMBER)]
    _, outcomes, plan = refresh_in_process(refreshed_home, mirror.base_url, instance_beside(refreshed_home))
    assert all(o.success for o in outcomes), "the refresh loads what is there"
    assert f"sources/economic_index_files[{later.SEPTEMBER}]" in plan.unavailable
    summary = plan_lines(plan, outcomes)[0]
    assert "not available upstream: " in summary and later.SEPTEMBER in summary
    result = materialise_release(refreshed_home, mirror, later.SEPTEMBER)
    assert not result.success
    message = failure_messages(result)
    assert api in message and later.SEPTEMBER in message and "not in the mirror" in message
    assert materialise_release(refreshed_home, mirror, later.JANUARY).success, "the other releases are unaffected"


def test_a_later_long_file_with_a_new_column_loads_beside_the_earlier_ones(tmp_path):
    import duckdb

    from energy_index.defs.economic_index.formats import create_table, stage_files
    long, rows = BY_NAME["long"], later.long_rows("2026_01_15", later.JANUARY_SHARES)
    earlier, newer = tmp_path / "earlier.csv", tmp_path / "newer.csv"
    earlier.write_bytes(aei.csv_bytes(later.LONG_COLUMNS, rows))
    newer.write_bytes(aei.csv_bytes([*later.LONG_COLUMNS, "value_ci_lower"], [[*r, 0.5] for r in rows]))
    with duckdb.connect() as conn:
        create_table(conn, long)
        for release, path in (("release_a", earlier), ("release_b", newer)):
            provenance = {"release": release, "source_url": str(path), "source_file": path.name}
            assert stage_files(conn, long, long.raw_table, [(path, provenance)]) == {path.name: len(rows)}
        counts = conn.execute("select release, count(value_ci_lower) from raw.aei_long_format group by 1 "
                              "order by 1").fetchall()
    assert counts == [("release_a", 0), ("release_b", len(rows))], "older releases read null in the new column"
