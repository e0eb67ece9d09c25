"""Registries of versioned sources (dbt seeds read by Python too): one way to read a row per
release and to refuse a row that cannot describe one, naming the file, the row and every problem."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

Row = TypeVar("Row")


class RegistryError(ValueError):
    """A row of a release registry that cannot describe a release."""


def read_registry(path: Path, key: str, make: Callable[[dict[str, str]], Row]) -> dict[str, Row]:
    """{row[key]: make(row)} for every row of the registry CSV at `path`."""
    with path.open(newline="") as handle:
        return {row[key]: make(row) for row in csv.DictReader(handle)}


def refuse_problems(source: str, path: Path, name: str, problems: list[str]) -> None:
    """Raise RegistryError naming the source, the file, the row and each problem, if there are any."""
    if problems:
        raise RegistryError(f"[{source}] {path.name}, {name}: " + "; ".join(problems))
