"""What changed between Economic Index releases, for the UI: the releases loaded, the tasks whose
energy share moved most, usage by country against its grid, and the share-vs-energy chart."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from energy_index.defs.economic_index.releases import RELEASES
from energy_index.files import url_for
from energy_index.metadata_tables import preview_table
from energy_index.plots import moves_plot
from energy_index.settings import load_settings

MARTS = ["fct_task_usage_by_release", "fct_task_energy_trend", "fct_country_usage"]
CHART = "task_share_vs_energy_by_release.png"


@dg.asset(key=["reports", "economic_index_trend"], kinds={"duckdb"},
          deps=[dg.AssetKey(["marts", m]) for m in MARTS], pool="warehouse")
def economic_index_trend(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Which tasks gained share between Economic Index releases, and what that does to their energy.

    The releases loaded (tasks, share total, collaboration mix given or not); the tasks whose energy
    share moved most into the latest release; usage by country with its grid's intensity, where a
    long-format release is loaded (else why it is empty); and a chart of the top movers' share and
    energy in the latest two releases, an arrow per task, also saved as
    `reports/task_share_vs_energy_by_release.png` under ENERGY_INDEX_HOME.
    """
    with duckdb.get_connection() as conn:
        latest, previous = _latest_pair(conn)
        metadata = {
            "releases": preview_table(conn, """
                select release, any_value(published_on) published_on, count(*) tasks,
                    round(sum(share_pct), 3) share_sum_pct, count(directive_pct) tasks_with_collaboration_mix,
                    bool_or(is_current_release) is_current
                from marts.fct_task_usage_by_release group by release order by published_on""", limit=50),
            "top_movers": preview_table(conn, f"""
                select item task, previous_release, round(share_pct - share_pct_change, 4) previous_share_pct,
                    round(share_pct, 4) share_pct, round(energy_share_pct_change, 4) energy_share_change_pp,
                    round(energy_kwh_change, 3) energy_kwh_change, round(kgco2e_change, 3) kgco2e_change
                from marts.fct_task_energy_trend
                where level = 'task' and is_top_mover and release = '{latest}' order by mover_rank"""),
            "major_groups_moved": preview_table(conn, f"""
                select title, round(share_pct, 3) share_pct, round(share_pct_change, 3) share_change_pp,
                    round(energy_kwh, 2) energy_kwh from marts.fct_task_energy_trend
                where level = 'major_group' and release = '{latest}'
                order by abs(share_pct_change) desc nulls last"""),
            "country_usage": _country_usage(conn),
            "latest_release": latest or "none", "previous_release": previous or "none",
        }
        if latest and previous:
            metadata.update(_chart(conn, latest, previous))
    return dg.MaterializeResult(metadata=metadata)


def _latest_pair(conn) -> tuple[str | None, str | None]:
    row = conn.execute("""select release, previous_release from marts.fct_task_energy_trend
        order by published_on desc limit 1""").fetchone()
    return (row[0], row[1]) if row else (None, None)


def _country_usage(conn) -> dg.MetadataValue:
    """Usage by country against its grid; when there is none, why (an empty table says nothing)."""
    if conn.execute("select count(*) from marts.fct_country_usage").fetchone()[0]:
        return preview_table(conn, """
            select release, geo_id, country, round(usage_pct, 3) usage_pct, gco2e_per_kwh,
                round(kgco2e_at_country_grid, 3) kgco2e_at_country_grid
            from marts.fct_country_usage order by release desc, intensity_rank nulls last""")
    long = sorted(r.release for r in RELEASES.values() if r.layout == "long")
    rows, countries = conn.execute("""select count(*), count(*) filter (where geography = 'country')
        from staging.stg_aei__long_format""").fetchone()
    if not long:
        why = "no registered release is in the long format, the only one that gives usage by country"
    elif not rows:
        why = (f"usage by country comes from the long-format releases ({', '.join(long)}), and none of their "
               "files is loaded (not in the mirror, or not downloaded yet: see sources/economic_index_release_files)")
    elif not countries:
        why = f"the {rows} long-format rows loaded hold none by country (geography = 'country')"
    else:
        why = f"{countries} long-format rows by country are loaded, but none reached marts.fct_country_usage"
    return dg.MetadataValue.text(f"No usage by country: {why}.")


def _chart(conn, latest: str, previous: str) -> dict:
    """The top movers' share and energy in both releases (the rest of the tasks barely move, and a
    line each buried the movers under thousands near zero)."""
    rows = conn.execute("""
        select item, share_pct - share_pct_change, share_pct, energy_kwh - energy_kwh_change, energy_kwh
        from marts.fct_task_energy_trend where level = 'task' and release = ? and is_top_mover
        order by mover_rank""", [latest]).fetchall()
    if not rows:
        return {}
    moves = [{"label": r[0], "share_before": r[1], "share_after": r[2], "energy_before": r[3], "energy_after": r[4]}
             for r in rows]
    path = load_settings().home / "reports" / CHART
    path.parent.mkdir(parents=True, exist_ok=True)
    plot = moves_plot(moves, {"share": "share of conversations (%)", "energy": "energy, assumed volume (kWh)"},
                      f"Top {len(moves)} movers, {previous} (hollow) to {latest} (red)", path=path)
    return {"share_vs_energy": plot, "chart_file": dg.MetadataValue.url(url_for(path))}
