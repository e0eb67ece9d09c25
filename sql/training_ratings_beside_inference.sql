-- Training footprints per billion parameters with their grades, and the same model's chat or code
-- inference grade where it was benchmarked (joined on model_key, which drops publisher and
-- variant words so "Llama 3.1 70B" meets "meta-llama/Meta-Llama-3.1-70B-Instruct").
with training as (
    select model, model_key, size_class, co2e_g_central / 1e6 as tco2e, co2e_t_per_b_params,
        energy_mwh_per_b_params, absolute_grade, relative_grade, figure_source
    from marts.fct_model_ratings
    where phase = 'training'
),

inference as (
    select model_key, task, model as benchmarked_as, absolute_grade as inference_grade
    from marts.fct_model_ratings
    where phase = 'inference' and task in ('chat', 'code') and configuration = 'best_within_latency_objective'
        and boundary = 'accelerator' and grid_entity = 'world average'
)

select
    training.model,
    training.size_class,
    round(training.tco2e, 1) as tco2e,
    round(training.co2e_t_per_b_params, 2) as tco2e_per_b_params,
    training.absolute_grade as training_grade,
    training.relative_grade as training_relative_grade,
    training.figure_source,
    inference.task,
    inference.benchmarked_as,
    inference.inference_grade
from training
left join inference using (model_key)
order by training.co2e_t_per_b_params nulls last, training.model
