-- Tertile labels must split the runs into three near-equal groups: no label may differ from
-- a third of the runs by more than 2 rows (ties at a cut point can move a run across).
with counts as (
    select energy_label, count(*) as runs
    from {{ ref('fct_workload_energy') }}
    group by energy_label
),

expected as (
    select count(*) / 3.0 as third from {{ ref('fct_workload_energy') }}
)

select counts.energy_label, counts.runs, expected.third
from counts
cross join expected
where abs(counts.runs - expected.third) > 2
   or (select count(*) from counts) <> 3
