"""Operators (tenants), users with roles, and hashed API and session tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tightnut.db import Base, UTCDateTime, utcnow


class Role(StrEnum):
    """What a user does; rights are granted per role."""

    DRIVER = "driver"
    INSPECTOR = "inspector"
    DISPATCHER = "dispatcher"
    FLEET_MANAGER = "fleet_manager"
    SERVICE_ENGINEER = "service_engineer"
    NETWORK_MANAGER = "network_manager"
    ADMIN = "admin"


class TokenKind(StrEnum):
    """What a token opens: the API (bearer header) or a browser session (cookie)."""

    API = "api"
    SESSION = "session"


class Operator(Base):
    """A fleet operator: the tenant every record belongs to."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(Base):
    """A person who signs in; belongs to one operator and has one role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The language the user chose for the web app; None follows the browser's.
    locale: Mapped[str | None] = mapped_column(String(8))


class ApiToken(Base):
    """A bearer or browser-session token; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        UniqueConstraint("digest"),
        CheckConstraint("kind IN ('api', 'session')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default=TokenKind.API.value)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginFailure(Base):
    """One failed sign-in, counted against an account or a client address."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_failed_at", "key", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
