"""The registry of Economic Index releases: data, not code.

`dbt_project/seeds/economic_index_releases.csv` lists each release once: its id (the folder
on Hugging Face), when it was published, its layout (`wide`: one CSV per table; `long`: one
value per row), the files it holds (paths under the release folder, `;`-separated), which of
them gives the release's share of conversations per task and its collaboration mix, and where
it is documented. It defines one Dagster partition per release here and is a dbt seed, so the
marts know the same list. A new release is one row.
"""

import re
from dataclasses import dataclass

import dagster as dg

from energy_index.registries import read_registry, refuse_problems
from energy_index.settings import DBT_PROJECT_DIR

SOURCE = "economic_index"
BASE_URL = "https://huggingface.co/datasets/Anthropic/EconomicIndex/resolve/main"
REGISTRY_PATH = DBT_PROJECT_DIR / "seeds" / "economic_index_releases.csv"
RELEASE_PATTERN = re.compile(r"^release_\d{4}_\d{2}_\d{2}$")
LAYOUTS = ("wide", "long")


@dataclass(frozen=True)
class Release:
    release: str
    published_on: str
    layout: str
    files: tuple[str, ...]
    task_share_file: str
    collaboration_file: str

    def url(self, filename: str, base_url: str = BASE_URL) -> str:
        return f"{base_url}/{self.release}/{filename}"


def _release(row: dict[str, str]) -> Release:
    release = Release(release=row["release"], published_on=row["published_on"], layout=row["layout"],
                      files=tuple(f.strip() for f in row["files"].split(";") if f.strip()),
                      task_share_file=row["task_share_file"], collaboration_file=row["collaboration_file"])
    problems = [] if RELEASE_PATTERN.match(release.release) else ["release is not of the form release_YYYY_MM_DD"]
    problems += [] if release.layout in LAYOUTS else [f"layout {release.layout!r} is not one of {LAYOUTS}"]
    problems += [f"{column} {name!r} is not one of its files" for column, name in (
        ("task_share_file", release.task_share_file), ("collaboration_file", release.collaboration_file))
        if name and name not in release.files]
    refuse_problems(SOURCE, REGISTRY_PATH, release.release, problems)
    return release


def load_registry() -> dict[str, Release]:
    return read_registry(REGISTRY_PATH, "release", _release)


RELEASES = load_registry()
release_partitions = dg.StaticPartitionsDefinition(sorted(RELEASES))
