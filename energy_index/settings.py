"""Where the project keeps its files and which sources it reads, from the environment, in one place.

Every variable, its default and its meaning is listed in `energy_index/environment.py` (the docs'
settings reference is generated from it). `ENERGY_INDEX_HOME` (default `./data`) holds the
warehouse, the local lake, the download cache and trained models; dbt's `profiles.yml` reads the
same variable, so Python assets and dbt always open the same DuckDB file, and dbt's target directory
(`DBT_TARGET_PATH`) is `<home>/dbt`, since its parse state is valid for one warehouse path only.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SQL_DIR = REPO_ROOT / "sql"
# The dbt installed beside this interpreter, so it is found even when the venv is not activated.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt")) if Path(sys.executable).with_name("dbt").exists() \
    else (shutil.which("dbt") or "dbt")

HOME_ENV = "ENERGY_INDEX_HOME"
DBT_TARGET_ENV = "DBT_TARGET_PATH"  # dagster-dbt and dbt both read it
MIRROR_ENV = "ENERGY_INDEX_MIRROR"
TRUTH_ENV = "ENERGY_INDEX_CORPORATE_TRUTH"
POOL_WAIT_ENV, LOCK_WAIT_ENV = "ENERGY_INDEX_POOL_WAIT_S", "ENERGY_INDEX_LOCK_WAIT_S"
TRAINING_ENV = "ENERGY_INDEX_TRAINING_DIR"
PROFILE_ENV = "ENERGY_INDEX_WAREHOUSE"
LAKE_CATALOG_ENV, LAKE_DATA_ENV = "ENERGY_INDEX_LAKE_CATALOG", "ENERGY_INDEX_LAKE_DATA"
DAGSTER_POSTGRES_ENV = "ENERGY_INDEX_DAGSTER_POSTGRES_URL"
PROFILES = ("local", "team")
COUNTRY_ENV, FOOTPRINT_ENV = "ENERGY_INDEX_COUNTRY", "ENERGY_INDEX_FOOTPRINT"
WORKERS_ENV = "ENERGY_INDEX_WORKERS"
SHARED_TRAINING = REPO_ROOT.parent / "shared" / "training"
PROJECT_TRUTH = DBT_PROJECT_DIR / "seeds" / "corporate_reader_truth.csv"
SHARED_TRUTH = REPO_ROOT.parent / "shared" / "corporate" / "truth.csv"


@dataclass(frozen=True)
class Settings:
    home: Path
    mirror: str | None
    corporate_truth: tuple[Path, ...] = (PROJECT_TRUTH,)
    pool_wait_s: float = 600.0
    lock_wait_s: float = 60.0
    training_dir: Path | None = None
    country_iso: str | None = None  # the grid our own footprint is counted on; None: the world average
    footprint: bool = True
    profile: str = "local"
    lake_catalog: str | None = None  # a DuckLake catalog (`sqlite:...`, `postgres:...`, a DuckDB file)
    lake_data: str | None = None  # where the lake's Parquet files go: a directory or s3:// prefix
    workers: int = 1  # worker processes for CPU-bound work inside a step

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def lake_catalog_uri(self) -> str:
        return self.lake_catalog or f"sqlite:{self.home / 'lake' / 'catalog.sqlite'}"

    @property
    def lake_data_path(self) -> str:
        return self.lake_data or f"{self.home / 'lake' / 'data'}/"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def labels_dir(self) -> Path:
        return self.home / "labels"


def load_settings() -> Settings:
    """Read the settings and export the absolute home so the dbt subprocess sees the same path."""
    home = Path(os.environ.get(HOME_ENV) or REPO_ROOT / "data").expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ[HOME_ENV] = str(home)
    os.environ[DBT_TARGET_ENV] = str(home / "dbt")
    mirror = os.environ.get(MIRROR_ENV) or None
    if mirror and "://" not in mirror:
        mirror = str(Path(mirror).expanduser().resolve())
    configured = os.environ.get(TRUTH_ENV)
    extra = [Path(p).expanduser().resolve() for p in configured.split(os.pathsep) if p] if configured \
        else [SHARED_TRUTH] if SHARED_TRUTH.exists() else []
    return Settings(home=home, mirror=mirror, corporate_truth=(PROJECT_TRUTH, *extra),
                    pool_wait_s=float(os.environ.get(POOL_WAIT_ENV) or Settings.pool_wait_s),
                    lock_wait_s=float(os.environ.get(LOCK_WAIT_ENV) or Settings.lock_wait_s),
                    training_dir=_training_dir(), country_iso=(os.environ.get(COUNTRY_ENV) or "").upper() or None,
                    footprint=(os.environ.get(FOOTPRINT_ENV) or "on").lower() not in ("off", "0", "false", "no"),
                    workers=max(1, int(os.environ.get(WORKERS_ENV) or os.cpu_count() or 1)),
                    **_warehouse_profile())


class ProfileError(ValueError):
    """The warehouse profile's settings are missing or contradictory."""


def _warehouse_profile() -> dict:
    profile = (os.environ.get(PROFILE_ENV) or "local").lower()
    if profile not in PROFILES:
        raise ProfileError(f"{PROFILE_ENV}={profile!r}: the warehouse profile is one of {', '.join(PROFILES)}")
    catalog, data = os.environ.get(LAKE_CATALOG_ENV) or None, os.environ.get(LAKE_DATA_ENV) or None
    if profile == "team" and not (catalog and data):
        raise ProfileError(f"{PROFILE_ENV}=team needs {LAKE_CATALOG_ENV} (the shared DuckLake catalog, e.g. "
                           f"'postgres:dbname=energy_index host=db user=energy_index') and {LAKE_DATA_ENV} (a shared "
                           f"directory or s3://bucket/prefix/ for its Parquet files); see docs/how-to/team-profile.md")
    if data and "://" not in data:
        data = str(Path(data).expanduser().resolve()) + "/"
    return {"profile": profile, "lake_catalog": catalog, "lake_data": data}


def _training_dir() -> Path | None:
    configured = os.environ.get(TRAINING_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    return SHARED_TRAINING if SHARED_TRAINING.exists() else None
