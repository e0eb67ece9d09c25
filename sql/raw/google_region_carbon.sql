-- One yearly Google Cloud region carbon file: its own columns (the intensity header differs by
-- year), plus the year and URL it came from. Parameters: $path (cached file), $year, $source_url.
-- Numbers are read as double in every year, so integer years (2019-2023) and decimal ones (2024)
-- union into one type; "Google CFE" is pinned to double because a year with no CFE at all would
-- otherwise be sniffed as text.
select
    *,
    cast($year as integer) as year,
    $source_url as source_url
from read_csv(
    $path, header = true, auto_detect = true, sample_size = -1,
    auto_type_candidates = ['DOUBLE', 'VARCHAR'], types = {'Google CFE': 'DOUBLE'}
)
