-- What our own pipeline used, per asset and day: the sum of every recorded step's share. A view,
-- so it includes the steps recorded after dbt ran in the same refresh.
{{ config(materialized='view') }}

with steps as (
    select * from {{ source('footprint', 'pipeline_emissions') }}
),

daily as (
    select
        asset_key,
        cast(recorded_at as date) as day,
        count(distinct run_id) as runs,
        sum(energy_kwh) * 1000 as energy_wh,
        sum(cpu_kwh) * 1000 as cpu_wh,
        sum(ram_kwh) * 1000 as ram_wh,
        sum(gpu_kwh) * 1000 as gpu_wh,
        sum(gco2e) as gco2e,
        sum(duration_s) as duration_s,
        count(*) filter (where outcome = 'failed') as failed_steps,
        string_agg(distinct coalesce(country_iso, 'world average'), ', ') as countries,
        string_agg(distinct mode, ' | ') as modes
    from steps
    group by 1, 2
)

select * from daily
