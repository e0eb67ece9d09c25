-- Which chat model emits the least CO2e per unit of work in each size class? Best configuration
-- within the latency objective, accelerator boundary, world-average grid; with its grades and
-- the size of the group it is ranked in.
select
    size_class,
    model,
    unit_of_work,
    gpu,
    serving_config,
    round(energy_wh_per_unit, 2) as energy_wh_per_unit,
    round(co2e_g_per_unit, 2) as co2e_g_per_unit,
    absolute_co2e_grade,
    absolute_energy_grade,
    relative_grade,
    relative_group_size,
    methodology_version
from analyst.model_ratings
where phase = 'inference'
    and task = 'chat'
    and configuration = 'best_within_latency_objective'
    and boundary = 'accelerator'
    and grid_entity = 'world average'
qualify row_number() over (partition by size_class order by co2e_g_per_unit, model) = 1
order by size_class
