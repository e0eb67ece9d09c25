"""The ML.ENERGY domain: the leaderboard archive, observed and downloaded, and its runs and models."""

from energy_index.defs.domains import domain_definitions
from energy_index.defs.mlenergy.assets import mlenergy_models, mlenergy_runs
from energy_index.defs.mlenergy.source import mlenergy_archive, upstream_mlenergy_archive

defs = domain_definitions("mlenergy", [upstream_mlenergy_archive, mlenergy_archive, mlenergy_runs, mlenergy_models])
