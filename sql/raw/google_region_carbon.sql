-- raw.google_region_carbon: every yearly region file, upstream column names, one row per
-- region and year. The intensity column's header differs by year ("Lifecycle grid carbon
-- intensity ..." until 2020, "Grid carbon intensity ..." after); union_by_name keeps both.
-- Parameters: $files (cached paths, each named ...-<year>.csv), $urls (source URLs, same order).
with yearly as (
    select *
    from read_csv($files, header = true, union_by_name = true, filename = true, auto_detect = true,
                  sample_size = -1)
)

select
    * exclude (filename),
    cast(regexp_extract(filename, '(\d{4})\.csv$', 1) as integer) as year,
    list_filter($urls, url -> ends_with(url, regexp_extract(filename, '(\d{4}\.csv)$', 1)))[1] as source_url
from yearly
