"""Every domain of the pipeline, one package each (`definitions.py` lists its assets and checks).

Checks partitioned like their asset are how Dagster shows one result per report or release; the
preview label is about the API, pinned here (dagster<1.14). Set here, before any domain's
assets are built, whichever module imports them first.
"""

import warnings

import dagster as dg

warnings.filterwarnings("ignore", category=dg.PreviewWarning, message=".*partitions_def on an AssetCheckSpec.*")
