-- One row per run on the older (reference) GPU of a release whose configuration the newer
-- (compared) GPU measured too: both energies side by side, with their ratio. v2 pairs A100 with
-- H100, v3 H100 with B200. "Older" is the GPU of lower peak dense throughput (the
-- accelerator_peak_flops seed). Both runs of a pair do the same work in the same unit (a request,
-- an image or a video) with the same serving knobs, so the ratio compares like with like.
-- Latency (diffusion), time per output token (v2 text) and median inter-token latency (v3 text)
-- are carried where measured.
with runs as (
    select * from {{ ref('fct_workload_energy') }}
),

peak_flops as (
    select
        upper(split_part(accelerator, '-', 1)) as accelerator,
        max(peak_dense_tflops) as peak_dense_tflops
    from {{ ref('accelerator_peak_flops') }}
    group by 1
),

ranked_runs as (
    select
        runs.*,
        peak_flops.peak_dense_tflops
    from runs
    inner join peak_flops
        on runs.accelerator = peak_flops.accelerator
),

paired as (
    select
        reference.benchmark_release,
        reference.task_family,
        reference.task,
        reference.modality,
        reference.model,
        reference.model_nickname,
        reference.weight_precision,
        reference.config,
        reference.energy_unit,
        reference.gpu as reference_gpu,
        compared.gpu as compared_gpu,
        reference.accelerator || ' to ' || compared.accelerator as gpu_pair,
        reference.energy_j as reference_energy_j,
        compared.energy_j as compared_energy_j,
        reference.batch_latency_s as reference_batch_latency_s,
        compared.batch_latency_s as compared_batch_latency_s,
        reference.avg_tpot_s as reference_avg_tpot_s,
        compared.avg_tpot_s as compared_avg_tpot_s,
        reference.median_itl_s as reference_median_itl_s,
        compared.median_itl_s as compared_median_itl_s,
        reference.run_id as reference_run_id,
        compared.run_id as compared_run_id,
        -- every run on the older GPU gets one counterpart: where the newer GPU measured the
        -- configuration twice, its first measurement in the file (shorter ids first: #9 before #10)
        row_number() over (
            partition by reference.run_id, compared.accelerator
            order by length(compared.run_id), compared.run_id
        ) as compared_rank
    from ranked_runs as reference
    inner join ranked_runs as compared
        on reference.benchmark_release = compared.benchmark_release
        and reference.task_family = compared.task_family
        and reference.task = compared.task
        and reference.model = compared.model
        and reference.config = compared.config
        and reference.num_gpus = compared.num_gpus
        -- the same task always has the same unit; joining on it guards the ratio anyway
        and reference.energy_unit = compared.energy_unit
        and reference.peak_dense_tflops < compared.peak_dense_tflops
),

final as (
    select
        benchmark_release,
        gpu_pair,
        task_family,
        task,
        modality,
        model,
        model_nickname,
        weight_precision,
        config,
        energy_unit,
        reference_gpu,
        compared_gpu,
        reference_energy_j,
        compared_energy_j,
        compared_energy_j / reference_energy_j as compared_to_reference_ratio,
        reference_batch_latency_s,
        compared_batch_latency_s,
        reference_avg_tpot_s,
        compared_avg_tpot_s,
        reference_median_itl_s,
        compared_median_itl_s,
        reference_run_id,
        compared_run_id
    from paired
    where compared_rank = 1
)

select * from final
