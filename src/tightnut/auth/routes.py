"""Auth API: a token for a password, who am I, the operator's users, one's own API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from tightnut.auth import service
from tightnut.auth.models import User
from tightnut.auth.rights import Right
from tightnut.auth.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    TokenRead,
    TokenRequest,
    UserCreate,
    UserRead,
    UserUpdate,
)
from tightnut.deps import ApiActor, AppSettings, DbSession, SignInGuard
from tightnut.errors import Unauthorized
from tightnut.fields import PathId
from tightnut.paging import Page, PageQuery

router = APIRouter(tags=["auth"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post("/auth/token", status_code=201, response_model=TokenRead)
def token(
    data: TokenRequest,
    response: Response,
    session: DbSession,
    settings: AppSettings,
    guard: SignInGuard,
) -> TokenRead | JSONResponse:
    """A bearer token for e-mail and password, valid for the session length."""
    try:
        user = guard.sign_in(session, email=data.email, password=data.password)
    except Unauthorized as exc:
        # Answered, not raised: the transaction commits and the failure stays counted.
        body = {"error": exc.as_dict()}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
    hours = settings.session_hours
    value = service.issue_token(session, user=user, label="password", hours=hours)
    response.headers.update(NO_STORE)
    return TokenRead(token=value, expires_in_hours=hours)


@router.get("/me")
def me(session: DbSession, actor: ApiActor) -> UserRead:
    """The calling user."""
    return UserRead.of(session.get_one(User, actor.user_id))


@router.get("/me/tokens")
def my_tokens(session: DbSession, actor: ApiActor, page: PageQuery) -> Page[ApiTokenRead]:
    """The caller's API tokens, newest first; their secrets are never shown again."""
    found = service.list_tokens(session, actor, page=page)
    return Page(items=[ApiTokenRead.of(t) for t in found.rows], next_cursor=found.next_cursor)


@router.post("/me/tokens", status_code=201)
def create_my_token(
    data: ApiTokenCreate, response: Response, session: DbSession, actor: ApiActor
) -> ApiTokenCreated:
    """A new API token of the caller; the secret is in this answer and nowhere else."""
    token, secret = service.create_token(
        session, actor, label=data.label, days=data.expires_in_days
    )
    response.headers.update(NO_STORE)
    return ApiTokenCreated.of_new(token, secret)


@router.delete("/me/tokens/{token_id}", status_code=204)
def revoke_my_token(token_id: PathId, session: DbSession, actor: ApiActor) -> None:
    """Revoke one of the caller's API tokens: it answers 401 from now on."""
    service.revoke_own_token(session, actor, token_id)


@router.get("/users")
def list_users(session: DbSession, actor: ApiActor, page: PageQuery) -> Page[UserRead]:
    """The users of the caller's operator, newest first (administrators only)."""
    found = service.list_users(session, actor, page=page)
    return Page(items=[UserRead.of(u) for u in found.rows], next_cursor=found.next_cursor)


@router.post("/users", status_code=201)
def create_user(data: UserCreate, session: DbSession, actor: ApiActor) -> UserRead:
    """A new user of the caller's operator (administrators only)."""
    actor.require(Right.MANAGE_USERS)
    user = service.create_user(
        session,
        operator_id=actor.operator_id,
        email=data.email,
        full_name=data.full_name,
        role=data.role,
        password=data.password,
    )
    return UserRead.of(user)


@router.get("/users/{user_id}")
def get_user(user_id: PathId, session: DbSession, actor: ApiActor) -> UserRead:
    """One user of the caller's operator (administrators only)."""
    actor.require(Right.MANAGE_USERS)
    return UserRead.of(service.get_user(session, actor, user_id))


@router.patch("/users/{user_id}")
def update_user(user_id: PathId, data: UserUpdate, session: DbSession, actor: ApiActor) -> UserRead:
    """Change a user's role or name (administrators only)."""
    user = service.update_user(session, actor, user_id, role=data.role, full_name=data.full_name)
    return UserRead.of(user)


@router.post("/users/{user_id}/deactivate")
def deactivate_user(user_id: PathId, session: DbSession, actor: ApiActor) -> UserRead:
    """Shut a user out: sign-in refused and every token revoked at once (administrators only)."""
    return UserRead.of(service.set_active(session, actor, user_id, active=False))


@router.post("/users/{user_id}/reactivate")
def reactivate_user(user_id: PathId, session: DbSession, actor: ApiActor) -> UserRead:
    """Let a deactivated user sign in again; old tokens stay revoked (administrators only)."""
    return UserRead.of(service.set_active(session, actor, user_id, active=True))
