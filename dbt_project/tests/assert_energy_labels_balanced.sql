-- Tertile labels must split each release's runs into three near-equal groups: no label may differ
-- from a third of the release's runs by more than 2 rows (ties at a cut point can move a run across).
with counts as (
    select benchmark_release, energy_label, count(*) as runs
    from {{ ref('fct_workload_energy') }}
    group by benchmark_release, energy_label
),

expected as (
    select benchmark_release, count(*) / 3.0 as third, count(distinct energy_label) as labels
    from {{ ref('fct_workload_energy') }}
    group by benchmark_release
)

select counts.benchmark_release, counts.energy_label, counts.runs, expected.third
from counts
inner join expected
    on counts.benchmark_release = expected.benchmark_release
where abs(counts.runs - expected.third) > 2
   or expected.labels <> 3
