-- Scenario cap_denoising_steps: where the benchmark measured the same diffusion (task, model,
-- GPU, batch size, frames) at several denoising step counts, each run above $max_denoising_steps
-- is replaced by the run at the largest measured count at or below the cap. Only those groups
-- are in scope; a run above the cap with no measured count at or below it is unchanged and
-- counted. With no such group at all, one total row says so (runs_in_scope 0).
with runs as (
    select * from marts.fct_workload_energy
    where task_family = 'diffusion'
),

step_groups as (
    select task, model, gpu, batch_size, frames
    from runs
    group by task, model, gpu, batch_size, frames
    having count(distinct denoising_steps) > 1
),

in_scope as (
    select runs.*
    from runs
    semi join step_groups
        on runs.task = step_groups.task
        and runs.model = step_groups.model
        and runs.gpu = step_groups.gpu
        and runs.batch_size is not distinct from step_groups.batch_size
        and runs.frames is not distinct from step_groups.frames
),

at_cap as (
    -- the run at the largest step count at or below the cap, per group
    select
        task, model, gpu, batch_size, frames,
        max_by(energy_j, denoising_steps) as capped_energy_j
    from in_scope
    where denoising_steps <= $max_denoising_steps
    group by task, model, gpu, batch_size, frames
),

replaced as (
    select
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
        on in_scope.task = at_cap.task
        and in_scope.model = at_cap.model
        and in_scope.gpu = at_cap.gpu
        and in_scope.batch_size is not distinct from at_cap.batch_size
        and in_scope.frames is not distinct from at_cap.frames
),

summed as (
    select
        coalesce(modality, 'all') as modality,
        coalesce(sum(baseline_energy_j), 0) as baseline_energy_j,
        coalesce(sum(scenario_energy_j), 0) as scenario_energy_j,
        count(*) as runs_in_scope,
        count(*) filter (where is_above_cap) as runs_above_cap,
        count(*) filter (where has_no_run_under_cap) as runs_unchanged
    from replaced
    group by grouping sets ((modality), ())
),

measured_steps as (
    select coalesce(string_agg(denoising_steps::varchar, ', ' order by denoising_steps), 'no') as step_counts
    from (select distinct denoising_steps from runs where denoising_steps is not null)
)

select
    'cap_denoising_steps' as scenario,
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
            || '(same task, model, GPU, batch size, frames); {} of them have none and are unchanged',
            summed.runs_above_cap, summed.runs_in_scope, $max_denoising_steps, $max_denoising_steps,
            summed.runs_unchanged)
    end as note
from summed
cross join measured_steps
