-- Every loaded release's share of conversations per task, from the file the release registry
-- names (task_share_file): a wide release's task CSV, or a long release's global O*NET task
-- shares (facet onet_task, variable onet_task_pct). `none` and `not_classified` stay as tasks
-- with no statement, so each release's shares still sum to 100.
with releases as (
    select * from {{ ref('economic_index_releases') }}
),

wide as (
    select release, source_file, task_name, task_key, share_pct
    from {{ ref('stg_aei__task_mappings') }}
),

long as (
    select release, source_file, cluster_name as task_name, {{ task_key('cluster_name') }} as task_key,
        value as share_pct
    from {{ ref('stg_aei__long_format') }}
    where facet = 'onet_task' and geography = 'global' and variable = 'onet_task_pct'
),

shares as (
    select * from wide
    union all
    select * from long
),

of_the_release as (
    select
        shares.release,
        releases.published_on,
        releases.layout,
        shares.source_file,
        shares.task_name,
        shares.task_key,
        shares.share_pct
    from shares
    inner join releases
        on releases.release = shares.release and releases.task_share_file = shares.source_file
)

select * from of_the_release
