"""The OpenAPI as the reliability suites walk it: operations, their ids, and ids aimed at the seed.

Nothing here names an endpoint: operations, their id parameters and the kind of record
each id points at are read from the OpenAPI document, so a new endpoint is walked as soon
as it is served. An id's kind is its name (``vehicle_id`` → vehicles); a few body fields
name theirs differently (``corrects_id`` is an inspection, ``task_ids`` are tasks).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
ALIASES = {"corrects_id": "inspection_id"}
JsonObject = dict[str, object]
Chooser = Callable[[str, object], object]
"""Picks the value to send for an id of a kind, given the value generated for it."""


@dataclass(frozen=True)
class Operation:
    """One API operation of the OpenAPI document."""

    method: str
    path: str
    spec: JsonObject

    @property
    def label(self) -> str:
        """How people name it: ``POST /api/v1/vehicles``."""
        return f"{self.method.upper()} {self.path}"

    @property
    def writes(self) -> bool:
        """Whether the operation may change stored records."""
        return self.method in WRITE_METHODS

    @property
    def path_ids(self) -> tuple[str, ...]:
        """The names of the record ids in the path, in path order."""
        return tuple(re.findall(r"\{(\w+_id)\}", self.path))


def operations(openapi: Mapping[str, object]) -> list[Operation]:
    """Every API operation the document declares, in document order."""
    paths = openapi["paths"]
    assert isinstance(paths, dict)
    return [
        Operation(method=method, path=path, spec=spec)
        for path, methods in paths.items()
        if path.startswith("/api/")
        for method, spec in methods.items()
        if method in WRITE_METHODS | {"get", "head"}
    ]


def id_kind(name: str) -> str | None:
    """The kind of record a parameter or field names (``task_ids`` → ``task_id``), if an id."""
    if name in ALIASES:
        return ALIASES[name]
    if name.endswith("_ids"):
        return name[:-1]
    if name.endswith("_id"):
        return name
    return None


def query_ids(operation: Operation) -> dict[str, str]:
    """The operation's integer query parameters that name records: name → kind."""
    found = {}
    for parameter in _dicts(operation.spec.get("parameters")):
        kind = id_kind(str(parameter.get("name")))
        if parameter.get("in") == "query" and kind and _allows_integer(parameter.get("schema")):
            found[str(parameter["name"])] = kind
    return found


def body_ids(document: Mapping[str, object], operation: Operation) -> dict[str, str]:
    """The integer fields of the JSON body, at any depth, that name records: name → kind."""
    found: dict[str, str] = {}
    for name, schema in _properties(document, _json_body_schema(operation), set()):
        kind = id_kind(name)
        if kind and _allows_integer(schema):
            found[name] = kind
    return found


def top_level_fields(document: Mapping[str, object], operation: Operation) -> set[str]:
    """The names of the JSON body's own fields."""
    schema = _resolve(document, _json_body_schema(operation))
    properties = schema.get("properties")
    return set(properties) if isinstance(properties, dict) else set()


def _json_body_schema(operation: Operation) -> object:
    content = _dict(_dict(operation.spec.get("requestBody")).get("content"))
    return _dict(content.get("application/json")).get("schema")


def _properties(
    document: Mapping[str, object], node: object, seen: set[str]
) -> list[tuple[str, object]]:
    if isinstance(node, list):
        return [found for item in node for found in _properties(document, item, seen)]
    if not isinstance(node, dict):
        return []
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in seen:
            return []
        seen.add(ref)
        return _properties(document, _resolve(document, node), seen)
    own = list(_dict(node.get("properties")).items())
    return own + [found for value in node.values() for found in _properties(document, value, seen)]


def _resolve(document: Mapping[str, object], node: object) -> JsonObject:
    ref = _dict(node).get("$ref")
    if not isinstance(ref, str):
        return _dict(node)
    target: object = document
    for part in ref.removeprefix("#/").split("/"):
        target = _dict(target).get(part)
    return _dict(target)


def _allows_integer(schema: object) -> bool:
    node = _dict(schema)
    if node.get("type") == "integer":
        return True
    if node.get("type") == "array":
        return _allows_integer(node.get("items"))
    return any(_allows_integer(option) for option in _dicts(node.get("anyOf")))


def _dict(node: object) -> JsonObject:
    return node if isinstance(node, dict) else {}


def _dicts(node: object) -> list[JsonObject]:
    return [item for item in node if isinstance(item, dict)] if isinstance(node, list) else []


def aim(node: object, choose: Chooser) -> object:
    """``node`` (a body, or a query) with each id field's value replaced by ``choose(kind, value)``.

    Fields at any depth count (``readings[].vehicle_id``); a list of ids (``task_ids``) has
    each item chosen. Values of other fields are kept as they are.
    """
    if isinstance(node, list):
        return [aim(item, choose) for item in node]
    if not isinstance(node, dict):
        return node
    aimed: dict[object, object] = {}
    for key, value in node.items():
        kind = id_kind(key) if isinstance(key, str) else None
        if kind is None:
            aimed[key] = aim(value, choose)
        elif isinstance(value, list) and str(key).endswith("_ids"):
            aimed[key] = [choose(kind, item) for item in value]
        else:
            aimed[key] = choose(kind, value)
    return aimed
