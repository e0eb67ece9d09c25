-- How much do the system boundary and the serving configuration change a model's grade?
-- Every inference rating under the world-average grid: accelerator against comprehensive,
-- best configuration within the latency objective against the median configuration.
select
    task,
    model,
    configuration,
    boundary,
    unit_of_work,
    round(energy_wh_central, 3) as energy_wh,
    round(co2e_g_central, 3) as co2e_g,
    absolute_grade,
    absolute_energy_grade,
    relative_grade,
    relative_group_size,
    round(accelerator_to_ecologits_ratio, 2) as measured_to_ecologits
from marts.fct_model_ratings
where phase = 'inference' and grid_entity = 'world average'
order by task, model, configuration, boundary
