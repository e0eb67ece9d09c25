-- raw.mlenergy_models: one row per model in each task's models.json.
-- Parameters: $files (list of absolute paths), $root (extraction root), $commit (pinned commit),
-- $release (the registry's release name, e.g. v2).
with documents as (
    select filename, json
    from read_json_objects($files, filename = true, format = 'unstructured')
),

keyed as (
    select filename, json, unnest(json_keys(json)) as model_id
    from documents
),

attributes as (
    select
        replace(filename, $root || '/', '') as source_path,
        model_id,
        json_extract(json, '$."' || model_id || '"') as attributes
    from keyed
)

select
    regexp_extract(source_path, '^data/([^/]+)/', 1) as task_family,
    regexp_extract(source_path, '^data/[^/]+/([^/]+)/', 1) as task,
    model_id,
    attributes ->> 'nickname' as nickname,
    attributes ->> 'url' as url,
    try_cast(attributes ->> 'params' as double) as params_billion,
    try_cast(attributes ->> 'total_params' as double) as total_params_billion,
    try_cast(attributes ->> 'denoising_params' as double) as denoising_params_billion,
    attributes ->> 'resolution' as resolution,
    attributes,
    source_path,
    $commit as source_commit,
    $release as benchmark_release
from attributes
