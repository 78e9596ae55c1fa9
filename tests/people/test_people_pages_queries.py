"""What the technicians pages query: paging by name, certifications at once, users to link."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from factories import make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.paging import PageRequest
from tightnut.people import service


def test_technicians_page_by_name_with_their_certifications(session: Session) -> None:
    operator = make_operator(session)
    engineer = make_login(session, operator, Role.SERVICE_ENGINEER).actor
    zoya = service.create_technician(session, engineer, full_name="Zoya")
    anna = service.create_technician(session, engineer, full_name="Anna")
    today = date.today()
    service.add_certification(
        session,
        engineer,
        technician_id=zoya.id,
        model_family="city-bus-12m",
        engine_type="cng",
        issued_on=today - timedelta(days=10),
        expires_on=today + timedelta(days=10),
    )
    page = service.page_technicians(session, engineer, page=PageRequest(limit=1))
    assert [t.full_name for t in page.rows] == ["Anna"]
    assert page.next_cursor is not None
    found = service.certifications_for(session, [anna.id, zoya.id])
    assert (len(found[anna.id]), len(found[zoya.id])) == (0, 1)


def test_only_unlinked_signers_of_the_operator_can_be_linked(session: Session) -> None:
    operator = make_operator(session)
    linked = make_login(session, operator, Role.SERVICE_ENGINEER).actor
    free = make_login(session, operator, Role.SERVICE_ENGINEER).actor
    make_login(session, operator, Role.DRIVER)
    make_login(session, make_operator(session), Role.SERVICE_ENGINEER)
    service.create_technician(session, linked, full_name="Linked", user_id=linked.user_id)
    assert [u.id for u in service.linkable_users(session, linked)] == [free.user_id]


def test_model_families_come_from_the_operators_fleet(session: Session) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    make_vehicle(session, depot, model_family="wheeled-tractor-80hp")
    make_vehicle(session, depot, model_family="city-bus-12m")
    make_vehicle(session, depot, model_family="city-bus-12m")
    actor = make_login(session, operator, Role.SERVICE_ENGINEER).actor
    assert service.model_families(session, actor) == ["city-bus-12m", "wheeled-tractor-80hp"]
