"""Users, passwords (argon2) and tokens (random, stored as SHA-256 digests)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tightnut.auth.models import ApiToken, Operator, Role, User
from tightnut.auth.rights import Actor
from tightnut.db import utcnow
from tightnut.errors import Conflict, Invalid, NotFound, Unauthorized

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
    session: Session, *, user: User, kind: str = "api", label: str = "", hours: int | None = None
) -> str:
    """A new random token for ``user``; the plain value is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=hours) if hours else None
    session.add(
        ApiToken(user_id=user.id, digest=_digest(token), kind=kind, label=label, expires_at=expires)
    )
    session.flush()
    return token


def authenticate_token(session: Session, token: str, *, now: datetime | None = None) -> Actor:
    """The actor behind a bearer or session token; 401 when unknown, expired or revoked."""
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.digest == _digest(token))
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
        user_id=user.id, operator_id=user.operator_id, role=Role(user.role), name=user.full_name
    )


def authenticate_password(session: Session, *, email: str, password: str) -> User:
    """The user with these credentials; 401 otherwise (the same answer for both mistakes)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.password_hash is None or not user.active:
        raise Unauthorized("wrong e-mail or password")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized("wrong e-mail or password") from None
    return user


def revoke_token(session: Session, token: str) -> None:
    """Revoke a token (sign-out); unknown tokens are ignored."""
    api_token = session.scalar(select(ApiToken).where(ApiToken.digest == _digest(token)))
    if api_token is not None and api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        session.flush()
