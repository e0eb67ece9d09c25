"""The published warehouse: a DuckLake, with one snapshot per refresh.

A DuckLake keeps its catalog (tables, snapshots, file lists) in a database and its data as
Parquet files in a directory or object store. Each publish is one transaction, so an analyst
reads either the previous refresh or the new one, never half; every committed refresh stays
readable by version or timestamp (`AT (VERSION => n)`, or attaching with SNAPSHOT_VERSION).

Profiles (settings.py): `local` keeps the catalog in a SQLite file under ENERGY_INDEX_HOME.
Measured (docs/concepts/lake.md, "Choosing the local catalog"): with a DuckDB-file catalog, a reader and the
publisher lock each other out, while SQLite lets both in. `team` names a PostgreSQL catalog and
a shared directory or S3 prefix.

The DuckDB extensions come from their PyPI wheels and are loaded from the file, because a bare
`LOAD ducklake` would try to download them and these machines have no network.
"""

from __future__ import annotations

import importlib
import os
import re
import sqlite3
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

LAKE_ALIAS = "analytics"
NO_DOWNLOADS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


class LakeUnavailable(RuntimeError):
    """The published warehouse cannot be reached or does not exist yet."""


@dataclass(frozen=True)
class Lake:
    """Where the published warehouse lives: a DuckLake catalog and its data path."""

    catalog: str  # as DuckLake spells it after `ducklake:`: `sqlite:<file>`, `postgres:<libpq>`, or a file
    data_path: str  # a directory (ending in /) or an s3:// prefix
    # The local lake moves with its home (a copied or renamed data directory); a team's stays put.
    relocatable: bool = False

    @property
    def shown(self) -> str:
        """The catalog without a password, for errors and metadata."""
        return redacted(self.catalog)

    @property
    def exists(self) -> bool:
        local = self.local_catalog_file
        return local.exists() if local is not None else True

    @property
    def local_catalog_file(self) -> Path | None:
        if self.catalog.startswith("postgres:"):
            return None
        return Path(self.catalog.removeprefix("sqlite:"))

    def extensions(self) -> list[str]:
        needed = ["ducklake"]
        needed += ["postgres_scanner"] if self.catalog.startswith("postgres:") else []
        needed += ["sqlite_scanner"] if self.catalog.startswith("sqlite:") else []
        return needed + (["httpfs"] if "://" in self.data_path else [])


def redacted(text: str) -> str:
    """`text` with any libpq password hidden (catalog strings, and errors that quote them)."""
    return re.sub(r"(password\s*=\s*)[^\s\"']+", r"\1***", text)


def lake_for(settings) -> Lake:
    """The lake a Settings object names (the local default or the team's)."""
    return Lake(settings.lake_catalog_uri, settings.lake_data_path, relocatable=settings.lake_catalog is None)


def extension_file(name: str) -> str:
    """The extension shipped in the `duckdb-extension-<name>` wheel for this DuckDB."""
    try:
        package = importlib.import_module(f"duckdb_extension_{name}")
    except ImportError as exc:
        raise LakeUnavailable(f"the DuckDB extension {name} is not installed (pip package "
                              f"duckdb-extension-{name.replace('_', '-')}); run `make install`") from exc
    path = Path(package.__file__).parent / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.exists():
        raise LakeUnavailable(f"{path}: the installed {name} extension was not built for DuckDB {duckdb.__version__}")
    return str(path)


