"""Work orders: states, certified sign-off, optimistic locking, tenancy, defects and the gate."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conftest import Workshop, make_technician
from factories import Login, inspection_body, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.defects.models import DefectEvent
from tightnut.errors import Conflict
from tightnut.fleet.models import MeterReading
from tightnut.maintenance.models import Programme, ProgrammeTask, TaskCompletion, TaskState
from tightnut.rules import RuleCatalog
from tightnut.workorders import service
from tightnut.workorders.models import WorkOrder

API = "/api/v1/work-orders"
SIGNATURE = {"labour_hours": 2.5, "notes": "replaced the cylinder valve seal, leak test passed"}


def _create(client: TestClient, shop: Workshop, **body: object) -> dict[str, object]:
    answer = client.post(
        API, json={"vehicle_id": shop.bus.id, "title": "TO-1", **body}, headers=shop.engineer.headers
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, object] = answer.json()
    return result


def _act(
    client: TestClient, order: dict[str, object], action: str, login: Login, **body: object
) -> dict[str, object]:
    answer = client.post(
        f"{API}/{order['id']}/{action}",
        json={"version": order["version"], **body},
        headers=login.headers,
    )
    return {"status": answer.status_code, **answer.json()}


def _in_progress(client: TestClient, shop: Workshop, **body: object) -> dict[str, object]:
    order = _create(client, shop, **body)
    order = _act(client, order, "assign", shop.engineer, technician_id=shop.technician.id)
    order = _act(client, order, "start", shop.engineer)
    assert order["status"] == "in_progress", order
    return order


def _sign(client: TestClient, shop: Workshop, order: dict[str, object], login: Login) -> dict:  # type: ignore[type-arg]
    body = {"completion_km": shop.bus.odometer_km, "completion_hours": shop.bus.engine_hours}
    return _act(client, order, "sign-off", login, **body, **SIGNATURE)


def _get(client: TestClient, order: dict[str, object], login: Login) -> dict[str, object]:
    answer = client.get(f"{API}/{order['id']}", headers=login.headers)
    result: dict[str, object] = answer.json()
    return result
