-- Canonical metrics recognised in the registered reports, every reading with its evidence.
-- is_primary marks the one value per (report, metric, region, year) the reader chose; the
-- others agree with it or lost to it (status, status_reason say which and why).
with metrics as (
    select * from {{ ref('stg_corporate__metrics') }}
),

reports as (
    select * from {{ ref('corporate_reports') }}
),

final as (
    select
        metrics.company,
        metrics.report_id,
        reports.title as report_title,
        metrics.fiscal_year,
        metrics.period_type,
        metrics.metric,
        metrics.scope,
        metrics.region,
        metrics.value,
        metrics.unit,
        metrics.source_page,
        metrics.table_title,
        metrics.table_index,
        metrics.reader,
        metrics.raw_label,
        metrics.raw_value,
        metrics.raw_unit,
        metrics.unit_source,
        metrics.basis_source,
        metrics.boundary,
        metrics.evidence,
        metrics.confidence,
        metrics.status,
        metrics.status_reason,
        metrics.sanity_issue,
        metrics.is_primary
    from metrics
    inner join reports using (report_id)
)

select * from final
