"""Work orders: states, certified sign-off, optimistic locking, tenancy, defects and the gate."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from factories import Login, inspection_body, make_depot, make_login, make_operator, make_vehicle
from tightnut.app import create_app
from tightnut.auth.models import Role
from tightnut.config import Settings
from tightnut.db import utcnow
from tightnut.errors import Conflict
from tightnut.fleet.models import MeterReading, Vehicle
from tightnut.maintenance.models import Programme, ProgrammeTask, TaskCompletion, TaskState
from tightnut.rules import RuleCatalog
from tightnut.workorders import service
from tightnut.workorders.models import WorkOrder
from workorders.conftest import Workshop, make_technician

API = "/api/v1/work-orders"
SIGNATURE = {"labour_hours": 2.5, "notes": "replaced the cylinder valve seal, leak test passed"}
Order = dict[str, Any]


def _ok(answer: httpx.Response) -> Order:
    assert answer.status_code in (200, 201), answer.text
    result: Order = answer.json()
    return result


def _error(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error: dict[str, Any] = answer.json()["error"]
    return error


def _create(client: TestClient, shop: Workshop, **body: object) -> Order:
    fields = {"vehicle_id": shop.bus.id, "title": "TO-1", **body}
    return _ok(client.post(API, json=fields, headers=shop.engineer.headers))


def _act(
    client: TestClient, order: Order, action: str, login: Login, **body: object
) -> httpx.Response:
    return client.post(
        f"{API}/{order['id']}/{action}",
        json={"version": order["version"], **body},
        headers=login.headers,
    )


def _in_progress(client: TestClient, shop: Workshop, order: Order | None = None) -> Order:
    order = order or _create(client, shop)
    order = _ok(_act(client, order, "assign", shop.engineer, technician_id=shop.technician.id))
    return _ok(_act(client, order, "start", shop.engineer))


def _sign(
    client: TestClient, shop: Workshop, order: Order, login: Login, **meters: object
) -> httpx.Response:
    readings = {"completion_km": shop.bus.odometer_km, "completion_hours": shop.bus.engine_hours}
    return _act(client, order, "sign-off", login, **{**readings, **meters, **SIGNATURE})


def _get(client: TestClient, order: Order, login: Login) -> Order:
    return _ok(client.get(f"{API}/{order['id']}", headers=login.headers))


def _gas_leak(client: TestClient, shop: Workshop, catalog: RuleCatalog) -> int:
    failure = {"gas.leak": {"passed": False, "note": "soap test bubbles at the valve"}}
    body = inspection_body(catalog, shop.depot, shop.bus, failure)
    inspected = client.post(
        "/api/v1/inspections", json=body, headers=shop.logins[Role.INSPECTOR].headers
    )
    [defect_id] = _ok(inspected)["defect_ids"]
    return int(defect_id)


def test_an_order_moves_from_open_through_assigned_and_in_progress_to_done(
    wo_client: TestClient, shop: Workshop
) -> None:
    order = _create(wo_client, shop, planned_on=str(date.today()))
    assert (order["status"], order["version"]) == ("open", 1)
    order = _in_progress(wo_client, shop, order)
    assert (order["status"], order["technician_id"]) == ("in_progress", shop.technician.id)
    signed = _ok(_sign(wo_client, shop, order, shop.engineer))
    assert signed["status"] == "done"
    assert signed["signed_by_technician_id"] == shop.technician.id
    assert signed["signed_by_user_id"] == shop.engineer.actor.user_id
    assert signed["completed_at"] is not None
    assert (signed["labour_hours"], signed["completion_km"]) == (2.5, shop.bus.odometer_km)
    assert signed["version"] == 4


def test_uncertified_technician_cannot_sign_and_a_certified_one_can(
    wo_client: TestClient, session: Session, shop: Workshop
) -> None:
    order = _in_progress(wo_client, shop)
    diesel_only = make_login(session, shop.operator, Role.SERVICE_ENGINEER)
    make_technician(session, shop.operator, diesel_only, certified_for=("city-bus-12m", "diesel"))
    session.commit()

    error = _error(_sign(wo_client, shop, order, diesel_only), 403)
    assert "model family 'city-bus-12m'" in error["message"]
    assert "engine type 'cng'" in error["message"]
    assert error["detail"]["reason"] == "missing"
    unchanged = _get(wo_client, order, shop.engineer)
    assert (unchanged["status"], unchanged["version"]) == ("in_progress", order["version"])

    signed = _ok(_sign(wo_client, shop, order, shop.engineer))
    assert signed["status"] == "done"


def test_an_expired_certification_is_refused(
    wo_client: TestClient, session: Session, shop: Workshop
) -> None:
    order = _in_progress(wo_client, shop)
    lapsed = make_login(session, shop.operator, Role.SERVICE_ENGINEER)
    yesterday = date.today() - timedelta(days=1)
    make_technician(
        session, shop.operator, lapsed, certified_for=("city-bus-12m", "cng"), expires_on=yesterday
    )
    session.commit()

    error = _error(_sign(wo_client, shop, order, lapsed), 403)
    assert f"expired on {yesterday}" in error["message"]
    assert error["detail"]["reason"] == "expired"
    assert _get(wo_client, order, shop.engineer)["status"] == "in_progress"


def test_an_engineer_who_is_not_a_technician_cannot_sign(
    wo_client: TestClient, session: Session, shop: Workshop
) -> None:
    order = _in_progress(wo_client, shop)
    desk = make_login(session, shop.operator, Role.SERVICE_ENGINEER)
    session.commit()
    error = _error(_sign(wo_client, shop, order, desk), 403)
    assert error["detail"]["reason"] == "not_a_technician"
    assert "'city-bus-12m'" in error["message"]


def test_the_second_writer_with_the_same_version_gets_409_and_the_first_change_is_kept(
    wo_client: TestClient, shop: Workshop
) -> None:
    order = _create(wo_client, shop)
    url, headers = f"{API}/{order['id']}", shop.engineer.headers
    first = wo_client.patch(
        url, json={"version": 1, "notes": "first", "labour_hours": 1.0}, headers=headers
    )
    assert _ok(first)["version"] == 2

    second = wo_client.patch(url, json={"version": 1, "notes": "second"}, headers=headers)
    error = _error(second, 409)
    assert error["field"] == "version"
    assert error["detail"]["current_version"] == 2
    kept = _get(wo_client, order, shop.engineer)
    assert (kept["notes"], kept["labour_hours"], kept["version"]) == ("first", 1.0, 2)


def test_a_write_that_loses_the_race_at_the_update_is_a_version_conflict(
    session: Session, session_factory: sessionmaker[Session], shop: Workshop
) -> None:
    actor = shop.engineer.actor
    order = service.create_work_order(session, actor, vehicle_id=shop.bus.id, title="TO-1")
    session.commit()
    with session_factory() as mine, session_factory() as theirs:
        my_copy = service.get_work_order(mine, actor, order.id)
        their_copy = service.get_work_order(theirs, actor, order.id)
        service.update(theirs, actor, their_copy, expected_version=1, notes="theirs")
        theirs.commit()
        assert my_copy.version == 1, "my copy was read before their write"
        with pytest.raises(Conflict) as refused:
            service.update(mine, actor, my_copy, expected_version=1, notes="mine")
        assert refused.value.field == "version"


def test_every_accepted_change_moves_the_version_on(
    wo_client: TestClient, session: Session, shop: Workshop
) -> None:
    order = _in_progress(wo_client, shop)
    assert order["version"] == 3
    stale = _act(wo_client, {**order, "version": 2}, "cancel", shop.engineer, reason="duplicate")
    assert _error(stale, 409)["field"] == "version"


def test_a_cancelled_order_cannot_be_signed(wo_client: TestClient, shop: Workshop) -> None:
    order = _in_progress(wo_client, shop)
    manager = shop.logins[Role.FLEET_MANAGER]
    cancelled = _ok(_act(wo_client, order, "cancel", manager, reason="bus sold to another city"))
    assert cancelled["cancelled_reason"] == "bus sold to another city"

    error = _error(_sign(wo_client, shop, cancelled, shop.engineer), 409)
    assert error["field"] == "status"
    assert "cancelled" in error["message"]
    after = _get(wo_client, order, shop.engineer)
    assert (after["status"], after["signed_by_technician_id"]) == ("cancelled", None)


def test_work_cannot_start_before_the_order_is_assigned(
    wo_client: TestClient, shop: Workshop
) -> None:
    order = _create(wo_client, shop)
    error = _error(_act(wo_client, order, "start", shop.engineer), 409)
    assert error["field"] == "status"


def test_a_signed_repair_of_a_blocking_defect_marks_it_repaired_and_the_gate_waits_for_reinspection(
    wo_client: TestClient, shop: Workshop, catalog: RuleCatalog
) -> None:
    defect_id = _gas_leak(wo_client, shop, catalog)
    created = _ok(
        wo_client.post(f"/api/v1/defects/{defect_id}/work-order", headers=shop.engineer.headers)
    )
    assert created["defect_ids"] == [defect_id]
    _ok(_sign(wo_client, shop, _in_progress(wo_client, shop, created), shop.engineer))

    defect = _ok(wo_client.get(f"/api/v1/defects/{defect_id}", headers=shop.engineer.headers))
    assert defect["status"] == "repaired"
    assert defect["history"][-1]["note"].startswith(f"work order {created['id']}:")
    dispatcher = shop.logins[Role.DISPATCHER].headers
    gate = _ok(wo_client.get(f"/api/v1/vehicles/{shop.bus.id}/gate", headers=dispatcher))
    assert gate["may_release"] is False
    assert [r["code"] for r in gate["reasons"]] == ["reinspection_required"]

    passing = inspection_body(catalog, shop.depot, shop.bus)
    inspector = shop.logins[Role.INSPECTOR].headers
    _ok(wo_client.post("/api/v1/inspections", json=passing, headers=inspector))
    gate = _ok(wo_client.get(f"/api/v1/vehicles/{shop.bus.id}/gate", headers=dispatcher))
    assert gate["may_release"] is True


def test_a_defect_goes_on_only_one_open_work_order(
    wo_client: TestClient, shop: Workshop, catalog: RuleCatalog
) -> None:
    defect_id = _gas_leak(wo_client, shop, catalog)
    url = f"/api/v1/defects/{defect_id}/work-order"
    first = _ok(wo_client.post(url, headers=shop.engineer.headers))
    error = _error(wo_client.post(url, headers=shop.engineer.headers), 409)
    assert error["field"] == "defect_ids"
    assert f"work order {first['id']}" in error["message"]


def test_a_defect_of_another_vehicle_is_refused(
    wo_client: TestClient, session: Session, shop: Workshop, catalog: RuleCatalog
) -> None:
    defect_id = _gas_leak(wo_client, shop, catalog)
    other_bus = make_vehicle(session, shop.depot)
    session.commit()
    body = {"vehicle_id": other_bus.id, "title": "repair", "defect_ids": [defect_id]}
    answer = wo_client.post(API, json=body, headers=shop.engineer.headers)
    assert _error(answer, 422)["field"] == "defect_ids"
    assert wo_client.get(API, headers=shop.engineer.headers).json() == []


def test_another_operators_work_order_is_not_found(
    wo_client: TestClient, session: Session, shop: Workshop
) -> None:
    order = _create(wo_client, shop)
    stranger = make_login(session, make_operator(session), Role.SERVICE_ENGINEER)
    session.commit()
    assert wo_client.get(f"{API}/{order['id']}", headers=stranger.headers).status_code == 404
    assert _act(wo_client, order, "cancel", stranger, reason="not mine").status_code == 404
    assert wo_client.get(API, headers=stranger.headers).json() == []
    assert _get(wo_client, order, shop.engineer)["status"] == "open"


def test_assigning_another_operators_technician_is_not_found(
    wo_client: TestClient, session: Session, shop: Workshop
) -> None:
    order = _create(wo_client, shop)
    theirs = make_technician(session, make_operator(session), certified_for=("city-bus-12m", "cng"))
    session.commit()
    answer = _act(wo_client, order, "assign", shop.engineer, technician_id=theirs.id)
    assert _error(answer, 404)["field"] == "technician_id"
    after = _get(wo_client, order, shop.engineer)
    assert (after["status"], after["technician_id"], after["version"]) == ("open", None, 1)


def test_roles_without_the_right_are_forbidden(wo_client: TestClient, shop: Workshop) -> None:
    driver = shop.logins[Role.DRIVER].headers
    body = {"vehicle_id": shop.bus.id, "title": "TO-1"}
    assert wo_client.post(API, json=body, headers=driver).status_code == 403
    order = _in_progress(wo_client, shop)
    manager = shop.logins[Role.FLEET_MANAGER]
    error = _error(_sign(wo_client, shop, order, manager), 403)
    assert "may not do work" in error["message"]
    dispatcher = shop.logins[Role.DISPATCHER]
    assert _act(wo_client, order, "cancel", dispatcher, reason="not needed").status_code == 403
    assert _get(wo_client, order, shop.engineer)["status"] == "in_progress"


def test_a_completion_reading_below_the_odometer_is_refused_and_nothing_is_written(
    wo_client: TestClient, session: Session, shop: Workshop
) -> None:
    order = _in_progress(wo_client, shop)
    odometer = shop.bus.odometer_km
    assert odometer is not None
    answer = _sign(wo_client, shop, order, shop.engineer, completion_km=odometer - 10)
    error = _error(answer, 422)
    assert error["field"] == "completion_km"
    assert _get(wo_client, order, shop.engineer)["status"] == "in_progress"
    session.expire_all()
    assert session.get_one(Vehicle, shop.bus.id).odometer_km == odometer
    readings = select(MeterReading).where(MeterReading.vehicle_id == shop.bus.id)
    assert session.scalars(readings).all() == []


def test_a_vehicle_with_an_odometer_needs_the_completion_reading(
    wo_client: TestClient, shop: Workshop
) -> None:
    order = _in_progress(wo_client, shop)
    answer = _sign(wo_client, shop, order, shop.engineer, completion_km=None)
    assert _error(answer, 422)["field"] == "completion_km"


def test_listing_filters_by_status_and_refuses_an_unknown_one(
    wo_client: TestClient, shop: Workshop
) -> None:
    started = _in_progress(wo_client, shop)
    _create(wo_client, shop, title="TO-2")
    headers = shop.engineer.headers
    listed = _ok_list(wo_client.get(f"{API}?status=in_progress", headers=headers))
    assert [o["id"] for o in listed] == [started["id"]]
    assert len(_ok_list(wo_client.get(f"{API}?vehicle_id={shop.bus.id}", headers=headers))) == 2
    assert wo_client.get(f"{API}?status=finished", headers=headers).status_code == 422


def _ok_list(answer: httpx.Response) -> list[Order]:
    assert answer.status_code == 200, answer.text
    result: list[Order] = answer.json()
    return result


def _programme_task(session: Session, shop: Workshop) -> ProgrammeTask:
    programme = Programme(
        operator_id=shop.operator.id,
        code="bus-cng-test",
        name="CNG bus test programme",
        model_families=[shop.bus.model_family],
        vehicle_class="bus",
        engine_types=[shop.bus.engine_type],
        source="test",
    )
    session.add(programme)
    session.flush()
    task = ProgrammeTask(programme_id=programme.id, code="TO-1", name="TO-1", interval_km=10_000)
    session.add(task)
    session.commit()
    return task


def test_a_task_goes_on_only_one_open_work_order_and_must_exist(
    wo_client: TestClient, session: Session, shop: Workshop
) -> None:
    task = _programme_task(session, shop)
    _create(wo_client, shop, task_ids=[task.id])
    twice = wo_client.post(
        API,
        json={"vehicle_id": shop.bus.id, "title": "again", "task_ids": [task.id]},
        headers=shop.engineer.headers,
    )
    assert _error(twice, 409)["field"] == "task_ids"
    unknown = wo_client.post(
        API,
        json={"vehicle_id": shop.bus.id, "title": "ghost", "task_ids": [task.id + 10_000]},
        headers=shop.engineer.headers,
    )
    assert _error(unknown, 404)["field"] == "task_ids"


def test_sign_off_resets_the_tasks_from_the_completion_reading(
    wo_client: TestClient, session: Session, shop: Workshop
) -> None:
    task = _programme_task(session, shop)
    order = _in_progress(wo_client, shop, _create(wo_client, shop, task_ids=[task.id]))
    assert order["task_ids"] == [task.id]
    odometer = shop.bus.odometer_km
    assert odometer is not None
    _ok(_sign(wo_client, shop, order, shop.engineer, completion_km=odometer + 5))

    session.expire_all()
    [completion] = session.scalars(select(TaskCompletion).where(TaskCompletion.task_id == task.id))
    assert (completion.work_order_id, completion.done_km) == (order["id"], odometer + 5)
    state = session.scalars(select(TaskState).where(TaskState.task_id == task.id)).one()
    assert state.last_done_km == odometer + 5
    assert session.get_one(Vehicle, shop.bus.id).odometer_km == odometer + 5


def test_sign_off_checks_the_meter_against_the_configured_limit_not_the_default(
    session: Session,
    session_factory: sessionmaker[Session],
    catalog: RuleCatalog,
    shop: Workshop,
) -> None:
    odometer = shop.bus.odometer_km
    assert odometer is not None
    an_hour_ago = utcnow() - timedelta(hours=1)
    session.add(
        MeterReading(
            vehicle_id=shop.bus.id,
            meter="odometer_km",
            value=odometer,
            read_at=an_hour_ago,
            source="test",
        )
    )
    session.commit()
    strict = Settings(database_url="sqlite://", max_km_per_hour=50.0)
    with TestClient(create_app(strict, session_factory=session_factory, catalog=catalog)) as client:
        order = _in_progress(client, shop)
        # 100 km in an hour passes the default 120 km/h, not this installation's 50 km/h.
        answer = _sign(client, shop, order, shop.engineer, completion_km=odometer + 100)
        error = _error(answer, 422)
        assert error["field"] == "completion_km"
        assert "50 km/h" in error["message"]
        assert _get(client, order, shop.engineer)["status"] == "in_progress"


def test_planning_for_another_operators_depot_is_not_found(
    wo_client: TestClient, session: Session, shop: Workshop
) -> None:
    theirs = make_depot(session, make_operator(session))
    session.commit()
    answer = wo_client.post(
        "/api/v1/maintenance/plan",
        json={"depot_id": theirs.id, "days": 30},
        headers=shop.engineer.headers,
    )
    assert _error(answer, 404)["message"] == f"no depot {theirs.id}"
    assert session.scalars(select(WorkOrder)).all() == []
