"""Reading a release in the run-files layout (the ML.ENERGY Leaderboard v2 repository archive): safe
extraction and parsing with DuckDB."""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import duckdb

from energy_index.defs.mlenergy.releases import SOURCE, Release
from energy_index.defs.sources.fetcher import SourceError
from energy_index.settings import SQL_DIR

# data/legacy holds the older v1 leaderboard as CSVs: a different benchmark, not read here.
SKIPPED_FAMILIES = ("legacy",)


@dataclass(frozen=True)
class ExtractedArchive:
    root: Path
    run_files: list[str]
    model_files: list[str]


def extract_archive(archive: Path, sha256: str, cache_dir: Path) -> ExtractedArchive:
    """Extract `data/` once per archive content, refusing members that would escape the target."""
    target = cache_dir / "extracted" / f"mlenergy-{sha256[:16]}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".extract-"))
        try:
            _extract_data_members(archive, staging)
            try:
                os.replace(staging, target)
            except OSError:
                if not target.exists():  # a concurrent extraction of the same content won
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return _list_files(target)


def _extract_data_members(archive: Path, destination: Path) -> None:
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = []
            for member in tar.getmembers():
                relative = _strip_top_folder(member.name, archive)
                if relative is None or relative.parts[0] != "data":
                    continue
                member.name = str(relative)
                members.append(member)
            if not members:
                raise SourceError(SOURCE, str(archive), "archive has no data/ folder")
            # The 'data' filter refuses links and special files on top of our own path checks.
            tar.extractall(destination, members=members, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise SourceError(SOURCE, str(archive), f"unreadable archive: {exc}") from exc


def _strip_top_folder(name: str, archive: Path) -> PurePosixPath | None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise SourceError(SOURCE, str(archive), f"unsafe member path {name!r}")
    return PurePosixPath(*path.parts[1:]) if len(path.parts) > 1 else None


def _list_files(root: Path) -> ExtractedArchive:
    runs, models = [], []
    for path in sorted((root / "data").rglob("*.json")):
        relative = path.relative_to(root / "data")
        if relative.parts[0] in SKIPPED_FAMILIES:
            continue
        (models if path.name == "models.json" else runs).append(str(path))
    if not runs:
        raise SourceError(SOURCE, str(root), "no run JSON files under data/")
    return ExtractedArchive(root=root, run_files=runs, model_files=models)


def load_into(conn: duckdb.DuckDBPyConnection, table: str, query_file: str,
              files: list[str], root: Path, release: Release) -> None:
    """Run one of `sql/raw/*.sql` over the extracted files into `table`."""
    sql = (SQL_DIR / "raw" / query_file).read_text()
    try:
        conn.execute(f"create table {table} as {sql}",
                     {"files": files, "root": str(root), "commit": release.commit, "release": release.release})
    except duckdb.Error as exc:
        raise SourceError(SOURCE, _archive_relative(str(exc), root), _first_line(exc)) from exc


def _archive_relative(message: str, root: Path) -> str:
    """Name the offending member as it appears in the archive when DuckDB names a file."""
    marker = 'in file "'
    if marker in message:
        path = message.split(marker, 1)[1].split('"', 1)[0]
        return path.replace(str(root) + "/", "")
    return str(root)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
