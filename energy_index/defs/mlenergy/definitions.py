"""The ML.ENERGY domain: each registered benchmark release (one partition each) observed, downloaded and
loaded to the raw tables of its layout."""

from energy_index.defs.domains import domain_definitions
from energy_index.defs.mlenergy.assets import mlenergy_release
from energy_index.defs.mlenergy.source import mlenergy_release_files, upstream_mlenergy_release

defs = domain_definitions("mlenergy", [upstream_mlenergy_release, mlenergy_release_files, mlenergy_release])
