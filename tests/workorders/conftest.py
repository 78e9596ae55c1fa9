"""Work-order test wiring: the app with the people and work-order routes, and a workshop."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from factories import Login, make_depot, make_login, make_operator, make_vehicle
from tightnut.app import API_PREFIX, create_app
from tightnut.auth.models import Operator, Role
from tightnut.config import Settings
from tightnut.fleet.models import Depot, Vehicle
from tightnut.people import routes as people_routes
from tightnut.people.models import Certification, Technician
from tightnut.rules import RuleCatalog
from tightnut.workorders import routes as workorder_routes


def with_routes(app: FastAPI) -> FastAPI:
    """``app`` with the people and work-order routers, unless app.py already includes them."""
    paths = {getattr(route, "path", "") for route in app.routes}
    for module, probe in ((people_routes, "/technicians"), (workorder_routes, "/work-orders")):
        if API_PREFIX + probe not in paths:
            app.include_router(module.router, prefix=API_PREFIX)
    return app


@pytest.fixture
def wo_client(session_factory: sessionmaker[Session], catalog: RuleCatalog) -> Iterator[TestClient]:
    """The app over the test's transaction, with the work-order and people routes."""
    app = create_app(
        Settings(database_url="sqlite://"), session_factory=session_factory, catalog=catalog
    )
    with TestClient(with_routes(app)) as test_client:
        yield test_client


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
