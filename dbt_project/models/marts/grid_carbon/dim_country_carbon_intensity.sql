-- The grid of every country CodeCarbon knows, as a location-based emission factor: an analyst
-- can put a workload in France or Poland as well as in a cloud region. The data version is the
-- CodeCarbon release and the data file's sha256.
with countries as (
    select * from {{ ref('stg_codecarbon__country_energy_mix') }}
),

final as (
    select
        iso_code,
        iso_alpha_2,
        country,
        year,
        gco2e_per_kwh,
        gco2e_per_kwh / 1000 as kg_per_kwh,
        fossil_share,
        low_carbon_share,
        case when total_twh > 0 then renewables_twh / total_twh end as renewables_share,
        case when total_twh > 0 then nuclear_twh / total_twh end as nuclear_share,
        total_twh,
        source,
        codecarbon_version,
        data_sha256
    from countries
)

select * from final
