"""Sign-in and sign-out pages; the browser session is a hashed token in a cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import AfterValidator

from tightnut.auth import service
from tightnut.auth.models import TokenKind
from tightnut.config import Settings
from tightnut.deps import SESSION_COOKIE, AppSettings, DbSession, SignInGuard
from tightnut.errors import TooManyRequests, Unauthorized
from tightnut.fields import no_nul
from tightnut.web.pages import local_path
from tightnut.web.render import page_router, render

router = page_router()


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    """The sign-in form; ``next`` is where a deep link wanted to go."""
    context = {"error": None, "email": "", "next": local_path(next)}
    return render(request, "auth/login.html", context)


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    guard: SignInGuard,
    email: Annotated[str, Form(max_length=320), AfterValidator(no_nul)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password, set the session cookie and go to the board."""
    try:
        user = guard.sign_in(session, email=email, password=password)
    except (Unauthorized, TooManyRequests) as exc:
        context = {"error": exc, "email": email, "next": local_path(next)}
        return render(
            request, "auth/login.html", context, status_code=exc.status_code, headers=exc.headers
        )
    hours = settings.session_hours
    token = service.issue_token(session, user=user, kind=TokenKind.SESSION, hours=hours)
    target = local_path(next)
    response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_secure(request, settings),
        max_age=hours * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, settings: AppSettings) -> Response:
    """Revoke the session token and clear the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.revoke_token(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure(request, settings)
    )
    return response


def _secure(request: Request, settings: Settings) -> bool:
    # Over HTTPS (seen directly or through the proxy's headers) the cookie is Secure whatever
    # the setting says; the setting, on by default, covers a proxy that does not say so.
    return settings.secure_cookies or request.url.scheme == "https"
