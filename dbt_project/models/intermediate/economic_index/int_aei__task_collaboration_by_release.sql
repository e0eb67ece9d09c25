-- Each task's collaboration mix per release, in percent of the task's conversations, from the
-- file the registry names (collaboration_file): the wide by-task ratios, or a long release's
-- global onet_task::collaboration shares. Modes: directive and feedback loop (automation);
-- task iteration, validation and learning (augmentation); the rest (filtered, none, not
-- classified) is filtered_pct.
with releases as (
    select * from {{ ref('economic_index_releases') }}
),

wide as (
    select release, source_file, task_key, directive_pct, feedback_loop_pct, task_iteration_pct,
        validation_pct, learning_pct, filtered_pct
    from {{ ref('stg_aei__collaboration_by_task') }}
),

long_modes as (
    select
        release,
        source_file,
        {{ task_key('base_cluster') }} as task_key,
        replace(lower(intersection_cluster), ' ', '_') as mode,
        value as pct
    from {{ ref('stg_aei__long_format') }}
    where facet = 'onet_task::collaboration' and geography = 'global'
        and variable = 'onet_task_collaboration_pct'
),

long as (
    select
        release,
        source_file,
        task_key,
        coalesce(sum(pct) filter (where mode = 'directive'), 0) as directive_pct,
        coalesce(sum(pct) filter (where mode = 'feedback_loop'), 0) as feedback_loop_pct,
        coalesce(sum(pct) filter (where mode = 'task_iteration'), 0) as task_iteration_pct,
        coalesce(sum(pct) filter (where mode = 'validation'), 0) as validation_pct,
        coalesce(sum(pct) filter (where mode = 'learning'), 0) as learning_pct,
        coalesce(sum(pct) filter (where mode not in
            ('directive', 'feedback_loop', 'task_iteration', 'validation', 'learning')), 0) as filtered_pct
    from long_modes
    group by release, source_file, task_key
),

modes as (
    select * from wide
    union all
    select * from long
),

of_the_release as (
    select
        modes.release,
        modes.task_key,
        any_value(modes.directive_pct) as directive_pct,
        any_value(modes.feedback_loop_pct) as feedback_loop_pct,
        any_value(modes.task_iteration_pct) as task_iteration_pct,
        any_value(modes.validation_pct) as validation_pct,
        any_value(modes.learning_pct) as learning_pct,
        any_value(modes.filtered_pct) as filtered_pct
    from modes
    inner join releases
        on releases.release = modes.release and releases.collaboration_file = modes.source_file
    group by modes.release, modes.task_key
)

select
    *,
    directive_pct + feedback_loop_pct as automation_pct,
    task_iteration_pct + validation_pct + learning_pct as augmentation_pct
from of_the_release
