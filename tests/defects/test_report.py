"""Reporting a defect at any time: it reaches the gate like an inspection's, once per tap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import Login, inspection_body, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.config import Settings
from tightnut.defects import service as defects
from tightnut.defects.models import Defect, DefectEvent, DefectStatus
from tightnut.errors import Conflict, Forbidden, Invalid, NotFound
from tightnut.fleet.meters import limits_of
from tightnut.fleet.models import Vehicle
from tightnut.gate import service as gate
from tightnut.inspections import service as inspections
from tightnut.inspections.schemas import InspectionCreate
from tightnut.rules import RuleCatalog

LEAD = timedelta(minutes=60)


@pytest.fixture
def world(session: Session, catalog: RuleCatalog) -> tuple[Vehicle, dict[Role, Login]]:
    """A bus that passed this shift's inspection, and a user of every role of its operator."""
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot)
    logins = {role: make_login(session, operator, role) for role in Role}
    inspections.submit(
        session,
        logins[Role.INSPECTOR].actor,
        data=InspectionCreate.model_validate(inspection_body(catalog, depot, bus)),
        catalog=catalog,
        limits=limits_of(Settings(database_url="sqlite://")),
    )
    return bus, logins


def _report(
    session: Session,
    catalog: RuleCatalog,
    login: Login,
    vehicle: Vehicle,
    *,
    item_code: str | None = "brakes.parking",
    note: str = "rolls back on the ramp",
    unsafe: bool | None = None,
    key: str = "key-1",
) -> defects.Reported:
    return defects.report_defect(
        session,
        login.actor,
        vehicle_id=vehicle.id,
        item_code=item_code,
        note=note,
        unsafe=unsafe,
        catalog=catalog,
        idempotency_key=key,
    )


def _defects(session: Session, vehicle: Vehicle) -> int:
    query = select(func.count()).select_from(Defect).where(Defect.vehicle_id == vehicle.id)
    return session.scalar(query) or 0


def test_a_reported_blocking_defect_refuses_the_release(
    session: Session, catalog: RuleCatalog, world: tuple[Vehicle, dict[Role, Login]]
) -> None:
    bus, logins = world
    inspector = logins[Role.INSPECTOR].actor
    before = gate.decide_vehicle(session, inspector, bus.id, catalog=catalog, lead=LEAD)
    assert before.may_release

    reported = _report(session, catalog, logins[Role.DRIVER], bus)

    decision, record = gate.release(session, inspector, bus.id, catalog=catalog, lead=LEAD)
    assert not decision.may_release
    assert not record.released
    [reason] = decision.reasons
    assert reason.code == "blocking_defect"
    assert reason.rule is not None
    assert reason.rule.item_id == "brakes.parking"
    assert reported.defect.opened_by_inspection_id is None
    assert reported.defect.evidence["note"] == "rolls back on the ramp"


def test_a_report_records_who_reported_it_and_takes_the_rules_gate(
    session: Session, catalog: RuleCatalog, world: tuple[Vehicle, dict[Role, Login]]
) -> None:
    bus, logins = world

    reported = _report(session, catalog, logins[Role.DISPATCHER], bus)

    defect = reported.defect
    item = catalog.find_item("RU", "brakes.parking")
    assert item is not None
    assert (defect.gate, defect.status, defect.jurisdiction) == (item.gate, "open", "RU")
    assert defect.rule_ref == item.source.ref
    [event] = defects.history(session, defect)
    assert event.to_status == DefectStatus.OPEN
    assert event.user_id == logins[Role.DISPATCHER].actor.user_id
    assert event.detail is not None
    assert event.detail["reported"] is True


def test_a_double_tap_makes_one_defect(
    session: Session, catalog: RuleCatalog, world: tuple[Vehicle, dict[Role, Login]]
) -> None:
    bus, logins = world

    first = _report(session, catalog, logins[Role.DRIVER], bus, key="tap")
    second = _report(session, catalog, logins[Role.DRIVER], bus, key="tap")

    assert second.replayed
    assert second.defect.id == first.defect.id
    assert _defects(session, bus) == 1
    assert len(defects.history(session, first.defect)) == 1


def test_a_double_tap_on_an_other_fault_makes_one_defect(
    session: Session, catalog: RuleCatalog, world: tuple[Vehicle, dict[Role, Login]]
) -> None:
    bus, logins = world
    fault = {"item_code": None, "note": "smell of burning from the rear", "unsafe": True}

    first = _report(session, catalog, logins[Role.DRIVER], bus, key="smell", **fault)  # type: ignore[arg-type]
    second = _report(session, catalog, logins[Role.DRIVER], bus, key="smell", **fault)  # type: ignore[arg-type]
    third = _report(session, catalog, logins[Role.DRIVER], bus, key="other", **fault)  # type: ignore[arg-type]

    assert second.replayed
    assert second.defect.id == first.defect.id
    assert third.opened
    assert _defects(session, bus) == 2


