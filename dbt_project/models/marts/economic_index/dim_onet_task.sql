-- One row per O*NET task statement of the current release, with its occupation and SOC groups.
with statements as (
    {{ in_current_release('stg_aei__task_statements') }}
),

occupations as (
    select * from {{ ref('int_aei__occupations') }}
),

final as (
    select
        statements.release,
        statements.task_id,
        statements.task_text,
        statements.task_type,
        statements.onet_soc_code,
        statements.occupation_title,
        occupations.soc_detailed_code,
        occupations.soc_detailed_title,
        occupations.soc_minor_code,
        occupations.soc_minor_title,
        occupations.soc_major_code,
        occupations.soc_major_title
    from statements
    left join occupations using (onet_soc_code)
)

select * from final
