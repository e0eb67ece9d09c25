with source as (
    select * from {{ source('mlenergy', 'mlenergy_runs') }}
),

renamed as (
    select
        task_family || '/' || task || '/' || gpu_name || '/' || model_id || '/' || config as run_id,
        task_family,
        task,
        case
            when task_family = 'llm_text_generation' then 'text'
            when task_family = 'mllm_text_generation' then 'multimodal_text'
            when task = 'text-to-image' then 'image'
            when task in ('text-to-video', 'image-to-video') then 'video'
            else 'other'
        end as modality,
        model_id as model,
        gpu_name as gpu,
        config,
        cast("TP" as integer) as tensor_parallel,
        cast("PP" as integer) as pipeline_parallel,
        cast("Batch size" as integer) as batch_size,
        cast("Max BS (reqs)" as integer) as max_batch_size_reqs,
        cast("Avg BS (reqs)" as double) as avg_batch_size_reqs,
        cast("Denoising steps" as integer) as denoising_steps,
        cast("Frames" as integer) as frames,
        cast("Batch latency (s)" as double) as batch_latency_s,
        cast("Avg TPOT (s)" as double) as avg_tpot_s,
        cast("Token tput (tok/s)" as double) as token_throughput_tok_s,
        cast("Avg Output Tokens" as double) as avg_output_tokens,
        cast("Energy/req (J)" as double) as energy_per_request_j,
        cast("Energy/image (J)" as double) as energy_per_image_j,
        cast("Energy/video (J)" as double) as energy_per_video_j,
        source_path,
        source_commit,
        benchmark_release
    from source
)

select * from renamed
