"""The programmes pages: intervals shown, edited in place, refused in place with nothing written."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from tightnut.auth.models import Operator
from tightnut.maintenance.models import Programme, ProgrammeTask

Clients = Callable[[str | None], PageClient]
MANAGER = "fleet.manager@southline.demo"


def _task(web: Web, operator: str, programme: str, code: str) -> tuple[int, int]:
    """(programme id, task id) of a task of one operator's programme."""
    with web.session() as session:
        row = session.execute(
            select(Programme.id, ProgrammeTask.id)
            .join(ProgrammeTask, ProgrammeTask.programme_id == Programme.id)
            .join(Operator, Operator.id == Programme.operator_id)
            .where(Operator.name == operator, Programme.code == programme)
            .where(ProgrammeTask.code == code)
        ).one()
        return row[0], row[1]


def _stored(web: Web, task_id: int) -> tuple[float | None, float | None, float | None, float]:
    with web.session() as session:
        task = session.get_one(ProgrammeTask, task_id)
        return task.interval_km, task.interval_hours, task.interval_days, task.tolerance_pct


def test_programmes_list_shows_tasks_with_their_intervals(client_of: Clients) -> None:
    answer = client_of(MANAGER).get("/programmes")
    assert answer.status_code == 200
    assert "city-bus-12m" in answer.text
    assert "TO-2" in answer.text
    assert "10,000 km" in answer.text
    assert "wheeled-tractor" not in answer.text or "Kuban" not in answer.text


def test_editing_an_interval_saves_it_and_says_so(client_of: Clients, web: Web) -> None:
    programme_id, task_id = _task(web, "Southline City Transport", "city-bus-12m", "TO-1")
    client = client_of(MANAGER)
    form = {
        "interval_km": "12 000",
        "interval_hours": "",
        "interval_days": "200",
        "tolerance_pct": "7,5",
    }
    saved = client.post(f"/programmes/{programme_id}/tasks/{task_id}", form)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"].startswith(f"/programmes/{programme_id}")
    assert _stored(web, task_id) == (12_000.0, None, 200.0, 7.5)
    shown = client.get(f"/programmes/{programme_id}")
    assert "Intervals of TO-1 saved." in shown.text
    assert 'value="12000"' in shown.text


def test_all_intervals_empty_is_refused_in_place_and_writes_nothing(
    client_of: Clients, web: Web
) -> None:
    programme_id, task_id = _task(web, "Southline City Transport", "city-bus-12m", "TO-2")
    before = _stored(web, task_id)
    client = client_of(MANAGER)
    form = {"interval_km": "", "interval_hours": "", "interval_days": "", "tolerance_pct": "9"}
    refused = client.post(f"/programmes/{programme_id}/tasks/{task_id}", form)
    assert refused.status_code == 422
    assert "Give at least one interval" in refused.text
    assert f'id="e-{task_id}-interval_km"' in refused.text
    assert _stored(web, task_id) == before


def test_a_negative_interval_is_refused_beside_its_field_keeping_what_was_typed(
    client_of: Clients, web: Web
) -> None:
    programme_id, task_id = _task(
        web, "Southline City Transport", "city-bus-12m", "FIRE-SUPPRESSION"
    )
    before = _stored(web, task_id)
    client = client_of(MANAGER)
    form = {"interval_km": "", "interval_hours": "", "interval_days": "-30", "tolerance_pct": "60"}
    refused = client.post(f"/programmes/{programme_id}/tasks/{task_id}", form)
    assert refused.status_code == 422
    assert f'id="e-{task_id}-interval_days"' in refused.text
    assert "More than 0." in refused.text
    assert f'id="e-{task_id}-tolerance_pct"' in refused.text
    assert 'value="-30"' in refused.text
    assert _stored(web, task_id) == before


def test_another_operators_programme_is_not_found(client_of: Clients, web: Web) -> None:
    programme_id, task_id = _task(web, "Kuban Fields Agroholding", "wheeled-tractor-80hp", "TO-1")
    before = _stored(web, task_id)
    client = client_of(MANAGER)
    assert client.get(f"/programmes/{programme_id}").status_code == 404
    form = {"interval_km": "", "interval_hours": "1", "interval_days": "", "tolerance_pct": "1"}
    assert client.post(f"/programmes/{programme_id}/tasks/{task_id}", form).status_code == 404
    assert _stored(web, task_id) == before


def test_a_role_without_the_right_sees_no_form_and_may_not_post(
    client_of: Clients, web: Web
) -> None:
    programme_id, task_id = _task(web, "Southline City Transport", "city-bus-12m", "TO-1")
    client = client_of("service.engineer@southline.demo")
    shown = client.get(f"/programmes/{programme_id}")
    assert shown.status_code == 200
    assert '<form method="post" action="/programmes/' not in shown.text
    before = _stored(web, task_id)
    form = {"interval_km": "1", "interval_hours": "", "interval_days": "", "tolerance_pct": "1"}
    refused = client.post(f"/programmes/{programme_id}/tasks/{task_id}", form)
    assert refused.status_code == 403
    assert "manage maintenance programmes" in refused.text
    assert _stored(web, task_id) == before


def test_programme_edit_in_the_browser_passes_axe(page: Page, web: Web) -> None:
    programme_id, task_id = _task(web, "Southline City Transport", "city-bus-12m", "HV-SYSTEM")
    sign_in(page, MANAGER, path="/programmes")
    expect(page.get_by_role("heading", name="Maintenance programmes")).to_be_visible()
    assert serious_violations(page) == []
    page.goto(f"/programmes/{programme_id}")
    section = page.locator(f"#task-{task_id}")
    section.get_by_label("Interval, km").fill("-1")
    section.get_by_role("button", name="Save HV-SYSTEM").click()
    expect(section.locator(".field-error")).to_be_visible()
    expect(section.get_by_label("Interval, km")).to_have_value("-1")
    assert serious_violations(page) == []
    section = page.locator(f"#task-{task_id}")
    section.get_by_label("Interval, km").fill("25000")
    section.get_by_role("button", name="Save HV-SYSTEM").click()
    expect(page.get_by_role("status")).to_contain_text("Intervals of HV-SYSTEM saved.")
    assert _stored(web, task_id)[0] == 25_000.0


def test_programmes_in_russian_on_a_phone(phone: Page, web: Web) -> None:
    programme_id, _ = _task(web, "Southline City Transport", "city-bus-12m", "TO-1")
    sign_in(phone, MANAGER, path=f"/programmes/{programme_id}")
    phone.context.add_cookies([{"name": "tightnut_lang", "value": "ru", "url": web.base}])
    phone.reload()
    expect(phone.get_by_label("Интервал, км").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.goto("/programmes")
    expect(phone.get_by_role("heading", name="Программы ТО")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
