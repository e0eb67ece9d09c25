-- One long-format Economic Index file (2025-09-15 on: one value per row, 20-100 MB), streamed
-- by DuckDB's parallel CSV reader with every column's type declared by name ($types), so the
-- sniffer reads only the dialect and nothing is inferred from a sample.
-- Parameters: $path (cached file), $release, $source_url, $source_file.
select
    *,
    $release as release,
    $source_url as source_url,
    $source_file as source_file
from read_csv($path, header = true, types = $types)