def load_extensions(conn: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    conn.execute("set autoinstall_known_extensions = false; set autoload_known_extensions = false")
    for name in lake.extensions():
        conn.execute(f"load '{extension_file(name)}'")
    if "://" in lake.data_path:
        _s3_secret(conn)


def _s3_secret(conn: duckdb.DuckDBPyConnection) -> None:
    """S3 or an S3-compatible store (MinIO, R2) from the usual AWS_* variables."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    options = {"key_id": os.environ.get("AWS_ACCESS_KEY_ID"), "secret": os.environ.get("AWS_SECRET_ACCESS_KEY"),
               "region": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
               "endpoint": re.sub(r"^https?://", "", endpoint) or None,
               "use_ssl": None if not endpoint else str(not endpoint.startswith("http://")).lower(),
               "url_style": "path" if endpoint else None}
    given = ", ".join(f"{key} '{value}'" if key != "use_ssl" else f"{key} {value}"
                      for key, value in options.items() if value)
    conn.execute(f"create or replace secret energy_index_lake (type s3{', ' + given if given else ''})")


def attach(conn: duckdb.DuckDBPyConnection, lake: Lake, alias: str = LAKE_ALIAS, read_only: bool = False,
           version: int | None = None, at: datetime | str | None = None) -> None:
    """Attach the lake to `conn` as `alias` (read-only at a snapshot, if asked)."""
    if read_only and not lake.exists:
        raise LakeUnavailable(f"no published warehouse yet at {lake.shown}: run `make run` first")
    load_extensions(conn, lake)
    if lake.catalog.startswith("sqlite:") and not read_only:
        _write_ahead_logged(lake.local_catalog_file)
    try:
        conn.execute(attach_statement(lake, alias, read_only, version, at))
    except duckdb.Error as exc:
        # from None: the chained error would print the catalog string with its password
        raise LakeUnavailable(f"the published warehouse (DuckLake catalog {lake.shown}, data {lake.data_path}) "
                              f"could not be attached: {redacted(str(exc).splitlines()[0])}") from None


def _write_ahead_logged(catalog: Path) -> None:
    """Put a SQLite catalog in WAL mode (once; it persists in the file). In SQLite's default
    rollback journal, a reader's open transaction blocks the publisher's commit ("database is
    locked"); with a write-ahead log, readers keep their snapshot and the commit goes through."""
    catalog.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(catalog, timeout=10)) as db, suppress(sqlite3.OperationalError):
        # A reader attached to a catalog still in journal mode stops the switch; the next publish retries.
        if db.execute("pragma journal_mode").fetchone()[0].lower() != "wal":
            db.execute("pragma journal_mode = wal")


def connect_published(lake: Lake, version: int | None = None, at: datetime | str | None = None
                      ) -> duckdb.DuckDBPyConnection:
    """An analyst's read-only connection to the published marts, the latest or as of a snapshot;
    `marts.x` resolves there, as it did in the warehouse."""
    conn = duckdb.connect(config=NO_DOWNLOADS)
    try:
        attach(conn, lake, read_only=True, version=version, at=at)
        conn.execute(f"use {LAKE_ALIAS}")
    except BaseException:
        conn.close()
        raise
    return conn


def snapshots(conn: duckdb.DuckDBPyConnection, alias: str = LAKE_ALIAS) -> list[dict]:
    """The lake's snapshots, newest first, with the refresh run that committed each."""
    rows = conn.execute(f"""select snapshot_id, snapshot_time, commit_message, commit_extra_info
        from ducklake_snapshots('{alias}') order by snapshot_id desc""").fetchall()
    return [{"snapshot_id": sid, "committed_at": time, "message": message, "extra_info": extra}
            for sid, time, message, extra in rows]


def attach_statement(lake: Lake, alias: str = LAKE_ALIAS, read_only: bool = False, version: int | None = None,
                     at: datetime | str | None = None) -> str:
    options = [f"data_path '{lake.data_path}'"] + (["override_data_path true"] if lake.relocatable else [])
    options += ["read_only"] if read_only else []
    options += [f"snapshot_version {int(version)}"] if version is not None else []
    options += [f"snapshot_time '{at}'"] if at is not None else []
    return f"attach 'ducklake:{lake.catalog}' as {alias} ({', '.join(options)})"


def attach_script(lake: Lake, version: int | None = None) -> str:
    """The statements that open the published warehouse in a DuckDB shell or notebook."""
    lines = ["set autoinstall_known_extensions = false;"]
    lines += [f"load '{extension_file(name)}';" for name in lake.extensions()]
    lines += [attach_statement(lake, read_only=True, version=version) + ";", f"use {LAKE_ALIAS};"]
    return "\n".join(lines)
