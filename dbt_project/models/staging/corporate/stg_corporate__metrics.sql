-- Readings of report metrics the reader kept: chosen, agreeing or lost. Rejected readings (no
-- unit, the wrong kind of unit, a sanity rule) stay in raw, with their reason.
with source as (
    select * from {{ source('corporate', 'corporate_report_metrics') }}
),

renamed as (
    select
        report_id,
        company,
        cast(fiscal_year as integer) as fiscal_year,
        period_type,
        metric,
        case
            when metric like 'scope1\_2%' escape '\' then '1+2'
            when metric like 'scope1%' then '1'
            when metric like 'scope2%' then '2'
            when metric like 'scope3%' then '3'
        end as scope,
        region,
        value,
        unit,
        raw_value,
        raw_label,
        raw_unit,
        unit_source,
        basis_source,
        boundary,
        table_title,
        page as source_page,
        table_index,
        reader,
        evidence,
        confidence,
        status,
        status_reason,
        nullif(sanity_issue, '') as sanity_issue,
        is_primary
    from source
    where status <> 'rejected' and value is not null
)

select * from renamed
