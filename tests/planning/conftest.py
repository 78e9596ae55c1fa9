"""Shared fixtures for the planning tests: the OR-Library data beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from tightnut.planning.orlib import default_data_dir


@pytest.fixture(scope="session")
def orlib_dir() -> Path:
    """The OR-Library folder (`../shared/data/orlib`), or skip when it is not checked out."""
    path = default_data_dir()
    if not (path / "pmed" / "pmed1.txt").is_file():
        pytest.skip(f"OR-Library data not found at {path}")
    return path
