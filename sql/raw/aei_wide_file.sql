-- One wide Economic Index file (one CSV per table): its own columns, the declared ones typed by
-- name ($types), plus the release, URL and file it came from. Small files: types are inferred
-- from every row for the columns not declared.
-- Parameters: $path (cached file), $release, $source_url, $source_file.
select
    *,
    $release as release,
    $source_url as source_url,
    $source_file as source_file
from read_csv($path, header = true, auto_detect = true, sample_size = -1, types = $types)
