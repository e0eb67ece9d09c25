"""Shared fixtures: a loopback HTTP mirror serving generated sources, and a built warehouse."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

import pytest

from energy_index.defs.corporate.registry import REPORTS
from energy_index_tests.fixtures import aei_releases, corporate, economic_index, grid_carbon
from energy_index_tests.fixtures.mlenergy import archive_path, build_archive
from energy_index_tests.fixtures.pipeline import instance_beside, refresh_in_process
from energy_index_tests.fixtures.server import LoopbackServer


@cache
def generated_sources() -> tuple[tuple[str, bytes], ...]:
    """Every generated source and where the pinned upstream URLs map it onto an http mirror, built
    once per session: an archive or PDF built twice differs in its timestamps, which would look
    like a new upstream version to the next refresh."""
    sources = [(archive_path(), build_archive())]
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


@pytest.fixture(scope="session")
def built_home(tmp_path_factory) -> Path:
    """A warehouse built once from the generated sources, served as an http mirror on 127.0.0.1, by
    `make run`'s refresh; its Dagster instance is kept beside it (`instance_beside(home)`)."""
    home = tmp_path_factory.mktemp("built") / "home"
    with LoopbackServer() as loopback:
        _, outcomes, _ = refresh_in_process(home, serve_sources(loopback).base_url, instance_beside(home))
    assert all(o.success for o in outcomes), f"the fixture pipeline must build cleanly: {outcomes}"
    return home


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
