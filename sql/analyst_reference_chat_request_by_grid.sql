-- How much does the grid change the CO2e of one reference chat request? The reference scenario's
-- run (see marts.dim_assumptions; its release is the latest that measured the reference model) on
-- the five cleanest and five dirtiest country grids, and on each
-- Google Cloud region's latest year, location-based, lowest first.
with reference as (
    select distinct run_id
    from analyst.energy_per_task
    where is_reference_scenario
),

latest_regions as (
    select cloud_region, year
    from analyst.grid_carbon_by_region
    where is_latest_year
),

reference_emissions as (
    select emissions.*
    from analyst.workload_emissions as emissions
    inner join reference using (run_id)
),

ranked_countries as (
    select
        *,
        row_number() over (order by location_gco2e_per_unit) as cleanest_rank,
        row_number() over (order by location_gco2e_per_unit desc) as dirtiest_rank
    from reference_emissions
    where factor_source = 'country'
),

regions as (
    select reference_emissions.*
    from reference_emissions
    inner join latest_regions
        on latest_regions.cloud_region = reference_emissions.factor_entity
        and latest_regions.year = reference_emissions.factor_year
    where reference_emissions.factor_source = 'cloud_region'
)

select
    factor_source,
    factor_entity,
    factor_year,
    model,
    gpu,
    round(energy_wh_per_unit, 4) as energy_wh_per_request,
    pue,
    round(location_kgco2e_per_kwh, 4) as location_kgco2e_per_kwh,
    round(location_gco2e_per_unit, 4) as location_gco2e_per_request
from ranked_countries
where cleanest_rank <= 5 or dirtiest_rank <= 5
union all
select
    factor_source,
    factor_entity,
    factor_year,
    model,
    gpu,
    round(energy_wh_per_unit, 4),
    pue,
    round(location_kgco2e_per_kwh, 4),
    round(location_gco2e_per_unit, 4)
from regions
order by location_gco2e_per_request, factor_entity
