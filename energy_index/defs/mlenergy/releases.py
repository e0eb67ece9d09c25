"""The registry of ML.ENERGY benchmark releases: data, not code.

`dbt_project/seeds/mlenergy_releases.csv` lists each release once: its short name (`v2`,
`v3`), when it was published, the pinned commit and the URL of its entry file (`{commit}` in
the URL stands for the commit). It defines one Dagster partition per release here and is a
dbt seed, so the marts know the same list. A new release, or a new commit of one, is one row
or one cell: it reloads that release alone. How a release's files are laid out is not written
here: it is recognised from the entry file (layouts.py).
"""

import re
from dataclasses import dataclass

import dagster as dg

from energy_index.registries import read_registry, refuse_problems
from energy_index.settings import DBT_PROJECT_DIR

SOURCE = "mlenergy"
REGISTRY_PATH = DBT_PROJECT_DIR / "seeds" / "mlenergy_releases.csv"
RELEASE_PATTERN = re.compile(r"^v\d+$")
COMMIT_PATTERN = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class Release:
    release: str
    published_on: str
    commit: str
    entry_url_template: str

    @property
    def entry_url(self) -> str:
        return self.entry_url_template.format(commit=self.commit)

    def sibling_url(self, relative: str) -> str:
        """A file beside the entry file (v3's `tasks/<task>.json` beside `index.json`)."""
        return f"{self.entry_url.rsplit('/', 1)[0]}/{relative}"

    @property
    def origin(self) -> str:
        return f"ML.ENERGY {self.release} at {self.commit[:12]}"


def _release(row: dict[str, str]) -> Release:
    release = Release(release=row["release"], published_on=row["published_on"], commit=row["commit"].strip(),
                      entry_url_template=row["entry_url"].strip())
    problems = [] if RELEASE_PATTERN.match(release.release) else ["release is not of the form v<number>"]
    problems += [] if COMMIT_PATTERN.match(release.commit) else ["commit is not a 40-character hex commit"]
    problems += [] if "{commit}" in release.entry_url_template else ["entry_url has no {commit} to pin"]
    refuse_problems(SOURCE, REGISTRY_PATH, release.release, problems)
    return release


def load_registry() -> dict[str, Release]:
    return read_registry(REGISTRY_PATH, "release", _release)


RELEASES = load_registry()
# The release the classifier, the energy models and the inference estimator are fitted on: v2, so
# the original analysis's figures still reproduce. Fitting across releases is issue 28's work (a
# newer serving stack and GPU need features of their own, not more rows of the same ones).
FITTED_RELEASE = "v2"
mlenergy_release_partitions = dg.StaticPartitionsDefinition(sorted(RELEASES, key=lambda r: int(r[1:])))
