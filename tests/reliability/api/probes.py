"""Probe requests for the tenancy × role matrix: one schema-valid request per operation.

A probe's body is the simplest one the OpenAPI allows (Hypothesis shrinks a generated
request to it), with every id field pointing at the caller's own records; the few bodies
whose validators ask more than the schema says (a real time zone, a consistent programme)
are given in ``BODIES``. A probe then swaps one id for another operator's record, or for
an id that exists nowhere, and the matrix compares the answers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, find, settings
from schemathesis import Case, GenerationMode

from reliability.api.seed import Tenant
from reliability.api.spec import aim, id_kind, operations, query_ids, top_level_fields
from reliability.api.target import DOCUMENT, OPERATIONS

BODIES: dict[str, object] = {
    "POST /api/v1/depots": {
        "name": "Probe depot",
        "timezone": "Europe/Moscow",
        "jurisdiction": "RU",
        "shift_starts": ["08:00"],
    },
    "POST /api/v1/programmes": {
        "code": "probe",
        "name": "Probe programme",
        "vehicle_class": "bus",
        "source": "probe",
        "tasks": [{"code": "t1", "name": "Probe task", "interval_days": 30}],
    },
}
"""Bodies for operations whose validators accept less than the schema allows."""


@dataclass(frozen=True)
class Probe:
    """A schema-valid request for one operation: its body and how it is sent."""

    label: str
    method: str
    path: str
    body: object
    media_type: str | None
    query_ids: Mapping[str, str]
    body_fields: frozenset[str]

    def send(
        self,
        client: TestClient,
        tenant: Tenant,
        headers: Mapping[str, str],
        *,
        swap: Mapping[str, int] | None = None,
    ) -> httpx.Response:
        """Send the probe with ``tenant``'s records, but for the ids of the kinds in ``swap``.

        A swapped id the probe lacks is added: as a query parameter, or as a body field
        (a list for ``*_ids``). A body ``version`` takes the path record's current one.
        """
        swap = swap or {}
        path = {name: swap.get(name, _first(tenant, name)) for name in _path_names(self.path)}
        url = re.sub(r"\{(\w+)\}", lambda m: str(path[m.group(1)]), self.path)
        query = {name: swap[kind] for name, kind in self.query_ids.items() if kind in swap}
        if self.media_type is None:
            return client.request(self.method, url, params=query, headers=dict(headers))
        if self.media_type != "application/json":
            sent = {**headers, "Content-Type": self.media_type}
            return client.request(
                self.method, url, params=query, content=str(self.body), headers=sent
            )
        body = self._json_body(client, tenant, url, headers, swap)
        return client.request(self.method, url, params=query, json=body, headers=dict(headers))

    def _json_body(
        self,
        client: TestClient,
        tenant: Tenant,
        url: str,
        headers: Mapping[str, str],
        swap: Mapping[str, int],
    ) -> object:
        body = dict(self.body) if isinstance(self.body, dict) else self.body
        if isinstance(body, dict):
            for name in self.body_fields:
                kind = id_kind(name)
                if kind in swap and name not in body:
                    body[name] = [swap[kind]] if name.endswith("_ids") else swap[kind]
            if "version" in body:
                body["version"] = _current_version(client, url, headers, body["version"])
        return aim(body, lambda kind, value: swap.get(kind, _own(tenant, kind, value)))


@functools.cache
def probe_for(label: str) -> Probe:
    """The simplest schema-valid request of the operation ``label``."""
    operation = OPERATIONS[label]
    case = _simplest(label)
    body = BODIES.get(label, case.body if case.media_type else None)
    described = next(op for op in operations(DOCUMENT) if op.label == label)
    return Probe(
        label=label,
        method=operation.method.upper(),
        path=operation.full_path,
        body=None if _is_unset(body) else body,
        media_type=case.media_type,
        query_ids=query_ids(described),
        body_fields=frozenset(top_level_fields(DOCUMENT, described)),
    )


def _current_version(
    client: TestClient, url: str, headers: Mapping[str, str], fallback: object
) -> object:
    """The version of the record the path names (its URL up to the last id), as now stored."""
    record = re.match(r"^(.*/\d+)(?:/[^/\d][^/]*)?$", url)
    if record is None:
        return fallback
    found = client.get(record.group(1), headers=dict(headers))
    return found.json().get("version", fallback) if found.status_code == 200 else fallback


def _simplest(label: str) -> Case:
    strategy = OPERATIONS[label].as_strategy(GenerationMode.POSITIVE)
    simplest: Case = find(
        strategy,
        lambda _: True,
        settings=settings(
            database=None,
            max_examples=50,
            phases=(Phase.generate, Phase.shrink),
            suppress_health_check=list(HealthCheck),
        ),
    )
    return simplest


def _is_unset(body: object) -> bool:
    return type(body).__name__ == "NotSet"


def _path_names(path: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", path)


def _first(tenant: Tenant, kind: str) -> int:
    found = tenant.ids.get(kind)
    assert found, f"the seed has no {kind} for {tenant.label}: seed one in seed.py"
    return found[0]


def _own(tenant: Tenant, kind: str, value: object) -> object:
    return tenant.ids[kind][0] if kind in tenant.ids else value
