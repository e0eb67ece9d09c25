"""Shared fixtures: a loopback HTTP mirror serving generated sources, and a built warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from energy_index_tests.fixtures import economic_index
from energy_index_tests.fixtures.mlenergy import archive_path, build_archive
from energy_index_tests.fixtures.pipeline import run_pipeline
from energy_index_tests.fixtures.server import LoopbackServer


def serve_sources(server: LoopbackServer) -> LoopbackServer:
    """Put every generated source where the pinned upstream URLs map onto an http mirror."""
    server.add(archive_path(), build_archive())
    for filename, body in economic_index.build_files().items():
        server.add(economic_index.file_path(filename), body)
    return server


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
