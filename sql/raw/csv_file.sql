-- One raw table per source CSV: the file's own columns, plus the release and URL it came from.
-- Parameters: $path (cached file), $release (e.g. release_2025_02_10), $source_url.
select
    *,
    $release as release,
    $source_url as source_url
from read_csv($path, header = true, auto_detect = true, sample_size = -1)
