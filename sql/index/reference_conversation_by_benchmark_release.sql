-- How much energy and CO2e does one conversation take with the reference scenario's model, on each
-- GPU of each ML.ENERGY release that measured it? Requests per conversation, PUE and the world-average
-- grid come from marts.dim_assumptions; each scenario is its lowest-energy configuration within the
-- latency limit.
with assumptions as (
    select
        max(value) filter (where name = 'requests_per_conversation')::double as requests_per_conversation,
        max(value) filter (where name = 'default_pue')::double as pue,
        max(value) filter (where name = 'world_average_grid_kg_per_kwh')::double as grid_kg_per_kwh
    from marts.dim_assumptions
),

reference_model as (
    select distinct model_key
    from intermediate.int_energy__chat_scenarios
    where is_reference
)

select
    scenarios.benchmark_release,
    scenarios.model,
    scenarios.gpu,
    scenarios.config,
    scenarios.is_reference,
    round(scenarios.energy_per_request_j * assumptions.requests_per_conversation / 3600, 4)
        as energy_wh_per_conversation,
    round(scenarios.energy_per_request_j * assumptions.requests_per_conversation / 3600
        * assumptions.pue * assumptions.grid_kg_per_kwh, 4) as co2e_g_per_conversation
from intermediate.int_energy__chat_scenarios as scenarios
cross join assumptions
where scenarios.model_key in (select model_key from reference_model)
order by scenarios.benchmark_release, scenarios.gpu
