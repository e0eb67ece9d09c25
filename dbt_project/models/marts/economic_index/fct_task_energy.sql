-- Energy per task under every chat serving scenario, for the conversation volume assumed:
--   conversations = share_pct / 100 x conversation_volume
--   energy_j      = conversations x requests_per_conversation x energy_per_request_j
-- One row per (task, scenario); is_reference marks the documented reference scenario.
with tasks as (
    select * from {{ ref('fct_task_usage') }}
),

scenarios as (
    select * from {{ ref('int_energy__chat_scenarios') }}
),

parameters as (
    select
        {{ assumption('conversation_volume') }} as conversation_volume,
        {{ assumption('requests_per_conversation') }} as requests_per_conversation
),

energy as (
    select
        tasks.release,
        tasks.task_name,
        tasks.share_pct,
        tasks.is_matched,
        scenarios.scenario_id,
        scenarios.benchmark_release,
        scenarios.run_id,
        scenarios.model,
        scenarios.gpu,
        scenarios.config,
        scenarios.is_reference,
        scenarios.meets_latency_limit,
        scenarios.energy_per_request_j,
        parameters.conversation_volume,
        parameters.requests_per_conversation,
        tasks.share_pct / 100 * parameters.conversation_volume as conversations,
        tasks.share_pct / 100 * parameters.conversation_volume * parameters.requests_per_conversation
            * scenarios.energy_per_request_j as energy_j
    from tasks
    cross join scenarios
    cross join parameters
)

select *, energy_j / 3600000 as energy_kwh from energy
