-- MedianSalary mixes annual salaries with a few hourly wages; both are kept, labelled, and
-- annualised with the assumptions hourly_wage_threshold and hours_per_year.
with source as (
    select * from {{ source('economic_index', 'aei_wage_data') }}
),

renamed as (
    select
        release,
        "SOCcode" as onet_soc_code,
        "JobName" as job_name,
        "JobFamily" as job_family,
        nullif(cast("JobZone" as integer), -1) as job_zone,
        cast("MedianSalary" as double) as median_wage_reported,
        case when cast("MedianSalary" as double) < {{ assumption('hourly_wage_threshold') }}
            then 'hourly' else 'annual' end as wage_basis,
        nullif(cast("ChanceAuto" as double), -1) as chance_automation_pct
    from source
),

annualised as (
    select
        *,
        case when wage_basis = 'hourly' then median_wage_reported * {{ assumption('hours_per_year') }}
            else median_wage_reported end as median_annual_wage
    from renamed
)

select * from annualised
