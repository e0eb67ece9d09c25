-- One row per (task family, task, model, config) measured on both GPUs: the energy of the
-- A100 and the H100 run side by side, with their ratio. Both runs of a pair do the same work
-- in the same unit (a request, an image or a video), so the ratio compares like with like.
-- Latency (diffusion) and time per output token (text generation) are carried where measured.
with runs as (
    select * from {{ ref('fct_workload_energy') }}
),

a100 as (
    select * from runs
    where gpu = 'A100-SXM4-40GB'
),

h100 as (
    select * from runs
    where gpu = 'H100 80GB HBM3'
),

paired as (
    select
        a100.task_family,
        a100.task,
        a100.modality,
        a100.model,
        a100.model_nickname,
        a100.config,
        a100.energy_unit,
        a100.energy_j as a100_energy_j,
        h100.energy_j as h100_energy_j,
        a100.batch_latency_s as a100_batch_latency_s,
        h100.batch_latency_s as h100_batch_latency_s,
        a100.avg_tpot_s as a100_avg_tpot_s,
        h100.avg_tpot_s as h100_avg_tpot_s,
        a100.run_id as a100_run_id,
        h100.run_id as h100_run_id
    from a100
    inner join h100
        on a100.task_family = h100.task_family
        and a100.task = h100.task
        and a100.model = h100.model
        and a100.config = h100.config
        -- the same task always has the same unit; joining on it guards the ratio anyway
        and a100.energy_unit = h100.energy_unit
),

final as (
    select
        task_family,
        task,
        modality,
        model,
        model_nickname,
        config,
        energy_unit,
        a100_energy_j,
        h100_energy_j,
        h100_energy_j / a100_energy_j as h100_to_a100_ratio,
        a100_batch_latency_s,
        h100_batch_latency_s,
        a100_avg_tpot_s,
        h100_avg_tpot_s,
        a100_run_id,
        h100_run_id
    from paired
)

select * from final
