"""Shared fixtures for the planning tests: the OR-Library data beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from tightnut.planning.orlib import default_data_dir

BUNDLED = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def orlib_dir() -> Path:
    """The OR-Library folder beside the repository, or the few instances the tests carry."""
    path = default_data_dir()
    wanted = (
        "pmed/pmed1.txt",
        "pmed/pmed2.txt",
        "pmed/pmed6.txt",
        "cap/cap71.txt",
        "cap/cap101.txt",
    )
    if all((path / name).is_file() for name in wanted):
        return path
    return BUNDLED
