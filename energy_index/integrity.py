"""Files the pipeline keeps between runs are written whole or not at all, and checked before use.

Every such file (a cached download, a trained model) is written to a temporary file beside
it and renamed into place, and its size and sha256 are recorded in a sidecar written the same
way after it. Before the file is used it is checked against that record: a file cut short by
a crash, flipped on disk, or replaced without its record is never taken for a good one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHUNK_BYTES = 1 << 20


def sha256_file(path: Path) -> tuple[str, int]:
    """(sha256 hex digest, size in bytes) of a file."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def content_problem(path: Path, size: int | None, sha256: str | None) -> str | None:
    """What is wrong with `path` against its recorded size and sha256, or None if it matches."""
    if size is None or sha256 is None:
        return "no size and sha256 recorded for it"
    if not path.is_file():
        return "the file is missing"
    actual_size = path.stat().st_size
    if actual_size != size:
        return f"{actual_size:,} bytes on disk, {size:,} recorded (cut short or overwritten)"
    actual_sha, _ = sha256_file(path)
    if actual_sha != sha256:
        return f"sha256 {actual_sha[:12]}... on disk, {sha256[:12]}... recorded (damaged on disk)"
    return None


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`; renamed over it when the block succeeds, removed if not."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(fd)
    partial = Path(name)
    try:
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def write_json_atomically(target: Path, payload: dict) -> None:
    with atomic_path(target) as partial:
        partial.write_text(json.dumps(payload, indent=2, default=str))


def read_json(path: Path) -> dict | None:
    """A JSON sidecar, or None when it is missing or unreadable (a damaged sidecar is no record)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def remove_partials(directory: Path, pattern: str = ".*.partial") -> int:
    """Delete temporary files or folders a killed writer left behind in `directory`."""
    removed = 0
    for leftover in directory.glob(pattern) if directory.is_dir() else []:
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink(missing_ok=True)
        removed += 1
    return removed
