-- How does moving from A100 to H100 change which chat model is cheapest to serve the
-- Computer and Mathematical occupations' conversations? Each model's energy (kWh per
-- assumed conversation volume) and rank on each GPU, for models measured on both.
-- (For one model, switching GPU scales every occupation by the same factor, so occupation
-- rankings cannot change; model rankings can.)
with group_energy as (
    select model, gpu, energy_kwh
    from marts.fct_occupation_energy
    where level = 'major_group' and title = 'Computer and Mathematical Occupations'
),

paired as (
    select
        a100.model,
        a100.energy_kwh as a100_kwh,
        h100.energy_kwh as h100_kwh
    from group_energy as a100
    inner join group_energy as h100
        on a100.model = h100.model and a100.gpu = 'A100-SXM4-40GB' and h100.gpu = 'H100 80GB HBM3'
)

select
    model,
    round(a100_kwh, 2) as a100_kwh,
    round(h100_kwh, 2) as h100_kwh,
    round(h100_kwh / a100_kwh, 3) as h100_to_a100_ratio,
    rank() over (order by a100_kwh) as a100_rank,
    rank() over (order by h100_kwh) as h100_rank,
    rank() over (order by a100_kwh) - rank() over (order by h100_kwh) as places_gained_on_h100
from paired
order by h100_rank;
