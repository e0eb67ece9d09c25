-- One row per measured configuration of a leaderboard-data release (v3), in the names and units
-- of stg_mlenergy__runs where the quantity is the same. Latencies are converted to seconds.
with source as (
    select * from {{ source('mlenergy', 'mlenergy_configurations') }}
),

precision_names as (
    -- every name a release may give a precision (its own and its aliases) -> the seed's name
    select precision, lower(precision) as name from {{ ref('weight_precisions') }}
    union
    select precision, lower(trim(unnest(string_split(aliases, ';')))) as name
    from {{ ref('weight_precisions') }}
    where aliases is not null
),

renamed as (
    select
        benchmark_release,
        task_family,
        task,
        case
            when task_family = 'llm_text_generation' then 'text'
            when task_family = 'mllm_text_generation' then 'multimodal_text'
            when task like '%image' then 'image'
            when task like '%video' then 'video'
            else 'other'
        end as modality,
        model_id as model,
        nickname as model_nickname,
        cast(total_params_billions as double) as params_billion,
        cast(activated_params_billions as double) as active_params_billion,
        architecture,
        coalesce(precision_names.precision, source.weight_precision) as weight_precision,
        gpu_model as gpu,
        cast(num_gpus as integer) as num_gpus,
        cast(tensor_parallel as integer) as tensor_parallel,
        cast(expert_parallel as integer) as expert_parallel,
        cast(data_parallel as integer) as data_parallel,
        cast(ring_degree as integer) as ring_degree,
        cast(ulysses_degree as integer) as ulysses_degree,
        cast(batch_size as integer) as batch_size,
        cast(max_num_seqs as integer) as max_batch_size_reqs,
        cast(avg_batch_size as double) as avg_batch_size_reqs,
        cast(inference_steps as integer) as denoising_steps,
        cast(num_frames as integer) as frames,
        cast(fps as integer) as fps,
        coalesce(image_width, video_width) || 'x' || coalesce(image_height, video_height) as resolution,
        cast(batch_latency_s as double) as batch_latency_s,
        cast(median_itl_ms as double) / 1000 as median_itl_s,
        cast(p90_itl_ms as double) / 1000 as p90_itl_s,
        cast(p95_itl_ms as double) / 1000 as p95_itl_s,
        cast(p99_itl_ms as double) / 1000 as p99_itl_s,
        cast(output_throughput_tokens_per_sec as double) as token_throughput_tok_s,
        cast(avg_output_len as double) as avg_output_tokens,
        cast(avg_power_watts as double) as avg_power_w,
        cast(energy_per_token_joules as double) as energy_per_output_token_j,
        cast(energy_per_request_joules as double) as energy_per_request_j,
        cast(energy_per_image_joules as double) as energy_per_image_j,
        cast(energy_per_video_joules as double) as energy_per_video_j,
        source_configuration as source_path,
        source_commit
    from source
    left join precision_names
        on lower(source.weight_precision) = precision_names.name
),

identified as (
    -- the configuration's knobs spelled like v2's config names; the file position keeps two
    -- measurements of the same knobs apart (the task files hold a few such repeats)
    select
        *,
        case
            when task_family = 'diffusion' then
                'bs' || batch_size || '+steps' || denoising_steps || '+' || resolution
                || coalesce('+frames' || frames, '') || '+ring' || ring_degree || '+ulysses' || ulysses_degree
            else
                'seqs' || max_batch_size_reqs || '+tp' || tensor_parallel || '+ep' || expert_parallel
                || '+dp' || data_parallel
        end as config
    from renamed
)

select
    benchmark_release || '/' || task_family || '/' || task || '/' || gpu || '/' || model || '/' || config
    || '#' || regexp_extract(source_path, '#(\d+)$', 1) as run_id,
    *
from identified
