"""Pages every role shares: the landing redirect, the language switch, the app's icons."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from tightnut.auth import service as auth_service
from tightnut.deps import DbSession, MaybePageActor, PageActor
from tightnut.web import i18n
from tightnut.web.nav import home_of
from tightnut.web.render import page_router, redirect

router = page_router()


@router.get("/")
def home(actor: PageActor) -> Response:
    """Go to the first page of the caller's daily work."""
    return RedirectResponse(home_of(actor), status_code=303)


@router.post("/language")
def choose_language(
    request: Request,
    session: DbSession,
    actor: MaybePageActor,
    lang: Annotated[str, Form(max_length=8)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Switch the language: remembered for the user, and in a cookie for the browser."""
    locale = i18n.supported(lang) or i18n.DEFAULT_LOCALE
    if actor is not None:
        auth_service.set_locale(session, actor, locale=locale)
    response = redirect(request, local_path(next))
    response.set_cookie(
        i18n.LANGUAGE_COOKIE, locale, max_age=365 * 24 * 3600, httponly=True, samesite="lax"
    )
    return response


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for this path whatever the page says; the icon is an SVG."""
    return RedirectResponse("/static/icons/tightnut.svg", status_code=301)


def local_path(target: str | None) -> str:
    """``target`` if it is a path on this site, else ``/`` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target
