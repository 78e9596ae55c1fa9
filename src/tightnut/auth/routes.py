"""Auth API: exchange a password for a token, who am I, create users."""

from __future__ import annotations

from fastapi import APIRouter

from tightnut.auth import service
from tightnut.auth.models import User
from tightnut.auth.rights import Right
from tightnut.auth.schemas import TokenRead, TokenRequest, UserCreate, UserRead
from tightnut.deps import ApiActor, AppSettings, DbSession

router = APIRouter(tags=["auth"])


@router.post("/auth/token", status_code=201)
def token(data: TokenRequest, session: DbSession, settings: AppSettings) -> TokenRead:
    """A bearer token for e-mail and password, valid for the session length."""
    user = service.authenticate_password(session, email=data.email, password=data.password)
    hours = settings.session_hours
    value = service.issue_token(session, user=user, kind="api", label="password", hours=hours)
    return TokenRead(token=value, expires_in_hours=hours)


@router.get("/me")
def me(session: DbSession, actor: ApiActor) -> UserRead:
    """The calling user."""
    return UserRead.model_validate(session.get_one(User, actor.user_id))


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
    return UserRead.model_validate(user)
