-- Canonical metrics recognised in the registered reports, with page provenance. A value a
-- report states in several tables (Scope 1 in Table 1A and as Table 3's subtotal) appears
-- once per table; is_primary marks the one from the lowest-numbered table, which is the
-- one to use.
with metrics as (
    select * from {{ ref('stg_corporate__metrics') }}
),

reports as (
    select * from {{ ref('corporate_reports') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by report_id, metric, coalesce(region, ''), fiscal_year
            order by precedence_rank
        ) = 1 as is_primary
    from metrics
),

final as (
    select
        ranked.company,
        ranked.report_id,
        reports.title as report_title,
        ranked.fiscal_year,
        ranked.period_type,
        ranked.metric,
        ranked.scope,
        ranked.region,
        ranked.value,
        ranked.unit,
        ranked.source_page,
        ranked.table_title,
        ranked.table_index,
        ranked.flavor,
        ranked.raw_label,
        ranked.raw_value,
        ranked.is_primary
    from ranked
    inner join reports using (report_id)
)

select * from final
