"""The maintenance due list page: filters, paging, the plan link and the CSV export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from tightnut.auth.models import User
from tightnut.auth.rights import Actor
from tightnut.fleet.models import Depot
from tightnut.maintenance import service

Clients = Callable[[str | None], PageClient]
MANAGER = "fleet.manager@southline.demo"


def _actor(web: Web, email: str = MANAGER) -> Actor:
    with web.session() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        return Actor(user_id=user.id, operator_id=user.operator_id, role=user.role, name="x")


def _expected(web: Web, **filters: object) -> list[tuple[str, str, str]]:
    """(plate, task, status) of every row the service gives for these filters, in order."""
    with web.session() as session:
        entries = service.due_entries(
            session,
            _actor(web),
            filters=service.DueFilter(**filters),  # type: ignore[arg-type]
        )
    return [(e.vehicle.plate, e.task.code, e.status) for e in entries]


def _rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-task="([^"]+)" data-status="([^"]+)"', html)


def test_overdue_only_shows_only_overdue_rows(client_of: Clients, web: Web) -> None:
    client = client_of(MANAGER)
    page = client.get("/maintenance/due", params={"status": "overdue"})
    assert page.status_code == 200
    rows = _rows(page.text)
    expected = _expected(web, view="overdue")
    assert rows
    assert len(rows) == min(len(expected), service.DUE_PAGE_SIZE)
    assert {status for _, status in rows} == {"overdue"}


def test_safety_critical_filter_shows_only_flagged_tasks(client_of: Clients, web: Web) -> None:
    client = client_of(MANAGER)
    page = client.get("/maintenance/due", params={"safety": "1", "status": "all"})
    assert page.status_code == 200
    expected = _expected(web, view="all", safety_critical=True)
    assert expected
    body = page.text.split("<tbody>", 1)[1]
    assert body.count('class="safety-critical"') == min(len(expected), service.DUE_PAGE_SIZE)
    assert body.count("<tr ") == body.count('class="safety-critical"')


def test_pages_walk_the_whole_list_without_repeats(client_of: Clients, web: Web) -> None:
    client = client_of(MANAGER)
    expected = _expected(web, view="all")
    assert len(expected) > 2 * service.DUE_PAGE_SIZE
    first = client.get("/maintenance/due", params={"status": "all"})
    assert first.status_code == 200
    assert 'rel="next"' in first.text
    assert 'rel="prev"' not in first.text
    second = client.get("/maintenance/due", params={"status": "all", "offset": "50"})
    assert second.status_code == 200
    assert 'rel="prev"' in second.text
    shown = _rows(first.text) + _rows(second.text)
    assert shown == [(task, status) for _, task, status in expected[:100]]
    last = client.get(
        "/maintenance/due", params={"status": "all", "offset": str(len(expected) - 1)}
    )
    assert len(_rows(last.text)) == 1
    assert 'rel="next"' not in last.text


def test_plate_and_task_filters_and_the_plan_link(client_of: Clients, web: Web) -> None:
    plate, task, _ = _expected(web, view="all")[0]
    client = client_of(MANAGER)
    page = client.get(
        "/maintenance/due", params={"plate": plate[:4], "task": task, "status": "all"}
    )
    assert page.status_code == 200
    assert f">{plate}</a>" in page.text
    assert {t for t, _ in _rows(page.text)} == {task}
    assert re.search(r'href="/work-orders/new\?vehicle=\d+&amp;task=\d+"', page.text)


def test_csv_export_holds_exactly_the_filtered_rows(client_of: Clients, web: Web) -> None:
    client = client_of(MANAGER)
    with web.session() as session:
        depot = session.scalars(select(Depot).where(Depot.name == "Riverside Depot")).one()
    params = {"depot": str(depot.id), "status": "all", "safety": "1"}
    answer = client.get("/maintenance/due.csv", params=params)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0] == list(service.CSV_COLUMNS)
    expected = _expected(web, depot_id=depot.id, view="all", safety_critical=True)
    assert [(r[0], r[3], r[5]) for r in table[1:]] == expected
    assert {r[1] for r in table[1:]} == {str(depot.id)}


def test_csv_cells_cannot_start_a_formula() -> None:
    assert service._text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert service._text("+1") == "'+1"
    assert service._text("@SUM") == "'@SUM"
    assert service._text("А123ВЕ23") == "А123ВЕ23"


def test_another_operators_depot_is_not_found(client_of: Clients, web: Web) -> None:
    with web.session() as session:
        theirs = session.scalars(select(Depot).where(Depot.name == "Eastern Field Camp")).one()
    client = client_of(MANAGER)
    answer = client.get("/maintenance/due", params={"depot": str(theirs.id)})
    assert answer.status_code == 404
    assert "Not found" in answer.text
    assert client.get("/maintenance/due.csv", params={"depot": str(theirs.id)}).status_code == 404
    assert client.get("/maintenance/due", params={"depot": "x1"}).status_code == 422


def test_due_list_filters_in_the_browser_and_passes_axe(page: Page) -> None:
    sign_in(page, MANAGER, path="/maintenance/due")
    expect(page.get_by_role("heading", name="Maintenance due")).to_be_visible()
    page.get_by_label("Status").select_option("overdue")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"status=overdue"))
    states = page.locator("tbody td .state").all_inner_texts()
    assert states
    assert set(states) == {"overdue"}
    assert serious_violations(page) == []


def test_due_list_in_russian(client_of: Clients) -> None:
    client = client_of(MANAGER)
    answer = client.get("/maintenance/due", headers={"Accept-Language": "ru"})
    assert answer.status_code == 200
    assert "<h1>ТО к выполнению</h1>" in answer.text
    assert "Только влияющие на безопасность" in answer.text


def test_due_list_fits_a_phone(phone: Page) -> None:
    sign_in(phone, MANAGER, path="/maintenance/due")
    expect(phone.locator("tbody tr").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
