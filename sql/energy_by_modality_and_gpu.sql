-- How much energy does one unit of work take, by modality and GPU?
-- Median and range of energy_j (J per request, image or video) over every benchmark run.
select
    modality,
    energy_unit,
    gpu,
    count(*) as runs,
    round(median(energy_j), 2) as median_energy_j,
    round(min(energy_j), 2) as min_energy_j,
    round(max(energy_j), 2) as max_energy_j
from marts.fct_workload_energy
group by modality, energy_unit, gpu
order by modality, gpu;
