"""Error pages: every non-API URL answers HTML, in the reader's language, never a trace.

A missing path and another operator's record give the same 404 page, so a page never tells
whether a record exists elsewhere. A 403 names the right the role lacks; a 500 shows the
reference under which the log holds the details.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from tightnut.auth.models import Role, TokenKind
from tightnut.auth.rights import Right
from tightnut.auth.service import authenticate_token
from tightnut.db import transaction
from tightnut.deps import SESSION_COOKIE
from tightnut.errors import TightnutError
from tightnut.web.i18n import N_
from tightnut.web.nav import ROLE_NAMES
from tightnut.web.render import actor_of, render, translate

TITLES = {
    400: N_("The request was not understood"),
    403: N_("You may not do this"),
    404: N_("Not found"),
    405: N_("Not found"),
    409: N_("This clashes with the current state"),
    413: N_("That is too large"),
    422: N_("Something in the request is not right"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
    503: N_("A part of the system is not available"),
}
RIGHT_NAMES = {
    Right.READ_FLEET: N_("see the fleet"),
    Right.MANAGE_FLEET: N_("manage the fleet"),
    Right.RECORD_METERS: N_("record meter readings"),
    Right.INSPECT: N_("inspect vehicles"),
    Right.RELEASE: N_("release vehicles to the line"),
    Right.REPAIR: N_("repair defects"),
    Right.MANAGE_USERS: N_("manage users"),
    Right.MANAGE_PROGRAMMES: N_("manage maintenance programmes"),
    Right.PLAN_WORK: N_("plan work orders"),
    Right.DO_WORK: N_("carry out and sign work orders"),
    Right.MANAGE_PEOPLE: N_("manage technicians"),
    Right.MANAGE_PARTS: N_("manage parts"),
}
NOT_FOUND = N_("There is no such page, or it is not yours to see.")
INTERNAL = N_("The error has been logged. Try again; if it happens again, tell your administrator.")
FORBIDDEN = N_("Your role (%(role)s) may not %(right)s.")
MALFORMED = N_("This value is malformed: %(field)s.")


def error_page(request: Request, exc: TightnutError) -> Response:
    """The HTML answer to a refusal; signed-out visitors go to sign in and come back."""
    if exc.status_code == 401:
        return _to_sign_in(request)
    _recognise(request)
    title = TITLES.get(exc.status_code, TITLES[400])
    context = {
        "error": exc,
        "title": title,
        "message": _message(request, exc),
        "reference": exc.detail.get("reference"),
    }
    return render(request, "error.html", context, status_code=exc.status_code, headers=exc.headers)


def _message(request: Request, exc: TightnutError) -> str:
    if exc.status_code in (404, 405):
        return translate(request, NOT_FOUND)
    if exc.status_code == 500:
        return translate(request, INTERNAL)
    right, role = exc.detail.get("right"), exc.detail.get("role")
    if exc.status_code == 403 and isinstance(right, str) and isinstance(role, str):
        return translate(
            request,
            FORBIDDEN,
            role=translate(request, ROLE_NAMES[Role(role)]),
            right=translate(request, RIGHT_NAMES[Right(right)]),
        )
    if exc.status_code == 422 and exc.field:
        return translate(request, MALFORMED, field=exc.field.split(".")[-1])
    return translate(request, exc.message)


def _recognise(request: Request) -> None:
    """Find who is signed in when the refusal came before any page dependency did."""
    token = request.cookies.get(SESSION_COOKIE)
    if actor_of(request) is not None or not token:
        return
    try:
        with transaction(request.app.state.session_factory, read_only=True) as session:
            request.state.actor = authenticate_token(session, token, kind=TokenKind.SESSION)
    except Exception:
        return  # an expired cookie or a database down: the page shows no one signed in


def _to_sign_in(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/login" if target == "/" else f"/login?next={quote(target, safe='')}"
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)
