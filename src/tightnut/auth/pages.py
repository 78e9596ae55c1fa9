"""Sign-in and sign-out pages; the browser session is a hashed token in a cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tightnut.auth import service
from tightnut.deps import SESSION_COOKIE, AppSettings, DbSession
from tightnut.errors import Unauthorized
from tightnut.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    """The sign-in form."""
    return templates.TemplateResponse(request, "login.html", {"error": None, "email": ""})


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
) -> Response:
    """Check the password, set the session cookie and go to the board."""
    try:
        user = service.authenticate_password(session, email=email, password=password)
    except Unauthorized as exc:
        context = {"error": exc.message, "email": email}
        return templates.TemplateResponse(request, "login.html", context, status_code=401)
    token = service.issue_token(session, user=user, kind="session", hours=settings.session_hours)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession) -> Response:
    """Revoke the session token and clear the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.revoke_token(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
