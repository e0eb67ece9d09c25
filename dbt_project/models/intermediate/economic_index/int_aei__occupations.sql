-- One row per O*NET-SOC occupation of the current release, placed in the SOC hierarchy, with
-- its annualised median wage where the wage data has the code. Minor groups and broad
-- occupations are not a fixed prefix (29-1141 is in 29-1000, 15-1252 in 15-1200): each code
-- goes to the group whose code, without trailing zeros, is its longest prefix. Task
-- statements use O*NET-SOC 2010 codes; a detailed code that SOC 2019 no longer lists (for
-- example 11-3011) keeps its groups but has no soc_detailed_title.
with statements as (
    {{ in_current_release('stg_aei__task_statements') }}
),

soc as (
    {{ in_current_release('stg_aei__soc_structure') }}
),

wages as (
    {{ in_current_release('stg_aei__wage_data') }}
),

occupations as (
    select
        release,
        onet_soc_code,
        any_value(occupation_title) as occupation_title,
        any_value(soc_detailed_code) as soc_detailed_code,
        left(any_value(soc_detailed_code), 2) || '-0000' as soc_major_code,
        count(*) as task_statements
    from statements
    group by release, onet_soc_code
),

minor_groups as (
    select soc_code, soc_title, rtrim(soc_code, '0') as code_prefix
    from soc
    where soc_level = 'minor_group'
),

with_minor as (
    select
        occupations.*,
        minor_groups.soc_code as soc_minor_code,
        minor_groups.soc_title as soc_minor_title
    from occupations
    left join minor_groups on starts_with(occupations.soc_detailed_code, minor_groups.code_prefix)
    qualify row_number() over (
        partition by occupations.onet_soc_code order by length(minor_groups.code_prefix) desc
    ) = 1
),

placed as (
    select
        with_minor.*,
        detailed.soc_title as soc_detailed_title,
        major.soc_title as soc_major_title,
        wages.median_wage_reported,
        wages.wage_basis,
        wages.median_annual_wage
    from with_minor
    left join soc as detailed
        on detailed.soc_level = 'detailed_occupation' and detailed.soc_code = with_minor.soc_detailed_code
    left join soc as major
        on major.soc_level = 'major_group' and major.soc_code = with_minor.soc_major_code
    left join wages
        on wages.onet_soc_code = with_minor.onet_soc_code
)

-- Labelled with the release the marts describe; the statements may be an earlier release's.
select placed.* replace ((select release from {{ ref('int_aei__current_release') }}) as release)
from placed
