-- raw.mlenergy_runs: one row per run JSON under data/<family>/<task>/<GPU>/<org>/<model>/<config>.json.
-- Source fields keep their upstream names; the path supplies the run's identity.
-- Parameters: $files (list of absolute paths), $root (extraction root), $commit (pinned commit),
-- $release (the registry's release name, e.g. v2).
with runs as (
    select *
    from read_json($files, filename = true, union_by_name = true, sample_size = -1)
),

located as (
    select
        *,
        replace(filename, $root || '/', '') as source_path
    from runs
)

select
    regexp_extract(source_path, '^data/([^/]+)/', 1) as task_family,
    regexp_extract(source_path, '^data/[^/]+/([^/]+)/', 1) as task,
    regexp_extract(source_path, '^data/[^/]+/[^/]+/([^/]+)/', 1) as gpu_name,
    regexp_extract(source_path, '^data/[^/]+/[^/]+/[^/]+/([^/]+/[^/]+)/', 1) as model_id,
    regexp_extract(source_path, '/([^/]+)\.json$', 1) as config,
    * exclude (filename, source_path),
    source_path,
    $commit as source_commit,
    $release as benchmark_release
from located
