-- What does serving the FP8 (or MXFP4) checkpoint of a model save against its BF16 weights, on
-- the same GPU, task and serving configuration? A lower-precision checkpoint is matched to its
-- BF16 original by name (its model_key extends the original's, e.g. `...-2507-fp8`) and by
-- parameter count. One row per pair of runs; ratio below 1: the low precision uses less energy.
with runs as (
    select * from marts.fct_workload_energy
    where weight_precision is not null
),

bf16 as (
    select * from runs where weight_precision = 'bfloat16'
),

lower_precision as (
    select * from runs where weight_precision <> 'bfloat16'
)

select
    lower_precision.benchmark_release,
    lower_precision.task,
    bf16.model as bf16_model,
    lower_precision.model as low_precision_model,
    lower_precision.weight_precision,
    lower_precision.gpu,
    lower_precision.config,
    round(bf16.energy_j, 2) as bf16_energy_j,
    round(lower_precision.energy_j, 2) as low_precision_energy_j,
    lower_precision.energy_unit,
    round(lower_precision.energy_j / bf16.energy_j, 3) as low_precision_to_bf16_ratio,
    round(bf16.median_itl_s * 1000, 1) as bf16_median_itl_ms,
    round(lower_precision.median_itl_s * 1000, 1) as low_precision_median_itl_ms
from lower_precision
inner join bf16
    on lower_precision.benchmark_release = bf16.benchmark_release
    and lower_precision.task = bf16.task
    and lower_precision.gpu = bf16.gpu
    and lower_precision.config = bf16.config
    and lower_precision.num_gpus = bf16.num_gpus
    and lower_precision.params_billion = bf16.params_billion
    and starts_with(lower_precision.model_key, bf16.model_key || '-')
qualify row_number() over (partition by lower_precision.run_id order by bf16.run_id) = 1
order by lower_precision.task, bf16.model, lower_precision.gpu, lower_precision.config;
