"""Load rule packs from YAML files, validate them and answer which items apply to a vehicle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from tightnut.rules.schema import ENGINE_TYPES, VEHICLE_CLASSES, RuleItem, RulePack

PACKS_DIRECTORY = Path(__file__).parent / "packs"

ItemRef = str | int | None


class RulePackError(Exception):
    """A rule pack file is unreadable or invalid; names the file, item and field."""

    def __init__(self, file: str, item: ItemRef, field: str | None, message: str) -> None:
        self.file = file
        self.item = item
        self.field = field
        self.message = message
        super().__init__(self._render())

    def _render(self) -> str:
        """Build the one-line description shown to an administrator."""
        parts = [self.file]
        if isinstance(self.item, int):
            parts.append(f"item {self.item}")
        elif self.item is not None:
            parts.append(f"item {self.item!r}")
        if self.field is not None:
            parts.append(f"field {self.field!r}")
        return ": ".join([*parts, self.message])


@dataclass(frozen=True)
class RuleCatalog:
    """The loaded rule packs, keyed by jurisdiction code."""

    packs: Mapping[str, RulePack]

    def pack(self, jurisdiction: str) -> RulePack:
        """Return the pack of a jurisdiction; raise LookupError if none is loaded."""
        try:
            return self.packs[jurisdiction]
        except KeyError:
            known = ", ".join(sorted(self.packs)) or "none"
            raise LookupError(f"no rule pack for {jurisdiction!r} (loaded: {known})") from None

    def checklist(
        self, *, jurisdiction: str, vehicle_class: str, engine_type: str
    ) -> tuple[RuleItem, ...]:
        """Return the items an inspector checks on this vehicle, in file order."""
        _check_vehicle(vehicle_class, engine_type)
        return tuple(
            item
            for item in self.pack(jurisdiction).items
            if item.derived_from is None and item.applies_to.applies(vehicle_class, engine_type)
        )

    def find_item(self, jurisdiction: str, item_id: str) -> RuleItem | None:
        """Return the item with this id in the jurisdiction's pack, or None."""
        return self.pack(jurisdiction).find(item_id)

    def derived(self, *, jurisdiction: str, fact: str) -> RuleItem | None:
        """Return the item that the system checks from this vehicle fact, or None."""
        items = self.pack(jurisdiction).items
        return next((item for item in items if item.derived_from == fact), None)


def load_catalog(directory: Path | None = None) -> RuleCatalog:
    """Load and validate every *.yaml pack in the directory (default: the shipped packs)."""
    folder = PACKS_DIRECTORY if directory is None else directory
    if not folder.is_dir():
        raise RulePackError(str(folder), None, None, "rule pack directory not found")
    packs: dict[str, RulePack] = {}
    for path in sorted(folder.glob("*.yaml")):
        pack = load_pack(path)
        packs[pack.jurisdiction] = pack
    return RuleCatalog(packs=packs)


def load_pack(path: Path) -> RulePack:
    """Load one pack file, validate it and check that its name matches its jurisdiction."""
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise RulePackError(path.name, None, None, "a rule pack must be a mapping at the top level")
    _check_duplicate_ids(path.name, raw)
    try:
        pack = RulePack.model_validate(raw)
    except ValidationError as error:
        raise _translate(path.name, raw, error.errors()[0]) from None
    expected = f"{pack.jurisdiction.lower()}.yaml"
    if path.name != expected:
        message = f"jurisdiction {pack.jurisdiction} must live in {expected}"
        raise RulePackError(path.name, None, "jurisdiction", message)
    return pack


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[object, object]:
    """Build a mapping, raising on a repeated key so no value is silently dropped."""
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} given twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path) -> object:
    """Parse a YAML file; a syntax error names the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RulePackError(path.name, None, None, f"cannot read the file: {error}") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as error:
        raise RulePackError(path.name, None, None, _yaml_message(error)) from None


def _yaml_message(error: yaml.YAMLError) -> str:
    """Describe a YAML error with its line and column."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is None:
        return f"YAML syntax error: {problem}"
    return f"line {mark.line + 1}, column {mark.column + 1}: YAML syntax error: {problem}"


def _check_duplicate_ids(file: str, raw: dict[object, object]) -> None:
    """Reject two items with the same id, naming the id."""
    items = raw.get("items")
    if not isinstance(items, list):
        return
    seen: set[str] = set()
    for entry in items:
        item_id = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(item_id, str):
            if item_id in seen:
                raise RulePackError(file, item_id, "id", "item id used twice in the pack")
            seen.add(item_id)


def _translate(file: str, raw: dict[object, object], error: ErrorDetails) -> RulePackError:
    """Turn a pydantic error location into item id and field path."""
    location = list(error["loc"])
    message = _clean_message(error["msg"])
    if len(location) >= 2 and location[0] == "items" and isinstance(location[1], int):
        item = _item_ref(raw, location[1])
        field = ".".join(str(part) for part in location[2:]) or None
        return RulePackError(file, item, field, message)
    field = ".".join(str(part) for part in location) or None
    return RulePackError(file, None, field, message)


def _item_ref(raw: dict[object, object], index: int) -> ItemRef:
    """Return the item's id when it has a usable one, else its index."""
    items = raw.get("items")
    if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
        item_id = items[index].get("id")
        if isinstance(item_id, str) and item_id:
            return item_id
    return index


def _clean_message(message: str) -> str:
    """Drop pydantic's 'Value error, ' prefix from validator messages."""
    return message.removeprefix("Value error, ")


def _check_vehicle(vehicle_class: str, engine_type: str) -> None:
    """Raise ValueError for a vehicle class or engine type that no pack knows."""
    if vehicle_class not in VEHICLE_CLASSES:
        raise ValueError(f"unknown vehicle class {vehicle_class!r}")
    if engine_type not in ENGINE_TYPES:
        raise ValueError(f"unknown engine type {engine_type!r}")
