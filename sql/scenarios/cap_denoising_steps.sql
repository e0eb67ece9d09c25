-- Scenario cap_denoising_steps: where a release measured the same diffusion (task, model, GPU,
-- batch size, frames, resolution, GPU count) at several denoising step counts, each run above $max_denoising_steps
-- is replaced by the run at the largest measured count at or below the cap. Only those groups
-- are in scope; a run above the cap with no measured count at or below it is unchanged and
-- counted. A release with no such group gives one total row saying so (runs_in_scope 0).
with runs as (
    select * from marts.fct_workload_energy
    where task_family = 'diffusion'
),

step_groups as (
    select benchmark_release, task, model, gpu, batch_size, frames, resolution, num_gpus
    from runs
    group by benchmark_release, task, model, gpu, batch_size, frames, resolution, num_gpus
    having count(distinct denoising_steps) > 1
),

in_scope as (
    select runs.*
    from runs
    semi join step_groups
        on runs.benchmark_release = step_groups.benchmark_release
        and runs.task = step_groups.task
        and runs.model = step_groups.model
        and runs.gpu = step_groups.gpu
        and runs.batch_size is not distinct from step_groups.batch_size
        and runs.frames is not distinct from step_groups.frames
        and runs.resolution is not distinct from step_groups.resolution
        and runs.num_gpus = step_groups.num_gpus
),

at_cap as (
    -- the run at the largest step count at or below the cap, per group
    select
        benchmark_release, task, model, gpu, batch_size, frames, resolution, num_gpus,
        -- a step count measured twice (v3 repeats a few configurations) takes its lower energy
        arg_max(energy_j, denoising_steps * 1e12 - energy_j) as capped_energy_j
    from in_scope
    where denoising_steps <= $max_denoising_steps
    group by benchmark_release, task, model, gpu, batch_size, frames, resolution, num_gpus
),

replaced as (
    select
        in_scope.benchmark_release,
        in_scope.modality,
        in_scope.energy_j as baseline_energy_j,
        case
            when in_scope.denoising_steps > $max_denoising_steps
                then coalesce(at_cap.capped_energy_j, in_scope.energy_j)
            else in_scope.energy_j
        end as scenario_energy_j,
        in_scope.denoising_steps > $max_denoising_steps as is_above_cap,
        in_scope.denoising_steps > $max_denoising_steps and at_cap.capped_energy_j is null as has_no_run_under_cap
    from in_scope
    left join at_cap
        on in_scope.benchmark_release = at_cap.benchmark_release
        and in_scope.task = at_cap.task
        and in_scope.model = at_cap.model
        and in_scope.gpu = at_cap.gpu
        and in_scope.batch_size is not distinct from at_cap.batch_size
        and in_scope.frames is not distinct from at_cap.frames
        and in_scope.resolution is not distinct from at_cap.resolution
        and in_scope.num_gpus = at_cap.num_gpus
),

releases as (
    select distinct benchmark_release from runs
),

summed as (
    select
        releases.benchmark_release,
        coalesce(replaced.modality, 'all') as modality,
        coalesce(sum(replaced.baseline_energy_j), 0) as baseline_energy_j,
        coalesce(sum(replaced.scenario_energy_j), 0) as scenario_energy_j,
        count(replaced.benchmark_release) as runs_in_scope,
        count(*) filter (where replaced.is_above_cap) as runs_above_cap,
        count(*) filter (where replaced.has_no_run_under_cap) as runs_unchanged
    from releases
    left join replaced
        on releases.benchmark_release = replaced.benchmark_release
    group by grouping sets ((releases.benchmark_release, replaced.modality), (releases.benchmark_release))
    -- a release with nothing in scope gives its total row only
    having grouping(replaced.modality) = 1 or replaced.modality is not null
),

measured_steps as (
    select
        benchmark_release,
        coalesce(string_agg(distinct denoising_steps::varchar, ', ' order by denoising_steps::varchar), 'no')
            as step_counts
    from runs
    group by benchmark_release
)

select
    'cap_denoising_steps' as scenario,
    summed.benchmark_release,
    summed.modality,
    summed.baseline_energy_j,
    summed.scenario_energy_j,
    summed.runs_in_scope,
    case
        when summed.runs_in_scope = 0 then format(
            'no diffusion model is measured at several denoising step counts (the benchmark has {} steps), '
            || 'so there is nothing to cap at {}', measured_steps.step_counts, $max_denoising_steps)
        else format(
            '{} of {} runs are above {} steps and take the run at the largest measured count <= {} '
            || '(same task, model, GPU, batch size, frames, resolution, GPU count); {} of them have none '
            || 'and are unchanged',
            summed.runs_above_cap, summed.runs_in_scope, $max_denoising_steps, $max_denoising_steps,
            summed.runs_unchanged)
    end as note
from summed
inner join measured_steps
    on summed.benchmark_release = measured_steps.benchmark_release
