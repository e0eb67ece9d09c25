-- The wide releases' collaboration mix per task (automation_vs_augmentation_by_task.csv): ratios
-- of the task's conversations in each mode, 0-1 as published, here in percent.
with source as (
    select * from {{ source('economic_index', 'aei_automation_vs_augmentation_by_task') }}
),

renamed as (
    select
        release,
        source_file,
        task_name,
        {{ task_key('task_name') }} as task_key,
        directive * 100 as directive_pct,
        feedback_loop * 100 as feedback_loop_pct,
        task_iteration * 100 as task_iteration_pct,
        validation * 100 as validation_pct,
        learning * 100 as learning_pct,
        filtered * 100 as filtered_pct
    from source
)

select * from renamed
