-- How much energy and CO2e does the Energy Index pipeline itself use, per asset and day?
-- CodeCarbon's measurements of every step, summed.
with footprint as (
    select * from {{ ref('fct_pipeline_emissions') }}
),

final as (
    select
        asset_key,
        day,
        runs,
        energy_wh,
        cpu_wh as cpu_energy_wh,
        ram_wh as ram_energy_wh,
        gpu_wh as gpu_energy_wh,
        gco2e as co2e_g,
        duration_s,
        failed_steps,
        countries as grid_countries,
        modes as measurement_modes
    from footprint
)

select * from final
