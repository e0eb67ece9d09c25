-- One serving scenario per (release, chat model, GPU) in the benchmark: the lowest-energy
-- configuration whose time per output token (v2 average TPOT, v3 median inter-token latency)
-- meets the tpot_limit_s assumption. A pair with no configuration under the limit keeps its
-- fastest configuration, flagged meets_latency_limit = false. Each release's chat task is the
-- one its registry row names (v2 `chat`, v3 `lm-arena-chat`).
-- The reference scenario is the reference model (matched by model_key) on the reference GPU
-- (matched by accelerator) in the release the reference_benchmark_release assumption names, or,
-- when it says `latest`, the most recent release that measured that model on that GPU.
with releases as (
    select * from {{ ref('mlenergy_releases') }}
),

chat_runs as (
    select
        runs.*,
        coalesce(runs.avg_tpot_s, runs.median_itl_s) as time_per_token_s,
        releases.published_on
    from {{ ref('fct_workload_energy') }} as runs
    inner join releases
        on runs.benchmark_release = releases.release
        and runs.task = releases.chat_task
    where runs.task_family = 'llm_text_generation'
),

reference_key as (
    select
        {{ model_key(assumption('reference_model', 'varchar')) }} as model_key,
        upper(regexp_extract({{ assumption('reference_gpu', 'varchar') }}, '^[A-Za-z]+[0-9]+', 0)) as accelerator,
        {{ assumption('reference_benchmark_release', 'varchar') }} as release_choice
    from {{ model_name_word_list() }} as words
),

reference_release as (
    -- the named release, or the latest one that measured the reference model on the reference GPU
    select
        case
            when any_value(reference_key.release_choice) = 'latest'
                then arg_max(chat_runs.benchmark_release, chat_runs.published_on)
            else any_value(reference_key.release_choice)
        end as benchmark_release
    from reference_key
    left join chat_runs
        on chat_runs.model_key = reference_key.model_key
        and chat_runs.accelerator = reference_key.accelerator
),

ranked as (
    select
        *,
        time_per_token_s <= {{ assumption('tpot_limit_s') }} as meets_latency_limit,
        row_number() over (
            partition by benchmark_release, model, gpu
            order by (time_per_token_s <= {{ assumption('tpot_limit_s') }}) desc,
                case when time_per_token_s <= {{ assumption('tpot_limit_s') }} then energy_per_request_j end,
                time_per_token_s,
                run_id
        ) as preference
    from chat_runs
),

scenarios as (
    select
        ranked.benchmark_release || ': ' || ranked.model || ' | ' || ranked.gpu as scenario_id,
        ranked.benchmark_release,
        ranked.model,
        ranked.model_key,
        ranked.gpu,
        ranked.config,
        ranked.run_id,
        ranked.energy_per_request_j,
        ranked.avg_tpot_s,
        ranked.median_itl_s,
        ranked.time_per_token_s,
        ranked.avg_output_tokens,
        ranked.meets_latency_limit,
        coalesce(
            ranked.model_key = reference_key.model_key
            and ranked.accelerator = reference_key.accelerator
            and ranked.benchmark_release = reference_release.benchmark_release,
            false
        ) as is_reference
    from ranked
    cross join reference_key
    cross join reference_release
    where ranked.preference = 1
)

select * from scenarios
