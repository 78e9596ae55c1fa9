"""Shared fixtures for the rule-pack tests: the shipped catalog and small valid packs."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tightnut.rules import RuleCatalog, load_catalog

_ITEM: dict[str, object] = {
    "id": "wheels.fasteners",
    "group": "wheels",
    "text": {"en": "Wheel fasteners", "ru": "Крепление колёс"},
    "applies_to": {"vehicle_classes": ["bus", "truck"]},
    "record": {"kind": "count", "unit": "fasteners"},
    "severity": "major",
    "gate": "warn",
    "limits": [{"gate": "block", "severity": "dangerous", "when": {"count_at_least": 3}}],
    "source": {"ref": "test clause"},
    "verification": "verified",
}

WritePack = Callable[[str, object], Path]


@pytest.fixture
def item_data() -> dict[str, object]:
    """A fresh, valid count item as plain data that a test may break."""
    return copy.deepcopy(_ITEM)


@pytest.fixture
def pack_data(item_data: dict[str, object]) -> dict[str, object]:
    """A fresh, valid US pack as plain data that a test may break."""
    return {
        "jurisdiction": "US",
        "name": {"en": "Test pack", "ru": "Тестовый пакет"},
        "version": "1",
        "release_rule": {"ref": "test release clause", "verification": "verified"},
        "items": [item_data],
    }


@pytest.fixture
def write_pack(tmp_path: Path) -> WritePack:
    """Write plain data (or raw text) as a pack file under tmp_path and return its path."""

    def write(name: str, data: object) -> Path:
        path = tmp_path / name
        text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def catalog() -> RuleCatalog:
    """The catalog of shipped packs, loaded once."""
    return load_catalog()
