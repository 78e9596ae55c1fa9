"""The administrator's users and roles page: create, change a role, shut someone out."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from tightnut.auth.models import User

Clients = Callable[[str | None], PageClient]
ADMIN = "admin@southline.demo"


def _user(web: Web, email: str) -> User | None:
    with web.session() as session:
        return session.scalar(select(User).where(User.email == email))


def _count(web: Web) -> int:
    with web.session() as session:
        return session.scalar(select(func.count(User.id))) or 0


def test_the_admin_creates_a_user_who_can_sign_in(client_of: Clients, web: Web) -> None:
    admin = client_of(ADMIN)
    made = admin.post(
        "/admin/users",
        {
            "email": "New.Driver@southline.demo",
            "full_name": "Nina Petrova",
            "role": "driver",
            "password": "first-pass-1",
        },
    )
    assert made.status_code == 303
    assert made.headers["location"] == "/admin/users"
    listed = admin.get("/admin/users")
    assert "User new.driver@southline.demo created." in listed.text
    assert "Nina Petrova" in listed.text
    user = _user(web, "new.driver@southline.demo")
    assert user is not None
    assert (user.role, user.active, user.full_name) == ("driver", True, "Nina Petrova")
    newcomer = client_of(None)
    assert newcomer.sign_in("new.driver@southline.demo", "first-pass-1").status_code == 303


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"email": "driver@southline.demo"}, "email", "A user with this e-mail already exists."),
        ({"email": "DRIVER@kubanfields.demo"}, "email", "A user with this e-mail already exists."),
        ({"email": "no-at-sign"}, "email", "This is not an e-mail address."),
        ({"password": "short"}, "password", "At least 8 characters."),
        ({"password": ""}, "password", "This field is required."),
        ({"full_name": ""}, "full_name", "This field is required."),
        ({"role": "emperor"}, "role", "Choose one of the options."),
    ],
)
def test_a_bad_new_user_shows_the_error_in_place_and_writes_nothing(
    client_of: Clients, web: Web, typed: dict[str, str], field: str, message: str
) -> None:
    before = _count(web)
    form = {
        "email": "someone.new@southline.demo",
        "full_name": "Kept Name",
        "role": "inspector",
        "password": "long-enough",
        **typed,
    }
    refused = client_of(ADMIN).post("/admin/users", form)
    assert refused.status_code in (409, 422)
    assert f'id="e-{field}"' in refused.text
    assert message in refused.text
    if field != "full_name":
        assert 'value="Kept Name"' in refused.text
    assert "long-enough" not in refused.text  # a password is never sent back
    assert _count(web) == before


def test_a_role_change_is_saved_and_shown(client_of: Clients, web: Web) -> None:
    target = _user(web, "network.manager@southline.demo")
    assert target is not None
    admin = client_of(ADMIN)
    changed = admin.post(f"/admin/users/{target.id}/role", {"role": "fleet_manager"})
    assert changed.status_code == 303
    assert "Demo network manager is now Fleet manager." in admin.get("/admin/users").text
    after = _user(web, "network.manager@southline.demo")
    assert after is not None
    assert after.role == "fleet_manager"


def test_ones_own_role_change_is_refused_in_place(client_of: Clients, web: Web) -> None:
    me = _user(web, ADMIN)
    assert me is not None
    refused = client_of(ADMIN).post(f"/admin/users/{me.id}/role", {"role": "driver"})
    assert refused.status_code == 409
    assert f'id="e-user-{me.id}"' in refused.text
    assert "You may not change your own role." in refused.text
    russian = client_of(ADMIN).post(
        f"/admin/users/{me.id}/role", {"role": "driver"}, headers={"Accept-Language": "ru"}
    )
    assert "Свою собственную роль менять нельзя." in russian.text
    after = _user(web, ADMIN)
    assert after is not None
    assert after.role == "admin"


def test_deactivating_oneself_is_refused_in_place(client_of: Clients, web: Web) -> None:
    me = _user(web, ADMIN)
    assert me is not None
    admin = client_of(ADMIN)
    refused = admin.post(f"/admin/users/{me.id}/deactivate")
    assert refused.status_code == 409
    assert f'id="e-user-{me.id}"' in refused.text
    assert "You may not deactivate yourself." in refused.text
    assert admin.get("/admin/users").status_code == 200  # still signed in
    after = _user(web, ADMIN)
    assert after is not None
    assert after.active


def test_deactivating_a_user_ends_their_session_at_once(client_of: Clients, web: Web) -> None:
    victim = client_of("dispatcher@southline.demo")
    assert victim.get("/account/tokens").status_code == 200
    target = _user(web, "dispatcher@southline.demo")
    assert target is not None
    admin = client_of(ADMIN)
    done = admin.post(f"/admin/users/{target.id}/deactivate")
    assert done.status_code == 303
    assert "signed out everywhere" in admin.get("/admin/users").text
    shut = victim.get("/account/tokens")
    assert shut.status_code == 303
    assert shut.headers["location"].startswith("/login")
    assert client_of(None).sign_in("dispatcher@southline.demo").status_code == 401
    again = admin.post(f"/admin/users/{target.id}/reactivate")
    assert again.status_code == 303
    assert client_of(None).sign_in("dispatcher@southline.demo").status_code == 303


def test_another_operators_user_is_the_404_page(client_of: Clients, web: Web) -> None:
    theirs = _user(web, "inspector@kubanfields.demo")
    assert theirs is not None
    admin = client_of(ADMIN)
    for path, form in (("role", {"role": "driver"}), ("deactivate", {})):
        refused = admin.post(f"/admin/users/{theirs.id}/{path}", form)
        assert refused.status_code == 404
        assert "There is no such page, or it is not yours to see." in refused.text
    after = _user(web, "inspector@kubanfields.demo")
    assert after is not None
    assert (after.role, after.active) == ("inspector", True)


def test_a_driver_is_refused_with_the_right_named(client_of: Clients, web: Web) -> None:
    driver = client_of("driver@southline.demo")
    refused = driver.get("/admin/users")
    assert refused.status_code == 403
    assert "Your role (Driver) may not manage users." in refused.text
    before = _count(web)
    posted = driver.post(
        "/admin/users",
        {"email": "x@southline.demo", "full_name": "X", "role": "admin", "password": "12345678"},
    )
    assert posted.status_code == 403
    assert _count(web) == before


def test_the_users_page_in_the_browser(page: Page) -> None:
    sign_in(page, "admin@kubanfields.demo")
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users and roles")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("E-mail").fill("agronomist@kubanfields.demo")
    page.get_by_label("Full name").fill("Ivan Sidorov")
    page.get_by_label("Role", exact=True).select_option("inspector")
    page.get_by_label("Initial password").fill("field-pass-9")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("status")).to_contain_text("agronomist@kubanfields.demo created")
    page.get_by_label("Role of Ivan Sidorov", exact=True).select_option("dispatcher")
    page.get_by_role("button", name="Change the role of Ivan Sidorov").click()
    expect(page.get_by_role("status")).to_contain_text("Ivan Sidorov is now Dispatcher.")
    page.get_by_role("button", name="Deactivate Ivan Sidorov").click()
    row = page.locator("tr", has_text="Ivan Sidorov")
    expect(row).to_contain_text("deactivated")
    page.get_by_label("Role of Demo admin", exact=True).select_option("driver")
    page.get_by_role("button", name="Change the role of Demo admin").click()
    expect(page.get_by_role("alert")).to_have_text("You may not change your own role.")
    assert serious_violations(page) == []


def test_the_users_page_fits_a_phone(phone: Page) -> None:
    sign_in(phone, "admin@kubanfields.demo", path="/admin/users")
    expect(phone.get_by_role("heading", name="Users and roles")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_users_page_speaks_russian(client_of: Clients) -> None:
    shown = client_of(ADMIN).get("/admin/users", headers={"Accept-Language": "ru"})
    assert shown.status_code == 200
    assert "Пользователи и роли" in shown.text
    assert "Создать пользователя" in shown.text
    assert "Водитель" in shown.text
