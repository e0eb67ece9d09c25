-- Upstream renamed the intensity column in 2021. Every intensity header present in raw is
-- coalesced into grid_gco2e_per_kwh, and intensity_basis says which header the value came from.
-- Headers are looked up rather than hard-coded so that loading only some years (say 2021 on,
-- with no lifecycle column) still builds.
{%- set intensity_headers = {
    'Lifecycle grid carbon intensity (gCO2eq / kWh)': 'lifecycle',
    'Grid carbon intensity (gCO2eq / kWh)': 'grid',
} -%}
{%- set present = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(source('grid_carbon', 'google_region_carbon')) -%}
        {%- if column.name in intensity_headers -%}{%- do present.append(column.name) -%}{%- endif -%}
    {%- endfor -%}
{%- endif %}

with source as (
    select * from {{ source('grid_carbon', 'google_region_carbon') }}
),

renamed as (
    select
        "Google Cloud Region" as region,
        "Location" as location,
        cast(year as integer) as year,
        cast("Google CFE" as double) as cfe_share,
        {%- if present %}
        coalesce({% for header in present %}cast("{{ header }}" as double){{ ', ' if not loop.last }}{% endfor %})
            as grid_gco2e_per_kwh,
        case
            {%- for header in present %}
            when "{{ header }}" is not null then '{{ intensity_headers[header] }}'
            {%- endfor %}
        end as intensity_basis,
        {%- else %}
        cast(null as double) as grid_gco2e_per_kwh,
        cast(null as varchar) as intensity_basis,
        {%- endif %}
        source_url
    from source
)

select * from renamed
