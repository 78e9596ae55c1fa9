"""Technicians, the training that certifies them, and which certifications are valid when."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import Login, make_login, make_operator
from tightnut.auth.models import Operator, Role
from tightnut.errors import Conflict, Invalid, NotFound
from tightnut.people import service
from tightnut.people.models import Certification

TODAY = date.today()
CNG_BUS = {"model_family": "city-bus-12m", "engine_type": "cng"}


@pytest.fixture
def people_client(client: TestClient) -> TestClient:
    """The app client."""
    return client


@pytest.fixture
def office(session: Session) -> tuple[Operator, Login]:
    """An operator and its service engineer, committed."""
    operator = make_operator(session)
    engineer = make_login(session, operator, Role.SERVICE_ENGINEER)
    session.commit()
    return operator, engineer


def _technician(client: TestClient, login: Login, **body: object) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/technicians", json={"full_name": "Anna Petrova", **body}, headers=login.headers
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _training(**overrides: object) -> dict[str, object]:
    return {
        "title": "CNG fuel system service",
        "provider": "Supplier training centre",
        **CNG_BUS,
        "completed_on": str(TODAY - timedelta(days=30)),
        "hours": 24,
        **overrides,
    }


def test_a_training_grants_a_certification_valid_for_three_years(
    people_client: TestClient, session: Session, office: tuple[Operator, Login]
) -> None:
    operator, engineer = office
    technician = _technician(people_client, engineer, user_id=engineer.actor.user_id, hub="Kazan")
    url = f"/api/v1/technicians/{technician['id']}"
    trained = people_client.post(f"{url}/trainings", json=_training(), headers=engineer.headers)
    assert trained.status_code == 201, trained.text
    granted = trained.json()["certification"]
    completed = TODAY - timedelta(days=30)
    assert granted["issued_on"] == str(completed)
    assert granted["expires_on"] == str(service.add_years(completed, 3))
    assert (granted["model_family"], granted["engine_type"]) == ("city-bus-12m", "cng")

    read = people_client.get(url, headers=engineer.headers).json()
    assert [c["id"] for c in read["certifications"]] == [granted["id"]]
    assert read["trainings"][0]["title"] == "CNG fuel system service"
    holders = service.certified_technicians(session, operator.id, **CNG_BUS, on=TODAY)
    assert [t.id for t in holders] == [technician["id"]]


def test_a_training_that_grants_nothing_certifies_nobody(
    people_client: TestClient, session: Session, office: tuple[Operator, Login]
) -> None:
    operator, engineer = office
    technician = _technician(people_client, engineer)
    trained = people_client.post(
        f"/api/v1/technicians/{technician['id']}/trainings",
        json=_training(grants_years=None),
        headers=engineer.headers,
    )
    assert trained.json()["certification"] is None
    assert service.certified_technicians(session, operator.id, **CNG_BUS, on=TODAY) == []


def test_a_certification_expiring_before_its_issue_is_refused_and_not_written(
    people_client: TestClient, session: Session, office: tuple[Operator, Login]
) -> None:
    _, engineer = office
    technician = _technician(people_client, engineer)
    body = {**CNG_BUS, "issued_on": "2025-06-01", "expires_on": "2025-05-31"}
    answer = people_client.post(
        f"/api/v1/technicians/{technician['id']}/certifications",
        json=body,
        headers=engineer.headers,
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "expires_on"
    assert session.scalar(select(func.count()).select_from(Certification)) == 0


def test_an_expired_certification_is_not_valid(
    session: Session, office: tuple[Operator, Login]
) -> None:
    operator, engineer = office
    technician = service.create_technician(session, engineer.actor, full_name="Ivan Sidorov")
    expired = service.add_certification(
        session,
        engineer.actor,
        technician_id=technician.id,
        **CNG_BUS,
        issued_on=TODAY - timedelta(days=800),
        expires_on=TODAY - timedelta(days=1),
    )
    found = service.find_valid_certification(
        session, technician_id=technician.id, **CNG_BUS, on=TODAY
    )
    assert found is None
    was_valid = service.find_valid_certification(
        session, technician_id=technician.id, **CNG_BUS, on=TODAY - timedelta(days=2)
    )
    assert was_valid is expired
    assert service.certified_technicians(session, operator.id, **CNG_BUS, on=TODAY) == []


def test_a_certification_for_another_engine_type_does_not_count(
    session: Session, office: tuple[Operator, Login]
) -> None:
    operator, engineer = office
    technician = service.create_technician(session, engineer.actor, full_name="Oleg Orlov")
    service.add_certification(
        session,
        engineer.actor,
        technician_id=technician.id,
        model_family="city-bus-12m",
        engine_type="diesel",
        issued_on=TODAY - timedelta(days=10),
        expires_on=TODAY + timedelta(days=10),
    )
    assert service.certified_technicians(session, operator.id, **CNG_BUS, on=TODAY) == []


def test_another_operators_technician_is_not_found(
    people_client: TestClient, session: Session, office: tuple[Operator, Login]
) -> None:
    _, engineer = office
    technician = _technician(people_client, engineer)
    stranger = make_login(session, make_operator(session), Role.SERVICE_ENGINEER)
    session.commit()
    url = f"/api/v1/technicians/{technician['id']}"
    assert people_client.get(url, headers=stranger.headers).status_code == 404
    trained = people_client.post(f"{url}/trainings", json=_training(), headers=stranger.headers)
    assert trained.status_code == 404
    assert people_client.get("/api/v1/technicians", headers=stranger.headers).json() == []
    assert people_client.get(url, headers=engineer.headers).json()["trainings"] == []


def test_a_user_is_linked_to_at_most_one_technician_of_their_own_operator(
    session: Session, office: tuple[Operator, Login]
) -> None:
    _, engineer = office
    actor = engineer.actor
    service.create_technician(session, actor, full_name="Anna", user_id=actor.user_id)
    with pytest.raises(Conflict) as twice:
        service.create_technician(session, actor, full_name="Anna again", user_id=actor.user_id)
    assert twice.value.field == "user_id"
    outsider = make_login(session, make_operator(session), Role.SERVICE_ENGINEER)
    with pytest.raises(NotFound) as foreign:
        service.create_technician(session, actor, full_name="X", user_id=outsider.actor.user_id)
    assert foreign.value.field == "user_id"


def test_a_training_in_the_future_is_refused(
    session: Session, office: tuple[Operator, Login]
) -> None:
    _, engineer = office
    technician = service.create_technician(session, engineer.actor, full_name="Pavel")
    with pytest.raises(Invalid) as refused:
        service.record_training(
            session,
            engineer.actor,
            technician_id=technician.id,
            title="CNG",
            provider="Centre",
            **CNG_BUS,
            completed_on=TODAY + timedelta(days=1),
            hours=8,
        )
    assert refused.value.field == "completed_on"


def test_a_driver_cannot_register_technicians(
    people_client: TestClient, session: Session, office: tuple[Operator, Login]
) -> None:
    operator, _ = office
    driver = make_login(session, operator, Role.DRIVER)
    session.commit()
    answer = people_client.post(
        "/api/v1/technicians", json={"full_name": "Nobody"}, headers=driver.headers
    )
    assert answer.status_code == 403
    assert people_client.get("/api/v1/technicians", headers=driver.headers).json() == []


def test_a_leap_day_certificate_expires_on_the_last_day_of_february() -> None:
    assert service.add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert service.add_years(date(2024, 3, 1), 3) == date(2027, 3, 1)
