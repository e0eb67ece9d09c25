"""The footprint, the country grids and the accuracy-carbon trade-offs in the full fixture refresh."""

from __future__ import annotations

from energy_index_tests.fixtures.pipeline import published, query, scalar
from energy_index_tests.test_ratings_pipeline import rate


def test_every_step_of_the_refresh_is_recorded(built_home):
    warehouse = built_home / "warehouse.duckdb"
    jobs = dict(query(warehouse, "select job_name, count(distinct step_key) from raw.pipeline_emissions group by 1"))
    assert jobs["refresh_everything"] >= 20 and jobs["refresh_corporate_reports"] >= 1
    assert scalar(warehouse, "select count(*) from raw.pipeline_emissions where energy_kwh > 0 and gco2e > 0") > 0
    # a multi-asset step's shares add up to the step
    assert scalar(warehouse, """select max(abs(total - 1)) from (select sum(step_share) as total
        from raw.pipeline_emissions group by run_id, step_key)""") < 1e-9
    assert scalar(published(built_home), "select count(*) from marts.fct_pipeline_emissions") > 0


def test_country_grids_are_loaded_and_joined(built_home):
    analytics = published(built_home)
    france, poland = (scalar(analytics, f"select gco2e_per_kwh from marts.dim_country_carbon_intensity "
                                        f"where iso_code = '{code}'") for code in ("FRA", "POL"))
    assert 0 < france < poland
    assert scalar(analytics, "select count(*) from marts.dim_country_carbon_intensity") >= 150
    same_run = query(analytics, """select factor_entity, location_gco2e_per_unit from marts.fct_workload_emissions
        where factor_source = 'country' and factor_entity in ('France', 'Poland')
          and run_id = (select min(run_id) from marts.fct_workload_emissions) order by 1""")
    assert [entity for entity, _ in same_run] == ["France", "Poland"] and same_run[0][1] < same_run[1][1]
    model = query(analytics, """select model from marts.fct_model_ratings where phase = 'inference'
        and task = 'chat' order by model limit 1""")[0][0]
    done = rate(built_home, model, "--task", "chat", "--region", "France")
    assert done.returncode == 0 and "France" in done.stdout


def test_accuracy_against_carbon_for_every_fitted_model(built_home):
    analytics = published(built_home)
    kinds = dict(query(analytics, "select kind, count(*) from marts.fct_model_tradeoffs group by 1"))
    assert kinds["classifier"] >= 3 and kinds["regressor"] >= 2
    assert scalar(analytics, "select count(*) from marts.fct_model_tradeoffs where fit_gco2e > 0") == sum(kinds.values())
    assert scalar(analytics, "select count(*) from marts.fct_model_tradeoffs where on_pareto_front") >= 2
    assert scalar(analytics, "select count(*) from marts.low_carbon_leaders where low_carbon_leader") == 2
