"""What a person wants to see of the Economic Index marts, as asset metadata and a chart file."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from energy_index.files import url_for
from energy_index.metadata_tables import preview_table
from energy_index.plots import paired_bar_plot
from energy_index.settings import load_settings

MARTS = ["fct_task_usage", "fct_occupation_usage", "fct_occupation_energy", "dim_assumptions"]


@dg.asset(key=["reports", "economic_index_usage"], kinds={"duckdb"},
          deps=[dg.AssetKey(["marts", m]) for m in MARTS], pool="warehouse")
def economic_index_usage(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Summary of where Claude conversations go and what they cost in energy, for the UI.

    Match rate of task names to O*NET statements, top tasks and occupations by share,
    conversation share against BLS employment share per SOC major group (a chart, also saved
    as `reports/conversation_vs_employment_share.png` under ENERGY_INDEX_HOME), the
    top major groups by energy under the reference scenario, and the assumptions used.
    """
    with duckdb.get_connection() as conn:
        matched, total = conn.execute(
            "select count(*) filter (where is_matched), count(*) from marts.fct_task_usage").fetchone()
        groups = conn.execute("""
            select title, conversation_share_pct, employment_share_pct from marts.fct_occupation_usage
            where level = 'major_group' order by conversation_share_pct desc""").fetchall()
        metadata = {
            "match_rate": dg.MetadataValue.float(round(matched / total, 6) if total else 0.0),
            "tasks_matched": f"{matched} of {total}",
            "top_tasks": preview_table(conn, """
                select task_name, round(share_pct, 3) share_pct, n_occupations from marts.fct_task_usage
                order by share_pct desc"""),
            "top_occupations": preview_table(conn, """
                select title, code, round(conversation_share_pct, 3) share_pct, median_annual_wage
                from marts.fct_occupation_usage where level = 'occupation' order by conversation_share_pct desc"""),
            "reference_scenario_energy_by_major_group": preview_table(conn, """
                select title, scenario_id, round(energy_kwh, 2) kwh_per_volume from marts.fct_occupation_energy
                where is_reference and level = 'major_group' order by energy_kwh desc"""),
            "assumptions": preview_table(
                conn, "select name, value, unit from marts.dim_assumptions", limit=50),
        }
    chart = load_settings().home / "reports" / "conversation_vs_employment_share.png"
    chart.parent.mkdir(parents=True, exist_ok=True)
    metadata["share_vs_employment"] = paired_bar_plot(
        [g[0].replace(" Occupations", "") for g in groups], [g[1] for g in groups], [g[2] or 0 for g in groups],
        ("conversation share", "employment share"), "Claude conversations vs US employment, by SOC major group",
        path=chart)
    metadata["chart_file"] = dg.MetadataValue.url(url_for(chart))
    return dg.MaterializeResult(metadata=metadata)
