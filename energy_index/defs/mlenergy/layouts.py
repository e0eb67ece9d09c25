"""How an ML.ENERGY release lays out its files, recognised from its entry file, and the reading of
the leaderboard-data layout (v3).

- `run_files` (v2): a repository archive (tar.gz) with one JSON per run under `data/` and a
  `models.json` per task; read by archive.py.
- `task_configurations` (v3): `index.json` naming the tasks, each task's architecture family and
  its models, and beside it one `tasks/<task>.json` holding the task's list of configurations
  (one measured, stable configuration each: a run).

Nothing here names a release: a later release in either layout is read the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from energy_index.defs.mlenergy.releases import SOURCE, Release
from energy_index.defs.sources.fetcher import SourceError

RUN_FILES, TASK_CONFIGURATIONS = "run_files", "task_configurations"
# The configuration fields the warehouse reads; a release without some of them (no video task,
# say) gets them as empty columns, so staging reads every release the same way.
TEXT_FIELDS = ("model_id", "nickname", "architecture", "weight_precision", "gpu_model")
INTEGER_FIELDS = ("num_gpus", "tensor_parallel", "expert_parallel", "data_parallel", "ring_degree", "ulysses_degree",
                  "batch_size", "max_num_seqs", "inference_steps", "num_frames", "fps", "image_width",
                  "image_height", "video_width", "video_height")
NUMBER_FIELDS = ("total_params_billions", "activated_params_billions", "batch_latency_s", "median_itl_ms",
                 "p90_itl_ms", "p95_itl_ms", "p99_itl_ms", "output_throughput_tokens_per_sec", "avg_output_len",
                 "avg_batch_size", "avg_power_watts", "energy_per_token_joules", "energy_per_request_joules",
                 "energy_per_image_joules", "energy_per_video_joules")
# index.json's architecture family of a task -> the task family v2 names the same kind of work.
TASK_FAMILIES = {"llm": "llm_text_generation", "mllm": "mllm_text_generation", "diffusion": "diffusion"}


def detect_layout(entry: Path, release: Release) -> str:
    """The layout of a release's entry file: a gzip archive, or a JSON index listing tasks."""
    with entry.open("rb") as handle:
        head = handle.read(64)
    if head[:2] == b"\x1f\x8b":
        return RUN_FILES
    try:
        index = json.loads(entry.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError):
        index = None
    if isinstance(index, dict) and isinstance(index.get("tasks"), list):
        return TASK_CONFIGURATIONS
    raise SourceError(SOURCE, f"{release.origin}: {release.entry_url}",
                      "unreadable: neither a repository archive (tar.gz) nor a leaderboard index (JSON with a "
                      f"`tasks` list); it starts {head[:40]!r}")


def read_document(path: Path, name: str):
    try:
        return json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(SOURCE, name, f"not valid JSON: {exc}") from exc


def task_files(index: dict, name: str) -> dict[str, str]:
    """{task file under the index's folder: task family} for every task the index lists."""
    families = {task: TASK_FAMILIES.get(family)
                for family, tasks in (index.get("architectures") or {}).items() for task in tasks}
    unknown = [task for task in index["tasks"] if not families.get(task)]
    if unknown:
        raise SourceError(SOURCE, name, f"tasks {unknown} have no known architecture family "
                                        f"(index `architectures` keys must be among {sorted(TASK_FAMILIES)})")
    return {f"tasks/{task}.json": families[task] for task in index["tasks"]}


def release_layout(release: Release, entry: Path) -> tuple[str, dict[str, str]]:
    """The release's layout and, for the leaderboard-data layout, {task file: task family} from its
    index (read once here, for the download and the load alike)."""
    layout = detect_layout(entry, release)
    if layout != TASK_CONFIGURATIONS:
        return layout, {}
    name = f"{release.release}/{Path(release.entry_url).name}"
    return layout, task_files(read_document(entry, name), name)


def configurations_frame(release: Release, files: dict[str, tuple[Path, str]]) -> pl.DataFrame:
    """One row per configuration of every task file ({relative name: (path, task family)}), with
    the upstream field names (nested `parallelization` flattened) and where each row came from:
    `source_file`, `configuration_index` (its position in the file's list) and `source_configuration`
    (`tasks/<task>.json#<index>`, how every error names it)."""
    rows = []
    for name, (path, family) in files.items():
        document = read_document(path, f"{release.release}/{name}")
        configurations = document.get("configurations") if isinstance(document, dict) else None
        if not isinstance(configurations, list) or not configurations:
            raise SourceError(SOURCE, f"{release.release}/{name}", "no `configurations` list")
        task = document.get("task") or Path(name).stem
        if task != Path(name).stem:
            raise SourceError(SOURCE, f"{release.release}/{name}", f"holds task {task!r}, not {Path(name).stem!r}")
        for position, configuration in enumerate(configurations):
            if not isinstance(configuration, dict):
                raise SourceError(SOURCE, f"{release.release}/{name}#{position}", "configuration is not an object")
            rows.append({**_flattened(configuration), "task": task, "task_family": family,
                         "task_display_name": document.get("task_display_name"), "source_file": name,
                         "configuration_index": position, "source_configuration": f"{name}#{position}"})
    _check_field_types(rows)
    frame = pl.from_dicts(rows, infer_schema_length=None)
    absent = [pl.lit(None, dtype=dtype).alias(field) for fields, dtype in
              ((TEXT_FIELDS, pl.Utf8), (INTEGER_FIELDS, pl.Int64), (NUMBER_FIELDS, pl.Float64))
              for field in fields if field not in frame.columns]
    return frame.with_columns(*absent, pl.lit(release.release).alias("benchmark_release"),
                              pl.lit(release.commit).alias("source_commit"))


def _flattened(configuration: dict) -> dict:
    """Fields as in the task files; a nested `parallelization` object (the per-model files' shape)
    gives its degrees as top-level fields, and lists (output-length histograms) are left out."""
    flat = {k: v for k, v in configuration.items() if not isinstance(v, (dict, list))}
    for key, value in (configuration.get("parallelization") or {}).items():
        if not isinstance(value, (dict, list)):
            flat.setdefault(key, value)
    return flat


def _check_field_types(rows: list[dict]) -> None:
    """A field given as a number in one configuration and as text in another names the first
    configuration where its kind differs from the rest (DuckDB and polars would only say
    "could not convert")."""
    kinds: dict[str, dict[str, str]] = {}
    for row in rows:
        for field, value in row.items():
            if value is not None:
                kind = "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else \
                    type(value).__name__
                kinds.setdefault(field, {}).setdefault(kind, row["source_configuration"])
    for field, seen in kinds.items():
        if len(seen) > 1:
            usual = "number" if "number" in seen else sorted(seen)[0]
            odd = next(kind for kind in seen if kind != usual)
            raise SourceError(SOURCE, seen[odd], f"field {field!r} is {odd}, elsewhere {usual}")
