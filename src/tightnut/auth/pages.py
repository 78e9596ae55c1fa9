"""Sign-in and sign-out, one's own API tokens, and the administrator's users and roles.

The browser session is a hashed token in a cookie. An API token's secret is shown once, in
the answer to the form that made it (not stored, not put in a URL or a cookie), so that one
POST answers with the page itself, marked ``no-store``, instead of a redirect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import AfterValidator
from sqlalchemy.orm import Session

from tightnut.auth import service
from tightnut.auth.models import ApiToken, Role, TokenKind
from tightnut.auth.rights import Actor, Right
from tightnut.auth.schemas import ApiTokenCreate, UserCreate, UserUpdate
from tightnut.config import Settings
from tightnut.db import utcnow
from tightnut.deps import SESSION_COOKIE, AppSettings, DbSession, PageActor, SignInGuard
from tightnut.errors import Conflict, Invalid, TightnutError, TooManyRequests, Unauthorized
from tightnut.fields import PathId, no_nul
from tightnut.fleet.service import list_depots
from tightnut.paging import CURSOR_FIELD, MAX_CURSOR_CHARS, PageRequest, decode_cursor
from tightnut.web import forms
from tightnut.web.i18n import N_
from tightnut.web.nav import ROLE_NAMES
from tightnut.web.pages import local_path
from tightnut.web.render import page_router, redirect, render, translate

router = page_router()

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PAGE_SIZE = 50
TOKEN_FIELDS = ("label", "expires_in_days")
USER_FIELDS = ("email", "full_name", "role", "password")
# A service's refusal in the reader's words: (kind of refusal, field) → message.
REFUSALS = {
    (Conflict, "email"): N_("A user with this e-mail already exists."),
    (Invalid, "email"): N_("This is not an e-mail address."),
    (Invalid, "password"): N_("At least 8 characters."),
    (Conflict, "role"): N_("You may not change your own role."),
    (Conflict, "user_id"): N_("You may not deactivate yourself."),
}
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)]
SHORT_PASSWORD = N_("At least 8 characters.")
TOKEN_CREATED = N_("Token created. Copy it now: it is shown only this once.")
TOKEN_REVOKED = N_("Token “%(label)s” revoked: it no longer works.")
USER_CREATED = N_("User %(email)s created.")
ROLE_CHANGED = N_("%(name)s is now %(role)s.")
DEACTIVATED = N_("%(name)s is deactivated and signed out everywhere.")
REACTIVATED = N_("%(name)s may sign in again.")


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


@router.get("/account/tokens", response_class=HTMLResponse)
def tokens_page(
    request: Request, session: DbSession, actor: PageActor, cursor: Cursor = None
) -> Response:
    """The caller's API tokens: make one, see them all, revoke one."""
    return render(request, "auth/tokens.html", _tokens_context(session, actor, cursor))


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    request: Request, session: DbSession, actor: PageActor, typed: forms.Typed
) -> Response:
    """Make a token and show its secret in this answer, the only time it is ever shown."""
    wanted = {name: typed.get(name, "") for name in TOKEN_FIELDS}
    try:
        data = forms.parse(request, ApiTokenCreate, wanted)
        token, secret = service.create_token(
            session, actor, label=data.label, days=data.expires_in_days
        )
    except (forms.FormInvalid, TightnutError) as exc:
        session.rollback()
        context = {**_tokens_context(session, actor, None), "values": wanted}
        return forms.refuse(request, session, "auth/tokens.html", context, exc)
    context = {
        **_tokens_context(session, actor, None),
        "created": token,
        "secret": secret,
        "notice": translate(request, TOKEN_CREATED),
    }
    return render(request, "auth/tokens.html", context, headers=NO_STORE)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: PathId, session: DbSession, actor: PageActor
) -> Response:
    """Revoke one of the caller's tokens; anyone else's is not found."""
    token = service.revoke_own_token(session, actor, token_id)
    notice = translate(request, TOKEN_REVOKED, label=token.label)
    return redirect(request, "/account/tokens", notice=notice)


def _tokens_context(session: Session, actor: Actor, cursor: str | None) -> dict[str, object]:
    found = service.list_tokens(session, actor, page=_page(cursor))
    return {
        "tokens": found.rows,
        "page": found,
        "states": {token.id: _token_state(token) for token in found.rows},
        "zone": _zone(session, actor),
        "values": {"expires_in_days": "90"},
    }


def _token_state(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= utcnow():
        return "expired"
    return "active"


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request, session: DbSession, actor: PageActor, cursor: Cursor = None
) -> Response:
    """The operator's users and their roles (administrators only)."""
    return render(request, "auth/users.html", _users_context(request, session, actor, cursor))


