-- One row per benchmark run with its per-unit energy and a Low/Medium/High label.
-- energy_j is the max of the per-video, per-image and per-request energies, as the original
-- analysis defined it; labels are tertiles of ln(1 + energy_j) over all runs, with the
-- same linear-interpolated cut points as pandas.qcut.
with runs as (
    select * from {{ ref('stg_mlenergy__runs') }}
),

models as (
    select * from {{ ref('stg_mlenergy__models') }}
),

energy as (
    select
        runs.*,
        greatest(energy_per_video_j, energy_per_image_j, energy_per_request_j) as energy_j,
        case
            when energy_per_video_j is not null then 'J/video'
            when energy_per_image_j is not null then 'J/image'
            else 'J/request'
        end as energy_unit,
        case
            when task_family in ('llm_text_generation', 'mllm_text_generation') and avg_output_tokens > 0
                then energy_per_request_j / avg_output_tokens
        end as energy_per_output_token_j
    from runs
),

cut_points as (
    select
        quantile_cont(ln(1 + energy_j), 1 / 3) as low_upper,
        quantile_cont(ln(1 + energy_j), 2 / 3) as medium_upper
    from energy
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
    cross join cut_points
),

final as (
    select
        labelled.run_id,
        labelled.task_family,
        labelled.task,
        labelled.modality,
        labelled.model,
        models.nickname as model_nickname,
        models.params_billion,
        labelled.gpu,
        labelled.config,
        labelled.tensor_parallel,
        labelled.pipeline_parallel,
        labelled.batch_size,
        labelled.max_batch_size_reqs,
        labelled.avg_batch_size_reqs,
        labelled.denoising_steps,
        labelled.frames,
        labelled.batch_latency_s,
        labelled.avg_tpot_s,
        labelled.token_throughput_tok_s,
        labelled.avg_output_tokens,
        labelled.energy_per_request_j,
        labelled.energy_per_image_j,
        labelled.energy_per_video_j,
        labelled.energy_j,
        labelled.energy_unit,
        labelled.energy_per_output_token_j,
        labelled.log_energy,
        labelled.energy_label,
        labelled.source_path,
        labelled.source_commit
    from labelled
    left join models
        on labelled.task_family = models.task_family
        and labelled.task = models.task
        and labelled.model = models.model
)

select * from final
