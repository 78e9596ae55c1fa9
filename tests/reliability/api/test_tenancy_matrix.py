"""The tenancy × role matrix, generated from the OpenAPI: new endpoints are probed unedited.

- Every id of every operation (path, query or body), set to another operator's record of
  its kind, gets the answer an id that exists nowhere gets (status and body, but for the
  id), that answer never names the other operator's records, and an id in the path is
  404 to any role that may use the operation.
- Every write, sent by each role without the right, answers 403 and writes no row in any
  table; each role with the right is not refused (so the table below matches the code).
- Without a token, every operation but the token exchange answers 401 and writes nothing.

``RIGHTS`` names the right each write requires (the ``actor.require(Right.X)`` its route
or service calls); a write missing from it fails the first test, so it is never skipped.
"""

from __future__ import annotations

from enum import StrEnum

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from reliability.api.probes import probe_for
from reliability.api.seed import NOWHERE_ID, Tenant, World, row_counts
from reliability.api.spec import body_ids, id_kind, operations, query_ids
from reliability.api.target import DOCUMENT, OPERATIONS
from tightnut.auth.models import Role
from tightnut.auth.rights import GRANTS, Right


class Open(StrEnum):
    """Operations no right guards."""

    ANYONE = "anyone, signed in or not"
    SIGNED_IN = "any signed-in user"


RIGHTS: dict[str, Right | Open] = {
    "POST /api/v1/auth/token": Open.ANYONE,
    "POST /api/v1/me/tokens": Open.SIGNED_IN,
    "DELETE /api/v1/me/tokens/{token_id}": Open.SIGNED_IN,
    "GET /api/v1/users": Right.MANAGE_USERS,
    "POST /api/v1/users": Right.MANAGE_USERS,
    "GET /api/v1/users/{user_id}": Right.MANAGE_USERS,
    "PATCH /api/v1/users/{user_id}": Right.MANAGE_USERS,
    "POST /api/v1/users/{user_id}/deactivate": Right.MANAGE_USERS,
    "POST /api/v1/users/{user_id}/reactivate": Right.MANAGE_USERS,
    "POST /api/v1/depots": Right.MANAGE_FLEET,
    "POST /api/v1/vehicles": Right.MANAGE_FLEET,
    "PATCH /api/v1/vehicles/{vehicle_id}": Right.MANAGE_FLEET,
    "POST /api/v1/vehicles/{vehicle_id}/out-of-service": Right.MANAGE_FLEET,
    "POST /api/v1/vehicles/{vehicle_id}/return-to-service": Right.MANAGE_FLEET,
    "POST /api/v1/vehicles/import": Right.MANAGE_FLEET,
    "POST /api/v1/vehicles/{vehicle_id}/meters": Right.RECORD_METERS,
    "POST /api/v1/vehicles/{vehicle_id}/meter-replacements": Right.MANAGE_FLEET,
    "POST /api/v1/inspections": Right.INSPECT,
    "POST /api/v1/defects/{defect_id}/start-repair": Right.REPAIR,
    "POST /api/v1/defects/{defect_id}/repaired": Right.REPAIR,
    "POST /api/v1/vehicles/{vehicle_id}/release": Right.RELEASE,
    "POST /api/v1/programmes": Right.MANAGE_PROGRAMMES,
    "POST /api/v1/programmes/import-shipped": Right.MANAGE_PROGRAMMES,
    "PATCH /api/v1/programmes/{programme_id}/tasks/{task_id}": Right.MANAGE_PROGRAMMES,
    "POST /api/v1/meter-readings": Right.RECORD_METERS,
    "POST /api/v1/meter-readings/import": Right.RECORD_METERS,
    "POST /api/v1/vehicles/{vehicle_id}/events": Right.RECORD_METERS,
    "PUT /api/v1/vehicles/{vehicle_id}/tasks/{task_id}/baseline": Right.MANAGE_FLEET,
    "POST /api/v1/maintenance/plan": Right.PLAN_WORK,
    "POST /api/v1/technicians": Right.MANAGE_PEOPLE,
    "POST /api/v1/technicians/{technician_id}/trainings": Right.MANAGE_PEOPLE,
    "POST /api/v1/technicians/{technician_id}/certifications": Right.MANAGE_PEOPLE,
    "POST /api/v1/work-orders": Right.PLAN_WORK,
    "POST /api/v1/defects/{defect_id}/work-order": Right.PLAN_WORK,
    "PATCH /api/v1/work-orders/{work_order_id}": Right.DO_WORK,
    "POST /api/v1/work-orders/{work_order_id}/assign": Right.PLAN_WORK,
    "POST /api/v1/work-orders/{work_order_id}/start": Right.DO_WORK,
    "POST /api/v1/work-orders/{work_order_id}/cancel": Right.PLAN_WORK,
    "POST /api/v1/work-orders/{work_order_id}/parts": Right.DO_WORK,
    "POST /api/v1/work-orders/{work_order_id}/sign-off": Right.DO_WORK,
    "POST /api/v1/parts": Right.MANAGE_PARTS,
    "PUT /api/v1/parts/{part_id}/stock/{depot_id}": Right.MANAGE_PARTS,
    "POST /api/v1/parts/{part_id}/stock/{depot_id}/receipts": Right.MANAGE_PARTS,
}
"""The right each write (and each read that needs more than READ_FLEET) requires, from the code."""

