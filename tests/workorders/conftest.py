"""Work-order test wiring: the app with the people and work-order routes, and a workshop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from factories import Login, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Operator, Role
from tightnut.fleet.models import Depot, Vehicle
from tightnut.people.models import Certification, Technician


@pytest.fixture
def wo_client(client: TestClient) -> TestClient:
    """The app client (the work-order and people routes are part of the app)."""
    return client


def make_technician(
    session: Session,
    operator: Operator,
    login: Login | None = None,
    *,
    certified_for: tuple[str, str] | None = None,
    expires_on: date | None = None,
) -> Technician:
    """A technician of ``operator`` signing in as ``login``, optionally certified for a pair."""
    technician = Technician(
        operator_id=operator.id,
        user_id=login.actor.user_id if login else None,
        full_name=f"Technician {login.actor.user_id if login else 'unlinked'}",
    )
    session.add(technician)
    session.flush()
    if certified_for is not None:
        family, engine = certified_for
        expiry = expires_on or date.today() + timedelta(days=365)
        session.add(
            Certification(
                technician_id=technician.id,
                model_family=family,
                engine_type=engine,
                issued_on=min(expiry, date.today()) - timedelta(days=700),
                expires_on=expiry,
            )
        )
        session.flush()
    return technician


@dataclass(frozen=True)
class Workshop:
    """An operator with a depot, a CNG bus, a user per role and a CNG-certified technician."""

    operator: Operator
    depot: Depot
    bus: Vehicle
    logins: dict[Role, Login]
    technician: Technician

    @property
    def engineer(self) -> Login:
        """The service engineer who is the certified technician."""
        return self.logins[Role.SERVICE_ENGINEER]


@pytest.fixture
def shop(session: Session) -> Workshop:
    """A committed workshop ready for work orders."""
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot, engine_type="cng")
    logins = {role: make_login(session, operator, role) for role in Role}
    technician = make_technician(
        session,
        operator,
        logins[Role.SERVICE_ENGINEER],
        certified_for=(bus.model_family, bus.engine_type),
    )
    session.commit()
    return Workshop(operator, depot, bus, logins, technician)
