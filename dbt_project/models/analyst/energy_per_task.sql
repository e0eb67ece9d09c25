-- How much energy does each Economic Index task's AI use cost, under each chat serving scenario?
-- One row per task and scenario (a chat model on a GPU, its lowest-energy configuration within the
-- latency limit), for the assumed conversation volume (marts.dim_assumptions).
with task_energy as (
    select * from {{ ref('fct_task_energy') }}
),

final as (
    select
        release as aei_release,
        task_name,
        is_matched as task_matches_onet_statement,
        share_pct as conversation_share_pct,
        scenario_id,
        benchmark_release,
        run_id,
        model,
        gpu,
        config as serving_config,
        is_reference as is_reference_scenario,
        meets_latency_limit,
        energy_per_request_j / 3600 as energy_wh_per_request,
        requests_per_conversation,
        energy_per_request_j * requests_per_conversation / 3600 as energy_wh_per_conversation,
        conversation_volume as assumed_conversation_volume,
        conversations as task_conversations,
        energy_kwh as task_energy_kwh
    from task_energy
)

select * from final