WRITES = [op.label for op in operations(DOCUMENT) if op.writes]
ROLES = list(Role)


def _right(label: str) -> Right | Open:
    return RIGHTS.get(label, Right.READ_FLEET)


def _may(role: Role, label: str) -> bool:
    right = _right(label)
    return isinstance(right, Open) or role in GRANTS[right]


def _path_probes() -> list[tuple[str, str]]:
    return [(op.label, name) for op in operations(DOCUMENT) for name in op.path_ids]


def _field_probes() -> list[tuple[str, str]]:
    """(operation, id kind) for every record id in a query or a body, from the OpenAPI."""
    found = []
    for op in operations(DOCUMENT):
        path_kinds = {id_kind(name) for name in op.path_ids}
        kinds = set(query_ids(op).values()) | set(body_ids(DOCUMENT, op).values())
        found += [(op.label, kind) for kind in sorted(kinds - path_kinds)]
    return found


def _same_answer(theirs: httpx.Response, their_id: int, nowhere: httpx.Response) -> bool:
    """Whether the two answers differ only by the id they were asked about."""
    masked = nowhere.text.replace(str(NOWHERE_ID), str(their_id))
    return theirs.status_code == nowhere.status_code and theirs.text == masked


def _probe_ids(tenant: Tenant, kind: str) -> list[int]:
    found = tenant.ids.get(kind)
    assert found, f"the seed has no {kind} of {tenant.label}: seed one in seed.py"
    return found[:3]


