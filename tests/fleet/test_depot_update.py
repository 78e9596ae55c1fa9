"""Changing a depot: the caller's own only, by a role that manages the fleet, checked fields."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from factories import make_depot, make_login, make_operator
from tightnut.auth.models import Role
from tightnut.errors import Conflict, Forbidden, NotFound
from tightnut.fleet import service
from tightnut.fleet.schemas import DepotUpdate


def test_an_admin_changes_zone_jurisdiction_and_shifts(session: Session) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    admin = make_login(session, operator, Role.ADMIN).actor
    data = DepotUpdate(
        timezone="Asia/Yekaterinburg", jurisdiction="EU", shift_starts=["14:00", "6:00"]
    )
    service.update_depot(session, admin, depot, data=data)
    session.expire_all()
    assert (depot.timezone, depot.jurisdiction, depot.shift_starts) == (
        "Asia/Yekaterinburg",
        "EU",
        ["06:00", "14:00"],
    )


def test_fields_left_out_are_kept(session: Session) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator, name="Kept")
    manager = make_login(session, operator, Role.FLEET_MANAGER).actor
    service.update_depot(session, manager, depot, data=DepotUpdate(name="Renamed"))
    assert (depot.name, depot.timezone) == ("Renamed", "Europe/Moscow")


def test_another_operators_depot_is_not_found(session: Session) -> None:
    theirs = make_depot(session, make_operator(session))
    admin = make_login(session, make_operator(session), Role.ADMIN).actor
    with pytest.raises(NotFound):
        service.update_depot(session, admin, theirs, data=DepotUpdate(name="Mine now"))


def test_a_dispatcher_may_not_change_a_depot(session: Session) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    dispatcher = make_login(session, operator, Role.DISPATCHER).actor
    with pytest.raises(Forbidden):
        service.update_depot(session, dispatcher, depot, data=DepotUpdate(name="No"))


def test_a_name_another_depot_has_is_a_conflict(session: Session) -> None:
    operator = make_operator(session)
    make_depot(session, operator, name="First")
    second = make_depot(session, operator, name="Second")
    admin = make_login(session, operator, Role.ADMIN).actor
    with pytest.raises(Conflict) as refused:
        service.update_depot(session, admin, second, data=DepotUpdate(name="First"))
    assert refused.value.field == "name"


@pytest.mark.parametrize(
    "fields",
    [
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": "posixrules"},
        {"jurisdiction": "XX"},
        {"shift_starts": []},
        {"shift_starts": ["25:00"]},
        {"shift_starts": ["06:00", "06:00"]},
        {"shift_starts": ["01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "07:00"]},
        {"name": None},
    ],
)
def test_bad_fields_are_refused_by_the_schema(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        DepotUpdate.model_validate(fields)
