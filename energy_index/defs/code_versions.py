"""Code versions: a Python asset's is a hash of its domain's source files.

Dagster marks an asset stale when its code version differs from the one its last
materialisation recorded, and derives a deterministic data version from code and input
versions, so an unchanged asset on unchanged inputs is skipped. Hashing the domain package (the
asset's module and the helpers beside it) rather than a hand-kept number means an edit can never
forget its bump; an edit to a comment rebuilds that domain once, which is cheap and safe. dbt
models carry their own (the hash of their SQL, from dagster-dbt); seeds the hash of their CSV.
"""

import hashlib
import sys
from functools import cache
from pathlib import Path

import dagster as dg


@cache
def package_version(package_dir: Path) -> str:
    """sha256 over the package's Python files, names and contents, in a stable order."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def defining_package(assets_def: dg.AssetsDefinition) -> Path | None:
    """The directory of the module that defines the asset's function."""
    function = getattr(assets_def.op.compute_fn, "decorated_fn", None)
    module = sys.modules.get(getattr(function, "__module__", ""))
    return Path(module.__file__).parent if module is not None and module.__file__ else None


def versioned(assets_def: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The asset with its domain's code version on every key that has none of its own."""
    if not assets_def.is_executable or assets_def.is_observable:
        return assets_def
    package = defining_package(assets_def)
    if package is None or all(assets_def.code_versions_by_key.values()):
        return assets_def
    version = package_version(package)
    return assets_def.map_asset_specs(
        lambda spec: spec if spec.code_version else spec.replace_attributes(code_version=version))