def test_every_write_operation_names_its_right() -> None:
    """A new write must say which right it needs before the matrix can probe it."""
    missing = sorted(set(WRITES) - set(RIGHTS))
    stale = sorted(set(RIGHTS) - {op.label for op in operations(DOCUMENT)})
    assert not missing, f"add these writes to RIGHTS with the Right they require: {missing}"
    assert not stale, f"these RIGHTS entries name no operation any more: {stale}"


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize(("label", "name"), _path_probes(), ids=lambda v: str(v))
def test_another_operators_record_in_the_path_is_not_found(
    api: TestClient, fresh: World, role: Role, label: str, name: str
) -> None:
    """Their id answers as an id that exists nowhere: 404 (403 without the right), no leak."""
    probe = probe_for(label)
    headers = fresh.home.logins[role].headers
    kind = id_kind(name) or name
    for foreign in _probe_ids(fresh.away, kind):
        theirs = probe.send(api, fresh.home, headers, swap={kind: foreign})
        nowhere = probe.send(api, fresh.home, headers, swap={kind: NOWHERE_ID})
        expected = {404} if _may(role, label) else {403, 404}
        assert theirs.status_code in expected, f"{label} {name}={foreign}: {theirs.text}"
        assert not fresh.away.leaked(theirs.text), f"{label} leaks: {theirs.text}"
        assert _same_answer(theirs, foreign, nowhere), (
            f"{label} {name}: theirs {theirs.status_code} {theirs.text} "
            f"≠ nowhere {nowhere.status_code} {nowhere.text}"
        )


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize(("label", "kind"), _field_probes(), ids=lambda v: str(v))
def test_another_operators_id_in_a_query_or_body_changes_nothing(
    api: TestClient, fresh: World, role: Role, label: str, kind: str
) -> None:
    """Their id in a filter or a body answers as one that exists nowhere; a write refuses it."""
    probe = probe_for(label)
    headers = fresh.home.logins[role].headers
    for foreign in _probe_ids(fresh.away, kind):
        theirs = probe.send(api, fresh.home, headers, swap={kind: foreign})
        nowhere = probe.send(api, fresh.home, headers, swap={kind: NOWHERE_ID})
        assert not fresh.away.leaked(theirs.text), f"{label} leaks: {theirs.text}"
        if OPERATIONS[label].method.lower() != "get":
            assert theirs.status_code >= 400, f"{label} took their {kind}={foreign}: {theirs.text}"
        assert _same_answer(theirs, foreign, nowhere), (
            f"{label} {kind}={foreign}: theirs {theirs.status_code} {theirs.text} "
            f"≠ nowhere {nowhere.status_code} {nowhere.text}"
        )


def _guarded() -> list[str]:
    """Every write, and every read in RIGHTS, that a right guards."""
    labels = WRITES + [label for label in RIGHTS if label not in WRITES]
    return [label for label in labels if not isinstance(_right(label), Open)]


def _refusals() -> list[tuple[str, Role]]:
    return [(label, role) for label in _guarded() for role in ROLES if not _may(role, label)]


def _grants() -> list[tuple[str, Role]]:
    return [(label, role) for label in _guarded() for role in ROLES if _may(role, label)]


@pytest.mark.parametrize(("label", "role"), _refusals(), ids=lambda v: str(v))
def test_a_role_without_the_right_is_refused_and_nothing_is_written(
    api: TestClient, fresh: World, seeded_connection: Connection, label: str, role: Role
) -> None:
    """403 with the forbidden code, and every table holds as many rows as before."""
    before = row_counts(seeded_connection)
    answer = probe_for(label).send(api, fresh.home, fresh.home.logins[role].headers)
    assert answer.status_code == 403, f"{label} as {role}: {answer.status_code} {answer.text}"
    assert answer.json()["error"]["code"] == "forbidden"
    assert row_counts(seeded_connection) == before


@pytest.mark.parametrize(("label", "role"), _grants(), ids=lambda v: str(v))
def test_a_role_with_the_right_is_not_refused(
    api: TestClient, fresh: World, label: str, role: Role
) -> None:
    """The same request by a role holding the right passes the right check (the table is true)."""
    answer = probe_for(label).send(api, fresh.home, fresh.home.logins[role].headers)
    assert answer.status_code not in (401, 403), f"{label} as {role}: {answer.text}"


@pytest.mark.parametrize(
    "label",
    [op.label for op in operations(DOCUMENT) if _right(op.label) is not Open.ANYONE],
    ids=str,
)
def test_no_token_is_refused_and_nothing_is_written(
    api: TestClient, fresh: World, seeded_connection: Connection, label: str
) -> None:
    """401 with a Bearer challenge to every operation but those open to anyone."""
    before = row_counts(seeded_connection)
    answer = probe_for(label).send(api, fresh.home, {})
    assert answer.status_code == 401, f"{label}: {answer.status_code} {answer.text}"
    assert answer.headers.get("www-authenticate", "").lower().startswith("bearer")
    assert row_counts(seeded_connection) == before
