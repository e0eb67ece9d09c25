"""Trained models on disk: written whole, recorded, and checked before they are used.

A model is a joblib file with a JSON sidecar holding its metadata plus the file's size and
sha256. The old sidecar is removed before a new model is written and the new one is written
after it, both by atomic rename, so a kill at any point leaves either the old model with its
record, or a model without a record, which is treated as no model at all (and trained again).
"""

from __future__ import annotations

from pathlib import Path

from energy_index.integrity import atomic_path, content_problem, read_json, sha256_file, write_json_atomically


class ModelDamaged(ValueError):
    """A model file that does not match its record: half-written, damaged, or without one."""


def sidecar(target: Path) -> Path:
    return target.with_suffix(".json")


def save_model(target: Path, payload: dict, metadata: dict) -> Path:
    import joblib

    sidecar(target).unlink(missing_ok=True)
    with atomic_path(target) as partial:
        joblib.dump(payload, partial)
    sha, size = sha256_file(target)
    write_json_atomically(sidecar(target), {**metadata, "sha256": sha, "bytes": size})
    return target


def model_record(target: Path) -> dict | None:
    """The metadata of a model whose file matches its record, else None."""
    record = read_json(sidecar(target))
    if record is None or content_problem(target, record.get("bytes"), record.get("sha256")):
        return None
    return record


def load_model(target: Path) -> dict:
    """The model's payload, after checking the file against its record."""
    import joblib

    if not target.exists():
        raise FileNotFoundError(f"no model at {target}: materialise its asset first (make run)")
    record = read_json(sidecar(target))
    problem = content_problem(target, (record or {}).get("bytes"), (record or {}).get("sha256"))
    if problem:
        raise ModelDamaged(f"the model at {target} is not usable ({problem}); the next refresh "
                           f"(make run) trains it again")
    return joblib.load(target)
