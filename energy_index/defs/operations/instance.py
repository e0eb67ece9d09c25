"""The Dagster instance's settings (DAGSTER_HOME/dagster.yaml) for the warehouse profile.

Both profiles share `dagster_instance.yaml` (pools, run monitoring). The team profile adds
instance storage (runs, events, schedules) in PostgreSQL, so the nightly writer and every
`dagster dev` of the team see the same runs, snapshots' run ids and check results.
"""

from __future__ import annotations

import os
from pathlib import Path

from energy_index.settings import DAGSTER_POSTGRES_ENV, REPO_ROOT, ProfileError, Settings

TEAM_STORAGE = f"""
# Team profile (ENERGY_INDEX_WAREHOUSE=team): runs, events and schedules in the team's PostgreSQL.
storage:
  postgres:
    postgres_url:
      env: {DAGSTER_POSTGRES_ENV}
"""


def instance_config(settings: Settings) -> str:
    base = (REPO_ROOT / "dagster_instance.yaml").read_text()
    return base + (TEAM_STORAGE if settings.profile == "team" else "")


def write_instance_config(dagster_home: Path, settings: Settings) -> Path:
    """Write dagster.yaml when it is missing or differs (the profile changed); a dagster.yaml
    someone wrote by hand (not starting with ours) is theirs and is left alone."""
    if settings.profile == "team" and not os.environ.get(DAGSTER_POSTGRES_ENV):
        raise ProfileError(f"ENERGY_INDEX_WAREHOUSE=team needs {DAGSTER_POSTGRES_ENV}, the Dagster instance's "
                           f"PostgreSQL URL (postgresql+psycopg2://user:password@host:5432/dagster)")
    dagster_home.mkdir(parents=True, exist_ok=True)
    path, text = dagster_home / "dagster.yaml", instance_config(settings)
    current = path.read_text() if path.exists() else None
    if current is None or (current != text and current.splitlines()[:1] == text.splitlines()[:1]):
        path.write_text(text)
    return path
