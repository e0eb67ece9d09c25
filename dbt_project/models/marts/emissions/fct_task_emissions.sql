-- The Economic Index task energy of the reference scenario turned into CO2e with each
-- company's factors, the same way as workloads: energy x PUE x factor, both bases.
with task_energy as (
    select * from {{ ref('fct_task_energy') }}
    where is_reference
),

factors as (
    select * from {{ ref('int_corporate__company_factors') }}
),

emissions as (
    select
        task_energy.release,
        task_energy.task_name,
        task_energy.share_pct,
        task_energy.scenario_id,
        task_energy.conversation_volume,
        task_energy.energy_kwh,
        factors.company,
        factors.fiscal_year,
        factors.pue,
        factors.pue_source,
        factors.location_kg_per_kwh,
        factors.market_kg_per_kwh,
        task_energy.energy_kwh * factors.pue * factors.location_kg_per_kwh as location_kgco2e,
        task_energy.energy_kwh * factors.pue * factors.market_kg_per_kwh as market_kgco2e
    from task_energy
    cross join factors
)

select * from emissions