def test_a_second_report_of_an_open_item_adds_to_that_defect(
    session: Session, catalog: RuleCatalog, world: tuple[Vehicle, dict[Role, Login]]
) -> None:
    bus, logins = world
    first = _report(session, catalog, logins[Role.DRIVER], bus, key="a")

    again = _report(session, catalog, logins[Role.INSPECTOR], bus, key="b", note="still rolls")

    assert not again.opened
    assert again.defect.id == first.defect.id
    assert [e.note for e in defects.history(session, first.defect)] == [
        "rolls back on the ramp",
        "still rolls",
    ]


def test_an_unsafe_other_fault_blocks_until_a_service_engineer_reviews_it(
    session: Session, catalog: RuleCatalog, world: tuple[Vehicle, dict[Role, Login]]
) -> None:
    bus, logins = world
    inspector = logins[Role.INSPECTOR].actor
    reported = _report(
        session, catalog, logins[Role.DRIVER], bus, item_code=None, note="door jams", unsafe=True
    )
    assert reported.defect.gate == "block"
    assert defects.is_other(reported.defect)
    assert not gate.decide_vehicle(
        session, inspector, bus.id, catalog=catalog, lead=LEAD
    ).may_release

    with pytest.raises(Forbidden):
        defects.review_reported(
            session, logins[Role.DRIVER].actor, reported.defect, unsafe=False, note="fine"
        )
    defects.review_reported(
        session,
        logins[Role.SERVICE_ENGINEER].actor,
        reported.defect,
        unsafe=False,
        note="the door closes with force; safe to operate, fix at the next service",
    )

    assert reported.defect.gate == "warn"
    decision = gate.decide_vehicle(session, inspector, bus.id, catalog=catalog, lead=LEAD)
    assert decision.may_release
    assert [w.code for w in decision.warnings] == ["defect_warning"]
    review = defects.history(session, reported.defect)[-1]
    assert review.detail == {
        "reviewed": True,
        "before": {"gate": "block", "severity": "major"},
        "after": {"gate": "warn", "severity": "minor"},
    }


def test_a_repaired_other_fault_is_closed_by_the_inspector_who_sees_it_fixed(
    session: Session, catalog: RuleCatalog, world: tuple[Vehicle, dict[Role, Login]]
) -> None:
    bus, logins = world
    inspector = logins[Role.INSPECTOR].actor
    defect = _report(
        session, catalog, logins[Role.DRIVER], bus, item_code=None, note="door jams", unsafe=True
    ).defect
    with pytest.raises(Conflict):
        defects.confirm_fixed(session, inspector, defect, note="looks fine")
    defects.mark_repaired(
        session,
        logins[Role.SERVICE_ENGINEER].actor,
        defect,
        work_done="new hinge",
        client_time=None,
    )
    assert not gate.decide_vehicle(
        session, inspector, bus.id, catalog=catalog, lead=LEAD
    ).may_release

    defects.confirm_fixed(session, inspector, defect, note="door opens and closes")

    assert defect.status == DefectStatus.CLOSED
    assert gate.decide_vehicle(session, inspector, bus.id, catalog=catalog, lead=LEAD).may_release


def test_a_checklist_defect_is_not_closed_by_confirmation(
    session: Session, catalog: RuleCatalog, world: tuple[Vehicle, dict[Role, Login]]
) -> None:
    bus, logins = world
    defect = _report(session, catalog, logins[Role.DRIVER], bus).defect
    defects.mark_repaired(
        session, logins[Role.SERVICE_ENGINEER].actor, defect, work_done="cable", client_time=None
    )

    with pytest.raises(Conflict):
        defects.confirm_fixed(session, logins[Role.INSPECTOR].actor, defect, note="ok")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"item_code": "no.such.item"}, "item_code"),
        ({"item_code": None, "note": "  ", "unsafe": True}, "note"),
        ({"item_code": None, "note": "door jams", "unsafe": None}, "unsafe"),
    ],
)
def test_a_bad_report_names_its_field_and_writes_nothing(
    session: Session,
    catalog: RuleCatalog,
    world: tuple[Vehicle, dict[Role, Login]],
    fields: dict[str, object],
    field: str,
) -> None:
    bus, logins = world
    events = session.scalar(select(func.count()).select_from(DefectEvent))

    with pytest.raises(Invalid) as refused:
        _report(session, catalog, logins[Role.DRIVER], bus, **fields)  # type: ignore[arg-type]

    assert refused.value.field == field
    assert _defects(session, bus) == 0
    assert session.scalar(select(func.count()).select_from(DefectEvent)) == events


def test_supplier_staff_may_not_report_and_another_operators_vehicle_is_not_found(
    session: Session, catalog: RuleCatalog, world: tuple[Vehicle, dict[Role, Login]]
) -> None:
    bus, logins = world
    stranger = make_login(session, make_operator(session), Role.DRIVER)

    with pytest.raises(Forbidden):
        _report(session, catalog, logins[Role.NETWORK_MANAGER], bus)
    with pytest.raises(NotFound):
        _report(session, catalog, stranger, bus)
    assert _defects(session, bus) == 0
