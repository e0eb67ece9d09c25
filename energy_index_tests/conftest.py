"""Shared fixtures: a loopback HTTP mirror serving generated sources, and a built warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from energy_index.defs.corporate.registry import REPORTS
from energy_index_tests.fixtures import corporate, economic_index, grid_carbon
from energy_index_tests.fixtures.mlenergy import archive_path, build_archive
from energy_index_tests.fixtures.pipeline import run_pipeline
from energy_index_tests.fixtures.server import LoopbackServer


def serve_sources(server: LoopbackServer) -> LoopbackServer:
    """Put every generated source where the pinned upstream URLs map onto an http mirror."""
    server.add(archive_path(), build_archive())
    for filename, body in economic_index.build_files().items():
        server.add(economic_index.file_path(filename), body)
    for year in grid_carbon.ROWS:
        server.add(grid_carbon.file_path(year), grid_carbon.build_file(year))
    # The main Microsoft report is left out, as in the offline mirror: it must be skipped, not fail.
    server.add(mirror_path(REPORTS["google_2024_environmental_report"].url), corporate.google_report())
    server.add(mirror_path(REPORTS["microsoft_2024_data_fact_sheet"].url), corporate.fact_sheet())
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
    """A warehouse built once from the generated sources, served as an http mirror on 127.0.0.1."""
    home = tmp_path_factory.mktemp("built") / "home"
    with LoopbackServer() as loopback:
        result = run_pipeline(home, serve_sources(loopback).base_url)
    assert result.success, "the fixture pipeline must build cleanly"
    return home


@pytest.fixture
def copied_home(built_home, tmp_path) -> Path:
    """A private copy of the built warehouse and cache, for tests that refresh it again."""
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    return home
