"""The fleet list's search and filters, its count, and the CSV export that follows them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from factories import make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.auth.rights import Actor
from tightnut.fleet import importer, service
from tightnut.fleet.models import Depot
from tightnut.fleet.schemas import VehicleFilter
from tightnut.paging import PageRequest, decode_cursor


def _fleet(session: Session) -> tuple[Actor, Depot, Depot]:
    operator = make_operator(session)
    north, south = make_depot(session, operator, name="North"), make_depot(session, operator)
    make_vehicle(session, north, plate="A100AA", vin="XTA21099012345678")
    make_vehicle(session, north, plate="B200BB", engine_type="electric", model="e-bus 12")
    make_vehicle(session, south, plate="C300CC", out_of_service_at=datetime(2026, 1, 1, tzinfo=UTC))
    make_vehicle(session, south, plate="D400DD", model="=1+1")
    other = make_depot(session, make_operator(session))
    make_vehicle(session, other, plate="A100AB")
    return make_login(session, operator, Role.FLEET_MANAGER).actor, north, south


def _plates(session: Session, actor: Actor, **filters: object) -> list[str]:
    found = service.list_vehicles(
        session, actor, page=PageRequest(), filters=VehicleFilter.model_validate(filters)
    )
    return [v.plate for v in found.rows]


def test_search_finds_a_plate_a_vin_or_a_model_of_the_callers_fleet_only(
    session: Session,
) -> None:
    actor, _, _ = _fleet(session)
    assert _plates(session, actor, q="a1 00") == ["A100AA"]
    assert _plates(session, actor, q="2109901") == ["A100AA"]
    assert _plates(session, actor, q="E-BUS") == ["B200BB"]
    assert _plates(session, actor, q="%") == []


def test_filters_combine_and_the_count_follows_them(session: Session) -> None:
    actor, north, south = _fleet(session)
    assert _plates(session, actor, depot_id=north.id) == ["A100AA", "B200BB"]
    assert _plates(session, actor, engine_type="electric") == ["B200BB"]
    assert _plates(session, actor, service="out") == ["C300CC"]
    assert _plates(session, actor, depot_id=south.id, service="in") == ["D400DD"]
    assert service.count_vehicles(session, actor, filters=VehicleFilter(service="in")) == 3


def test_pages_follow_the_filters(session: Session) -> None:
    actor, _, _ = _fleet(session)
    filters = VehicleFilter(engine_type="diesel")
    first = service.list_vehicles(session, actor, page=PageRequest(limit=2), filters=filters)
    assert [v.plate for v in first.rows] == ["A100AA", "C300CC"]
    after = decode_cursor(first.next_cursor)
    second = service.list_vehicles(
        session, actor, page=PageRequest(limit=2, after=after), filters=filters
    )
    assert [v.plate for v in second.rows] == ["D400DD"]
    assert second.next_cursor is None


def test_the_export_writes_the_filtered_rows_and_defuses_formulas(session: Session) -> None:
    actor, _, south = _fleet(session)
    text = "".join(importer.export_csv(session, actor, filters=VehicleFilter(depot_id=south.id)))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["plate"] for r in rows] == ["C300CC", "D400DD"]
    assert rows[1]["model"] == "'=1+1"
    assert rows[0]["out_of_service_at"].startswith("2026-01-01")
    assert rows[0]["depot"] == south.name


def test_cells_that_a_spreadsheet_would_run_are_prefixed() -> None:
    for formula in ("=SUM(A1)", "+1", "-1", "@cmd", "\tx", "\rx"):
        assert importer._cell(formula) == "'" + formula
    assert importer._cell("A100AA") == "A100AA"
    assert importer._cell(12.5) == "12.5"
    assert importer._cell(None) == ""
