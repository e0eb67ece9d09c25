-- Where is AI use most carbon intensive? Claude.ai usage by country in the latest long-format
-- Economic Index release, priced at each country's own grid (a proxy: the conversations are
-- served from data centres that may be elsewhere). Empty until a long-format release is loaded.
select
    release,
    geo_id,
    country,
    round(usage_pct, 3) as usage_pct,
    gco2e_per_kwh,
    grid_year,
    round(energy_kwh, 3) as energy_kwh,
    round(kgco2e_at_country_grid, 3) as kgco2e_at_country_grid,
    intensity_rank
from marts.fct_country_usage
where release = (select max(release) from marts.fct_country_usage)
    and platform_and_product like 'Claude%'
order by intensity_rank nulls last, geo_id