@router.post("/admin/users", response_class=HTMLResponse)
def create_user(
    request: Request, session: DbSession, actor: PageActor, typed: forms.Typed
) -> Response:
    """Add a user with a role and an initial password (administrators only)."""
    actor.require(Right.MANAGE_USERS)
    wanted = {name: typed.get(name, "") for name in USER_FIELDS}
    try:
        data = _new_user(request, wanted)
        user = service.create_user(
            session,
            operator_id=actor.operator_id,
            email=data.email,
            full_name=data.full_name,
            role=data.role,
            password=data.password,
        )
    except (forms.FormInvalid, TightnutError) as exc:
        kept = {**wanted, "password": ""}  # a password is never sent back in a page
        return _refuse_users(request, session, actor, exc, {"values": kept})
    return redirect(
        request, "/admin/users", notice=translate(request, USER_CREATED, email=user.email)
    )


@router.post("/admin/users/{user_id}/role", response_class=HTMLResponse)
def change_role(
    request: Request, user_id: PathId, session: DbSession, actor: PageActor, typed: forms.Typed
) -> Response:
    """Give a user another role; one's own role stays (administrators only)."""
    try:
        data = forms.parse(request, UserUpdate, {"role": typed.get("role", "")})
        if data.role is None:
            raise forms.FormInvalid({"role": translate(request, forms.MESSAGES["missing"])})
        user = service.update_user(session, actor, user_id, role=data.role)
    except (forms.FormInvalid, TightnutError) as exc:
        return _refuse_users(request, session, actor, exc, {"failed": user_id})
    role = translate(request, ROLE_NAMES[Role(user.role)])
    return redirect(
        request,
        "/admin/users",
        notice=translate(request, ROLE_CHANGED, name=user.full_name, role=role),
    )


@router.post("/admin/users/{user_id}/deactivate", response_class=HTMLResponse)
def deactivate(request: Request, user_id: PathId, session: DbSession, actor: PageActor) -> Response:
    """Shut a user out: every session and token of theirs stops at once."""
    return _set_active(request, session, actor, user_id, active=False)


@router.post("/admin/users/{user_id}/reactivate", response_class=HTMLResponse)
def reactivate(request: Request, user_id: PathId, session: DbSession, actor: PageActor) -> Response:
    """Let a deactivated user sign in again."""
    return _set_active(request, session, actor, user_id, active=True)


def _set_active(
    request: Request, session: Session, actor: Actor, user_id: int, *, active: bool
) -> Response:
    try:
        user = service.set_active(session, actor, user_id, active=active)
    except Conflict as exc:
        return _refuse_users(request, session, actor, exc, {"failed": user_id})
    message = REACTIVATED if active else DEACTIVATED
    return redirect(
        request, "/admin/users", notice=translate(request, message, name=user.full_name)
    )


def _new_user(request: Request, wanted: Mapping[str, str | list[str]]) -> UserCreate:
    """The create form checked by the API's schema; the page insists on a first password."""
    try:
        data = forms.parse(request, UserCreate, wanted)
    except forms.FormInvalid as exc:
        if "password" in exc.errors and wanted.get("password"):
            exc.errors["password"] = translate(request, SHORT_PASSWORD)
        raise
    if not data.password:
        raise forms.FormInvalid({"password": translate(request, forms.MESSAGES["missing"])})
    return data


def _refuse_users(
    request: Request,
    session: Session,
    actor: Actor,
    exc: forms.FormInvalid | TightnutError,
    context: Mapping[str, object],
) -> Response:
    """The users page again, the refusal beside the field or row it concerns; nothing written."""
    if isinstance(exc, TightnutError) and exc.status_code in (403, 404):
        raise exc  # the error page: not a field's fault
    session.rollback()
    shown = {**_users_context(request, session, actor, None), **context}
    if isinstance(exc, forms.FormInvalid):
        return forms.refuse(request, session, "auth/users.html", shown, exc)
    field = (exc.field or "").split(".")[-1]
    message = translate(request, REFUSALS.get((type(exc), field), exc.message))
    errors = {field: message}
    return render(
        request, "auth/users.html", {**shown, "errors": errors}, status_code=exc.status_code
    )


def _users_context(
    request: Request, session: Session, actor: Actor, cursor: str | None
) -> dict[str, object]:
    found = service.list_users(session, actor, page=_page(cursor))
    roles = [(role.value, translate(request, ROLE_NAMES[role])) for role in Role]
    return {
        "users": found.rows,
        "page": found,
        "roles": roles,
        "zone": _zone(session, actor),
        "values": {"role": Role.DRIVER.value},
    }


def _page(cursor: str | None) -> PageRequest:
    try:
        return PageRequest(limit=PAGE_SIZE, after=decode_cursor(cursor))
    except ValueError as exc:
        raise Invalid(str(exc), field=CURSOR_FIELD) from None


def _zone(session: Session, actor: Actor) -> str:
    """Times on these pages are shown in the zone of the operator's first depot."""
    depots = list_depots(session, actor)
    return depots[0].timezone if depots else "UTC"
