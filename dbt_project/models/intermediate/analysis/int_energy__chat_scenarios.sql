-- One serving scenario per (chat model, GPU) in the benchmark: the lowest-energy configuration
-- whose time per output token meets the tpot_limit_s assumption. A pair with no configuration
-- under the limit keeps its fastest configuration, flagged meets_latency_limit = false.
with chat_runs as (
    select *
    from {{ ref('fct_workload_energy') }}
    where task_family = 'llm_text_generation' and task = 'chat'
),

ranked as (
    select
        *,
        avg_tpot_s <= {{ assumption('tpot_limit_s') }} as meets_latency_limit,
        row_number() over (
            partition by model, gpu
            order by (avg_tpot_s <= {{ assumption('tpot_limit_s') }}) desc,
                case when avg_tpot_s <= {{ assumption('tpot_limit_s') }} then energy_per_request_j end,
                avg_tpot_s,
                run_id
        ) as preference
    from chat_runs
),

scenarios as (
    select
        model || ' | ' || gpu as scenario_id,
        model,
        gpu,
        config,
        run_id,
        energy_per_request_j,
        avg_tpot_s,
        avg_output_tokens,
        meets_latency_limit,
        model = {{ assumption('reference_model', 'varchar') }}
            and gpu = {{ assumption('reference_gpu', 'varchar') }} as is_reference
    from ranked
    where preference = 1
)

select * from scenarios
