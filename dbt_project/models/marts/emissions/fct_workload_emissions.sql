-- CO2e per unit of work (request, image, video) for every benchmark run under every
-- emission factor (int_emissions__grid_factors: each company x fiscal year and each Google
-- Cloud region x year), as energy x PUE x factor, location- and market-based side by side.
with runs as (
    select run_id, benchmark_release, task_family, task, modality, model, gpu, accelerator, config, energy_j,
        energy_unit
    from {{ ref('fct_workload_energy') }}
),

factors as (
    select * from {{ ref('int_emissions__grid_factors') }}
),

emissions as (
    select
        runs.*,
        factors.*,
        runs.energy_j / 3600000 as energy_kwh,
        runs.energy_j / 3600000 * factors.pue * factors.location_kg_per_kwh * 1000 as location_gco2e_per_unit,
        runs.energy_j / 3600000 * factors.pue * factors.market_kg_per_kwh * 1000 as market_gco2e_per_unit
    from runs
    cross join factors
)

select * from emissions
