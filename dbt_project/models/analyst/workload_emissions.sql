-- How much CO2e does one unit of work emit on a given grid? Every benchmark run under every
-- emission factor (a company's fiscal year, a Google Cloud region's year, or a country), as
-- energy x PUE x factor, location- and market-based side by side.
with emissions as (
    select * from {{ ref('fct_workload_emissions') }}
),

final as (
    select
        run_id,
        task_family,
        task,
        modality,
        model,
        gpu,
        config as serving_config,
        replace(energy_unit, 'J/', '') as unit_of_work,
        factor_source,
        factor_entity,
        factor_year,
        pue,
        pue_source,
        location_kg_per_kwh as location_kgco2e_per_kwh,
        market_kg_per_kwh as market_kgco2e_per_kwh,
        energy_kwh * 1000 as energy_wh_per_unit,
        location_gco2e_per_unit,
        market_gco2e_per_unit
    from emissions
)

select * from final
