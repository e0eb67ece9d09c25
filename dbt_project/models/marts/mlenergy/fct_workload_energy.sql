-- One row per benchmark run of every ML.ENERGY release, in one set of columns and units.
-- energy_j is the max of the per-video, per-image and per-request energies, as the original
-- analysis defined it; labels are tertiles of ln(1 + energy_j) within each release (so a new
-- release never relabels an older one's runs), with the same linear-interpolated cut points as
-- pandas.qcut. v2 states neither precision, architecture nor active parameters (null here);
-- v3 states inter-token latency percentiles instead of v2's mean time per output token.
with v2_runs as (
    select * from {{ ref('stg_mlenergy__runs') }}
),

v2_models as (
    select * from {{ ref('stg_mlenergy__models') }}
),

v3_configurations as (
    select * from {{ ref('stg_mlenergy__configurations') }}
),

v2 as (
    select
        v2_runs.run_id,
        v2_runs.benchmark_release,
        v2_runs.task_family,
        v2_runs.task,
        v2_runs.modality,
        v2_runs.model,
        v2_models.nickname as model_nickname,
        v2_models.params_billion,
        cast(null as double) as active_params_billion,
        cast(null as varchar) as architecture,
        cast(null as varchar) as weight_precision,
        v2_runs.gpu,
        coalesce(v2_runs.tensor_parallel, 1) * coalesce(v2_runs.pipeline_parallel, 1) as num_gpus,
        v2_runs.config,
        v2_runs.tensor_parallel,
        v2_runs.pipeline_parallel,
        cast(null as integer) as expert_parallel,
        cast(null as integer) as data_parallel,
        v2_runs.batch_size,
        v2_runs.max_batch_size_reqs,
        v2_runs.avg_batch_size_reqs,
        v2_runs.denoising_steps,
        v2_runs.frames,
        v2_models.resolution,
        v2_runs.batch_latency_s,
        v2_runs.avg_tpot_s,
        cast(null as double) as median_itl_s,
        cast(null as double) as p90_itl_s,
        cast(null as double) as p95_itl_s,
        cast(null as double) as p99_itl_s,
        v2_runs.token_throughput_tok_s,
        v2_runs.avg_output_tokens,
        cast(null as double) as avg_power_w,
        v2_runs.energy_per_request_j,
        v2_runs.energy_per_image_j,
        v2_runs.energy_per_video_j,
        case
            when v2_runs.task_family in ('llm_text_generation', 'mllm_text_generation')
                and v2_runs.avg_output_tokens > 0
                then v2_runs.energy_per_request_j / v2_runs.avg_output_tokens
        end as energy_per_output_token_j,
        v2_runs.source_path,
        v2_runs.source_commit
    from v2_runs
    left join v2_models
        on v2_runs.task_family = v2_models.task_family
        and v2_runs.task = v2_models.task
        and v2_runs.model = v2_models.model
),

v3 as (
    select
        run_id,
        benchmark_release,
        task_family,
        task,
        modality,
        model,
        model_nickname,
        params_billion,
        active_params_billion,
        architecture,
        weight_precision,
        gpu,
        num_gpus,
        config,
        tensor_parallel,
        cast(null as integer) as pipeline_parallel,
        expert_parallel,
        data_parallel,
        batch_size,
        max_batch_size_reqs,
        avg_batch_size_reqs,
        denoising_steps,
        frames,
        resolution,
        batch_latency_s,
        cast(null as double) as avg_tpot_s,
        median_itl_s,
        p90_itl_s,
        p95_itl_s,
        p99_itl_s,
        token_throughput_tok_s,
        avg_output_tokens,
        avg_power_w,
        energy_per_request_j,
        energy_per_image_j,
        energy_per_video_j,
        energy_per_output_token_j,
        source_path,
        source_commit
    from v3_configurations
),

runs as (
    select * from v2
    union all by name
    select * from v3
),

energy as (
    select
        runs.*,
        {{ model_key('runs.model') }} as model_key,
        upper(regexp_extract(gpu, '^[A-Za-z]+[0-9]+', 0)) as accelerator,
        greatest(energy_per_video_j, energy_per_image_j, energy_per_request_j) as energy_j,
        case
            when energy_per_video_j is not null then 'J/video'
            when energy_per_image_j is not null then 'J/image'
            else 'J/request'
        end as energy_unit
    from runs
    cross join {{ model_name_word_list() }} as words
),

cut_points as (
    select
        benchmark_release,
        quantile_cont(ln(1 + energy_j), 1 / 3) as low_upper,
        quantile_cont(ln(1 + energy_j), 2 / 3) as medium_upper
    from energy
    group by benchmark_release
),

labelled as (
    select
        energy.*,
        ln(1 + energy_j) as log_energy,
        case
            when ln(1 + energy_j) <= cut_points.low_upper then 'Low'
            when ln(1 + energy_j) <= cut_points.medium_upper then 'Medium'
            else 'High'
        end as energy_label
    from energy
    inner join cut_points
        on energy.benchmark_release = cut_points.benchmark_release
),

final as (
    select
        run_id,
        benchmark_release,
        task_family,
        task,
        modality,
        model,
        model_key,
        model_nickname,
        params_billion,
        active_params_billion,
        architecture,
        weight_precision,
        gpu,
        accelerator,
        num_gpus,
        config,
        tensor_parallel,
        pipeline_parallel,
        expert_parallel,
        data_parallel,
        batch_size,
        max_batch_size_reqs,
        avg_batch_size_reqs,
        denoising_steps,
        frames,
        resolution,
        batch_latency_s,
        avg_tpot_s,
        median_itl_s,
        p90_itl_s,
        p95_itl_s,
        p99_itl_s,
        token_throughput_tok_s,
        avg_output_tokens,
        avg_power_w,
        energy_per_request_j,
        energy_per_image_j,
        energy_per_video_j,
        energy_j,
        energy_unit,
        energy_per_output_token_j,
        log_energy,
        energy_label,
        source_path,
        source_commit
    from labelled
)

select * from final
