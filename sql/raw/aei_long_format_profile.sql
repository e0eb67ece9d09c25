-- What the long format's Great Expectations suite validates: one row per file, geography,
-- facet and variable, computed by DuckDB over the staged rows ($table), so the suite sees every
-- value's nulls, range and sums without the rows leaving DuckDB.
with shares as (
    select
        *,
        -- A facet's own share ({facet}_pct) is a percentage of its geography's total: its sum
        -- per geography and level, kept for the global geography.
        case when geography = 'global' and variable = facet || '_pct'
            then sum(value) over (partition by source_file, geo_id, facet, level, variable) end as global_share_sum
    from $table
)

select
    source_file || ' ' || geography || ' ' || facet || ' ' || variable as profile_key,
    source_file,
    geography,
    facet,
    variable,
    count(*) as n_rows,
    count(*) - count(geo_id) as null_geo_ids,
    count(*) - count(cluster_name) as null_cluster_names,
    count(*) - count(value) as null_values,
    2 * count(*) - count(date_start) - count(date_end) as null_dates,
    min(value) filter (where variable like '%\_pct' escape '\') as min_share,
    max(value) filter (where variable like '%\_pct' escape '\') as max_share,
    min(value) filter (where variable like '%\_count' escape '\') as min_count,
    min(date_end - date_start) as min_period_days,
    min(global_share_sum) as min_global_share_sum,
    max(global_share_sum) as max_global_share_sum
from shares
group by all
