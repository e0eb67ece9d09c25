"""Shared fixtures: a loopback HTTP mirror serving a generated archive, and a built warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from energy_index_tests.fixtures.mlenergy import archive_path, build_archive
from energy_index_tests.fixtures.pipeline import run_pipeline
from energy_index_tests.fixtures.server import LoopbackServer


@pytest.fixture
def server():
    with LoopbackServer() as loopback:
        yield loopback


@pytest.fixture(scope="session")
def built_home(tmp_path_factory) -> Path:
    """A warehouse built once from the fixture archive, served as an http mirror on 127.0.0.1."""
    home = tmp_path_factory.mktemp("built") / "home"
    with LoopbackServer() as mirror:
        mirror.add(archive_path(), build_archive())
        result = run_pipeline(home, mirror.base_url)
    assert result.success, "the fixture pipeline must build cleanly"
    return home


@pytest.fixture
def copied_home(built_home, tmp_path) -> Path:
    """A private copy of the built warehouse and cache, for tests that refresh it again."""
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    return home
