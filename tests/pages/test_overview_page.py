"""The fleet manager's overview: three SVG charts whose numbers are the database's."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from tightnut.auth.models import User
from tightnut.defects.models import UNRESOLVED, Defect
from tightnut.fleet.models import Depot, Vehicle
from tightnut.gate.models import ReleaseDecision
from tightnut.maintenance.models import ProgrammeTask, TaskCompletion

Clients = Callable[[str | None], PageClient]
MANAGER = "fleet.manager@southline.demo"
OTHER = "fleet.manager@kubanfields.demo"


def _depot(web: Web, name: str) -> Depot:
    with web.session() as session:
        depot = session.scalars(select(Depot).where(Depot.name == name)).one()
        session.expunge(depot)
        return depot


def _past_shift(depot: Depot, days_ago: int) -> datetime:
    zone = ZoneInfo(depot.timezone)
    day = datetime.now(zone).date() - timedelta(days=days_ago)
    start = datetime.combine(day, time.fromisoformat(depot.shift_starts[0]), zone)
    return start.astimezone(UTC)


def _record_shift(web: Web, depot: Depot, shift: datetime, released: int, refused: int) -> None:
    """The gate's answers for one past shift: ``released`` vehicles out, ``refused`` kept in."""
    with web.session() as session:
        inspector = session.scalars(
            select(User).where(User.email == "inspector@southline.demo")
        ).one()
        vehicles = session.scalars(
            select(Vehicle).where(Vehicle.depot_id == depot.id).order_by(Vehicle.id)
        ).all()
        for index, vehicle in enumerate(vehicles[: released + refused]):
            session.add(
                ReleaseDecision(
                    operator_id=depot.operator_id,
                    vehicle_id=vehicle.id,
                    depot_id=depot.id,
                    user_id=inspector.id,
                    released=index < released,
                    decided_at=shift + timedelta(minutes=10),
                    shift_start=shift,
                    reasons=[],
                    warnings=[],
                )
            )
        session.commit()


def _share_in_db(web: Web, depot: Depot, shift: datetime) -> float:
    with web.session() as session:
        released = session.scalar(
            select(func.count(func.distinct(ReleaseDecision.vehicle_id))).where(
                ReleaseDecision.depot_id == depot.id,
                ReleaseDecision.shift_start == shift,
                ReleaseDecision.released.is_(True),
            )
        )
        fleet = session.scalar(
            select(func.count()).where(
                Vehicle.depot_id == depot.id, Vehicle.out_of_service_at.is_(None)
            )
        )
    assert released
    assert fleet
    return released / fleet


def _open_defects_in_db(web: Web, operator_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    with web.session() as session:
        for item_id in session.scalars(
            select(Defect.item_id).where(
                Defect.operator_id == operator_id, Defect.status.in_(UNRESOLVED)
            )
        ):
            system = item_id.split(".")[0]
            counts[system] = counts.get(system, 0) + 1
    return counts


def _svg(html: str, figure: str) -> str:
    return html.split(f'id="{figure}"', 1)[1].split("</svg>", 1)[0]


def test_availability_of_one_depot_in_one_shift_is_the_databases(
    client_of: Clients, web: Web
) -> None:
    depot = _depot(web, "North Depot")
    shift = _past_shift(depot, days_ago=3)
    _record_shift(web, depot, shift, released=52, refused=4)
    answer = client_of(MANAGER).get("/overview")
    assert answer.status_code == 200
    chart = _svg(answer.text, "availability")
    group = chart.split(f'data-depot="{depot.id}"', 1)[1].split("</g>", 1)[0]
    point = re.search(rf'data-shift="{re.escape(shift.isoformat())}" data-share="([0-9.]+)"', group)
    assert point is not None
    assert float(point.group(1)) == round(_share_in_db(web, depot, shift), 4)
    assert "<polyline" in group  # this shift and today's make a line


def test_on_time_rate_per_month_is_the_maintenance_services(client_of: Clients, web: Web) -> None:
    depot = _depot(web, "Riverside Depot")
    month_ago = datetime.now(UTC).replace(day=1) - timedelta(days=10)
    with web.session() as session:
        vehicle = session.scalars(select(Vehicle).where(Vehicle.depot_id == depot.id)).first()
        task = session.scalars(select(ProgrammeTask).where(ProgrammeTask.code == "TO-1")).first()
        assert vehicle
        assert task
        for on_time in (True, True, True, False):
            session.add(
                TaskCompletion(
                    operator_id=depot.operator_id,
                    depot_id=depot.id,
                    vehicle_id=vehicle.id,
                    task_id=task.id,
                    done_at=month_ago,
                    status_at_completion="due" if on_time else "overdue",
                    on_time=on_time,
                )
            )
        session.commit()
    answer = client_of(MANAGER).get("/overview")
    chart = _svg(answer.text, "on-time")
    bar = re.search(rf'data-month="{month_ago:%Y-%m}" data-rate="([0-9.]+)"', chart)
    assert bar is not None
    with web.session() as session:
        month = [
            c.on_time
            for c in session.scalars(
                select(TaskCompletion).where(TaskCompletion.operator_id == depot.operator_id)
            )
            if f"{c.done_at:%Y-%m}" == f"{month_ago:%Y-%m}"
        ]
    assert len(month) >= 4  # the demo's services of that month and these four
    assert float(bar.group(1)) == round(sum(month) / len(month), 4)
    assert f'data-month="{datetime.now(UTC):%Y-%m}"' in chart  # overdue work counts this month


def test_open_defects_by_system_match_the_database(client_of: Clients, web: Web) -> None:
    operator_id = _depot(web, "North Depot").operator_id
    expected = _open_defects_in_db(web, operator_id)
    assert expected
    chart = _svg(client_of(MANAGER).get("/overview").text, "defects")
    shown = dict(re.findall(r'data-system="([a-z_]+)" data-count="(\d+)"', chart))
    assert {k: int(v) for k, v in shown.items()} == expected
    assert "<title" in chart
    assert "<desc" in chart


def test_another_operators_manager_sees_only_their_own_figures(
    client_of: Clients, web: Web
) -> None:
    answer = client_of(OTHER).get("/overview")
    assert answer.status_code == 200
    assert "North Depot" not in answer.text
    assert "Riverside Depot" not in answer.text
    assert "Central Machine Yard" in answer.text
    theirs = _depot(web, "Central Machine Yard").operator_id
    shown = dict(re.findall(r'data-system="([a-z_]+)" data-count="(\d+)"', answer.text))
    assert {k: int(v) for k, v in shown.items()} == _open_defects_in_db(web, theirs)


def test_overview_shows_three_charts_and_passes_axe(page: Page) -> None:
    sign_in(page, MANAGER, path="/overview")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator("svg.chart[role=img]")).to_have_count(3)
    expect(page.get_by_role("img", name="Open defects by system")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_text("Show the numbers").first.click()
    expect(page.locator("#availability table")).to_be_visible()
    assert serious_violations(page) == []


def test_overview_in_russian_fits_a_phone(phone: Page, web: Web) -> None:
    sign_in(phone, MANAGER, path="/overview")
    phone.context.add_cookies([{"name": "tightnut_lang", "value": "ru", "url": web.base}])
    phone.reload()
    expect(phone.get_by_role("heading", name="Обзор")).to_be_visible()
    expect(phone.get_by_role("heading", name="Готовность парка")).to_be_visible()
    expect(phone.get_by_role("img", name=re.compile("Открытые неисправности"))).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    width = phone.locator("#defects svg").bounding_box()
    assert width is not None
    assert width["width"] <= 360
