"""Shared fixtures: a loopback HTTP mirror serving generated sources, and a built warehouse.

The suite runs on every core (pytest-xdist). A state that takes a refresh to build (the fixture
warehouse with the Dagster instance that built it) is built once per session, by whichever
worker asks first, under a lock the others wait on; tests read it, or copy it to change it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest

from energy_index.defs.corporate.registry import REPORTS
from energy_index.settings import SHARED_TRAINING, TRAINING_ENV
from energy_index_tests.fixtures import aei_releases, corporate, economic_index, grid_carbon, mlenergy_v3
from energy_index_tests.fixtures.mirror import find_mirror
from energy_index_tests.fixtures.mlenergy import archive_path, build_archive
from energy_index_tests.fixtures.pipeline import (
    environment,
    failure_messages,
    instance_beside,
    refresh_in_process,
    run_pipeline,
)
from energy_index_tests.fixtures.server import LoopbackServer


# Modules that build a session state or run whole refreshes, slowest first. xdist hands modules to
# its workers in collection order (pyproject.toml turns its own reordering by test count off), so
# these start first, in parallel, and the suite does not end waiting on one of them.
SCHEDULED_FIRST = ("test_mirror_end_to_end", "test_team_profile", "test_fault_injection", "test_corporate_pipeline",
                   "test_incremental_refresh", "test_corporate_dev_set")


def pytest_collection_modifyitems(config, items):
    rank = {name: index for index, name in enumerate(SCHEDULED_FIRST)}
    items.sort(key=lambda item: rank.get(item.module.__name__.rsplit(".", 1)[-1], len(rank)))


@cache
def generated_sources() -> tuple[tuple[str, bytes], ...]:
    """Every generated source and where the pinned upstream URLs map it onto an http mirror. The
    archive and PDFs are generated without timestamps, so every worker serves the same bytes: a
    different build would look like a new upstream version to the next refresh."""
    sources = [(archive_path(), build_archive())]
    sources += [(mlenergy_v3.file_path(name), body) for name, body in mlenergy_v3.build_files().items()]
    sources += [(economic_index.file_path(name), body) for name, body in economic_index.build_files().items()]
    sources += [(economic_index.file_path(name, release), body)
                for release, files in aei_releases.later_releases().items() for name, body in files.items()]
    sources += [(grid_carbon.file_path(year), grid_carbon.build_file(year)) for year in grid_carbon.ROWS]
    # The main Microsoft report is left out, as in the offline mirror: it must be skipped, not fail.
    sources += [(mirror_path(REPORTS["google_2024_environmental_report"].url), corporate.google_report()),
                (mirror_path(REPORTS["microsoft_2024_data_fact_sheet"].url), corporate.fact_sheet())]
    return tuple(sources)


def serve_sources(server: LoopbackServer) -> LoopbackServer:
    """Put every generated source where the pinned upstream URLs map onto an http mirror."""
    for path, body in generated_sources():
        server.add(path, body)
    return server


def mirror_path(url: str) -> str:
    """Where an upstream URL sits on an http mirror: `/<host>/<path>`."""
    return "/" + url.split("://", 1)[1]


@pytest.fixture
def server():
    with LoopbackServer() as loopback:
        yield loopback


@pytest.fixture
def mirror(server) -> LoopbackServer:
    """A loopback mirror already serving every generated source; tests swap single files."""
    return serve_sources(server)


@contextmanager
def _exclusive(lock: Path):
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def session_state(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """A directory `build(directory)` fills once per test session, shared by every xdist worker: the
    first worker to ask builds it under a lock; the others wait for it, then use it as it is."""
    root = tmp_path_factory.getbasetemp()
    root = root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root
    directory = root / f"session-{name}"
    with _exclusive(root / f"session-{name}.lock"):
        if not (directory / ".built").exists():
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir()
            build(directory)
            (directory / ".built").touch()
    return directory


def _build_warehouse(directory: Path) -> None:
    home = directory / "home"
    with LoopbackServer() as loopback:
        _, outcomes, _ = refresh_in_process(home, serve_sources(loopback).base_url, instance_beside(home))
    assert all(o.success for o in outcomes), f"the fixture pipeline must build cleanly: {outcomes}"


@pytest.fixture(scope="session")
def built_home(tmp_path_factory) -> Path:
    """A warehouse built once per session from the generated sources, served as an http mirror on
    127.0.0.1, by `make run`'s refresh; its Dagster instance is kept beside it (`instance_beside(home)`).
    Read it; copy it (`copied_home`, `refreshed_home`) to change it."""
    return session_state(tmp_path_factory, "built", _build_warehouse) / "home"


def _build_from_mirror(directory: Path) -> None:
    # The published training figures beside the mirror, when there (CI has them); else generated ones.
    with environment(**{TRAINING_ENV: str(SHARED_TRAINING) if SHARED_TRAINING.exists() else None}):
        result = run_pipeline(directory / "home", find_mirror())
    assert result.success, failure_messages(result)


@pytest.fixture(scope="session")
def mirror_home(tmp_path_factory) -> Path:
    """The whole pipeline run once per session on the real sources of the offline mirror (skipped
    where there is none; CI always has it)."""
    if find_mirror() is None:
        pytest.skip("no offline mirror here (ENERGY_INDEX_MIRROR or ../shared/mirror)")
    return session_state(tmp_path_factory, "mirror", _build_from_mirror) / "home"


@pytest.fixture
def copied_home(built_home, tmp_path) -> Path:
    """A private copy of the built warehouse and cache, for tests that refresh it again."""
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    return home


@pytest.fixture
def refreshed_home(built_home, tmp_path) -> Path:
    """A private copy of the built warehouse with the Dagster instance that built it, so the next
    refresh knows what is up to date (`instance_beside(home)` opens it)."""
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    shutil.copytree(built_home.parent / "dagster", tmp_path / "dagster")
    return home
