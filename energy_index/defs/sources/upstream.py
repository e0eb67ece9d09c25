"""What each source holds upstream, observed cheaply before anything is downloaded or rebuilt.

Every source has an observable asset under `upstream/` whose data version identifies what its
files hold now: the fetcher's `probe` for URLs (ETag / Last-Modified from a HEAD request, or a
mirror file's sha256), a sha256 for files read from disk. The asset that downloads or loads the
source depends on it, so Dagster marks it, and everything downstream, stale only when a version
changed; `make run` and the nightly schedules rebuild exactly that (see operations/refresh.py).
"""

import hashlib
import inspect
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path

import dagster as dg
from dagster._core.definitions.external_asset import create_external_asset_from_source_asset

from energy_index.integrity import sha256_file
from energy_index.metadata_tables import records_table

# Observable source assets have been Dagster's way to version external data since 1.3; the beta
# label is about their API, which is pinned (dagster<1.14) here; so is selecting them by prefix.
BETA_APIS = "observable_source_asset|include_sources|DataVersionsByPartition|execution_type"
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=f".*({BETA_APIS}).*")

UNAVAILABLE = "unavailable"


def combined_version(versions: Mapping[str, str | None]) -> dg.DataVersion:
    """One data version for a source of several files: a hash of each file's version."""
    text = "\n".join(f"{name}={version or UNAVAILABLE}" for name, version in sorted(versions.items()))
    return dg.DataVersion(hashlib.sha256(text.encode()).hexdigest()[:24])


def file_version(path: Path | None) -> str | None:
    """A local file's sha256 (None when it does not exist)."""
    return f"sha256:{sha256_file(path)[0]}" if path is not None and path.is_file() else None


def observation(versions: Mapping[str, str | None]) -> dg.ObserveResult:
    """The source's combined version, with each file's version shown on the asset's page."""
    rows = [{"file": name, "version": version or UNAVAILABLE} for name, version in sorted(versions.items())]
    return dg.ObserveResult(data_version=combined_version(versions), metadata={
        "files": records_table(rows, ["file", "version"]),
        "unavailable": sum(version is None for version in versions.values())})


def upstream_source(key: dg.AssetKey, **options) -> Callable:
    """`@dg.observable_source_asset` described by the function's docstring, as an external asset
    (its domain's definitions give it the domain's group, like every other asset)."""
    def decorate(observe: Callable) -> dg.AssetsDefinition:
        source = dg.observable_source_asset(key=key, description=inspect.cleandoc(observe.__doc__),
                                            **options)(observe)
        return create_external_asset_from_source_asset(source)
    return decorate
