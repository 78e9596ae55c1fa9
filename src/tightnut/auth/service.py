"""Users, passwords (argon2) and tokens (random, stored as SHA-256 digests)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tightnut.auth.models import ApiToken, Operator, Role, TokenKind, User
from tightnut.auth.rights import Actor, Right
from tightnut.db import utcnow
from tightnut.errors import Conflict, Invalid, NotFound, Unauthorized
from tightnut.paging import PageRequest, Slice, keyset

_hasher = PasswordHasher()
TOKEN_PREFIX = "tn_"


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    if len(password) < 8:
        raise Invalid("password must have at least 8 characters", field="password")
    return _hasher.hash(password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_operator_by_name(session: Session, name: str) -> Operator:
    """The operator called ``name``."""
    operator = session.scalar(select(Operator).where(Operator.name == name))
    if operator is None:
        raise NotFound(f"no operator named '{name}'", field="operator")
    return operator


def create_operator(session: Session, *, name: str) -> Operator:
    """A new tenant."""
    if session.scalar(select(Operator.id).where(Operator.name == name)) is not None:
        raise Conflict(f"operator '{name}' exists", field="name")
    operator = Operator(name=name)
    session.add(operator)
    session.flush()
    return operator


def create_user(
    session: Session,
    *,
    operator_id: int,
    email: str,
    full_name: str,
    role: str,
    password: str | None = None,
) -> User:
    """A new user of ``operator_id`` with one role."""
    if role not in Role.__members__.values():
        raise Invalid(f"unknown role '{role}'", field="role")
    email = email.strip().lower()
    if "@" not in email:
        raise Invalid("not an e-mail address", field="email")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user with e-mail '{email}' exists", field="email")
    user = User(
        operator_id=operator_id,
        email=email,
        full_name=full_name,
        role=role,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def issue_token(
    session: Session,
    *,
    user: User,
    kind: TokenKind = TokenKind.API,
    label: str = "",
    hours: int | None = None,
) -> str:
    """A new random token for ``user``; the plain value is returned once and never stored."""
    return _issue(session, user_id=user.id, kind=kind, label=label, hours=hours)[1]


def _issue(
    session: Session, *, user_id: int, kind: TokenKind, label: str, hours: int | None
) -> tuple[ApiToken, str]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=hours) if hours else None
    token = ApiToken(
        user_id=user_id, digest=_digest(secret), kind=kind.value, label=label, expires_at=expires
    )
    session.add(token)
    session.flush()
    return token, secret


def authenticate_token(
    session: Session, token: str, *, kind: TokenKind, now: datetime | None = None
) -> Actor:
    """The actor behind a token of ``kind``; 401 if unknown, of another kind, expired or revoked."""
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.digest == _digest(token), ApiToken.kind == kind.value)
    ).first()
    if row is None:
        raise Unauthorized("unknown token")
    api_token, user = row
    now = now or utcnow()
    if api_token.revoked_at is not None or not user.active:
        raise Unauthorized("token revoked")
    if api_token.expires_at is not None and api_token.expires_at <= now:
        raise Unauthorized("token expired")
    return actor_of(user)


def actor_of(user: User) -> Actor:
    """The actor a user acts as."""
    return Actor(
        user_id=user.id,
        operator_id=user.operator_id,
        role=Role(user.role),
        name=user.full_name,
        locale=user.locale,
    )


def authenticate_password(session: Session, *, email: str, password: str) -> User:
    """The user with these credentials; 401 otherwise, with the same answer and cost for both."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    stored = user.password_hash if user is not None and user.active else None
    # A missing user costs one argon2 check too, so timing does not tell which e-mails exist.
    try:
        _hasher.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized("wrong e-mail or password") from None
    if user is None or stored is None:
        raise Unauthorized("wrong e-mail or password")
    return user


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def warm_up() -> None:
    """Hash the stand-in password now, so the first unknown e-mail costs no more than later ones."""
    _dummy_hash()


def revoke_token(session: Session, token: str) -> None:
    """Revoke a token (sign-out); unknown tokens are ignored."""
    api_token = session.scalar(select(ApiToken).where(ApiToken.digest == _digest(token)))
    if api_token is not None and api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        session.flush()


def list_users(session: Session, actor: Actor, *, page: PageRequest) -> Slice[User]:
    """The users of the caller's operator, newest first (administrators only)."""
    actor.require(Right.MANAGE_USERS)
    query = select(User).where(User.operator_id == actor.operator_id)
    return keyset(session, query, key=User.created_at, row_id=User.id, page=page)


def get_user(session: Session, actor: Actor, user_id: int) -> User:
    """A user of the caller's operator; another operator's user is not found either."""
    user = session.get(User, user_id)
    if user is None or user.operator_id != actor.operator_id:
        raise NotFound(f"no user {user_id}", field="user_id")
    return user


def update_user(
    session: Session,
    actor: Actor,
    user_id: int,
    *,
    role: Role | None = None,
    full_name: str | None = None,
) -> User:
    """Change a user's role or name (administrators only; not one's own role)."""
    actor.require(Right.MANAGE_USERS)
    user = get_user(session, actor, user_id)
    if role is not None and role != user.role:
        if user.id == actor.user_id:
            raise Conflict("you may not change your own role", field="role")
        user.role = role.value
    if full_name is not None:
        user.full_name = full_name
    session.flush()
    return user


def set_active(session: Session, actor: Actor, user_id: int, *, active: bool) -> User:
    """Deactivate a user (every token stops at once) or let them in again (administrators only)."""
    actor.require(Right.MANAGE_USERS)
    user = get_user(session, actor, user_id)
    if user.id == actor.user_id:
        raise Conflict("you may not deactivate yourself", field="user_id")
    if user.active and not active:
        _revoke_all(session, user.id)
    user.active = active
    session.flush()
    return user


def set_locale(session: Session, actor: Actor, *, locale: str | None) -> None:
    """Remember the language the caller chose for the web app (None: follow the browser)."""
    user = get_user(session, actor, actor.user_id)
    user.locale = locale
    session.flush()


def _revoke_all(session: Session, user_id: int) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def list_tokens(session: Session, actor: Actor, *, page: PageRequest) -> Slice[ApiToken]:
    """The caller's own API tokens, newest first, revoked and expired ones too."""
    query = select(ApiToken).where(
        ApiToken.user_id == actor.user_id, ApiToken.kind == TokenKind.API.value
    )
    return keyset(session, query, key=ApiToken.created_at, row_id=ApiToken.id, page=page)


def create_token(
    session: Session, actor: Actor, *, label: str, days: int | None
) -> tuple[ApiToken, str]:
    """A new API token of the caller and its secret, which is shown this once."""
    hours = days * 24 if days else None
    return _issue(session, user_id=actor.user_id, kind=TokenKind.API, label=label, hours=hours)


def revoke_own_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one of the caller's API tokens; it answers 401 from now on."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.user_id or token.kind != TokenKind.API:
        raise NotFound(f"no token {token_id}", field="token_id")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token
