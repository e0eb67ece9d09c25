-- Which model emits the least CO2e per unit of work in each inference task and size class? Best
-- configuration within the latency objective, accelerator boundary, world-average grid, with grades.
select
    task,
    coalesce(size_class, 'all') as size_class,
    model,
    gpu,
    unit_of_work,
    round(energy_wh_per_unit, 4) as energy_wh_per_unit,
    round(co2e_g_per_unit, 4) as co2e_g_per_unit,
    absolute_co2e_grade,
    relative_grade,
    relative_group_size
from analyst.model_ratings
where phase = 'inference'
    and configuration = 'best_within_latency_objective'
    and boundary = 'accelerator'
    and grid_entity = 'world average'
qualify row_number() over (partition by task, size_class order by co2e_g_per_unit, model) = 1
order by task, size_class
