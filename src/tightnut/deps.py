"""Request wiring: one transaction per request, the caller, the rule catalog and the settings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from tightnut.auth.models import TokenKind
from tightnut.auth.rights import Actor
from tightnut.auth.service import authenticate_token
from tightnut.auth.throttle import (
    FailureStore,
    LoginGuard,
    LoginPolicy,
    RedisFailures,
    SqlFailures,
    address_key,
)
from tightnut.config import Settings
from tightnut.db import transaction
from tightnut.errors import Unauthorized
from tightnut.fleet.meters import MeterLimits, limits_of
from tightnut.rules import RuleCatalog

SESSION_COOKIE = "tightnut_session"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _session(request: Request) -> Iterator[Session]:
    """A session whose transaction commits before the response is sent, or rolls back.

    A read (GET, HEAD, OPTIONS) begins deferred, so SQLite serves boards side by side; any
    other method takes SQLite's write lock up front and waits its turn instead of failing.
    """
    factory: sessionmaker[Session] = request.app.state.session_factory
    with transaction(factory, read_only=request.method in READ_METHODS) as session:
        yield session


DbSession = Annotated[Session, Depends(_session, scope="function")]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _catalog(request: Request) -> RuleCatalog:
    catalog: RuleCatalog = request.app.state.catalog
    return catalog


AppSettings = Annotated[Settings, Depends(_settings)]
Catalog = Annotated[RuleCatalog, Depends(_catalog)]


def _lead(settings: AppSettings) -> timedelta:
    return timedelta(minutes=settings.inspection_lead_minutes)


InspectionLead = Annotated[timedelta, Depends(_lead)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def _api_actor(request: Request, session: DbSession) -> Actor:
    token = _bearer(request)
    if token is None:
        raise Unauthorized("send 'Authorization: Bearer <token>'")
    return authenticate_token(session, token, kind=TokenKind.API)


def _page_actor(request: Request, session: DbSession) -> Actor:
    # Pages take only the session cookie: an API token is no browser session, and back.
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthorized("sign in first")
    actor = authenticate_token(session, token, kind=TokenKind.SESSION)
    request.state.actor = actor  # the layout and the error pages show who is signed in
    return actor


def _maybe_page_actor(request: Request, session: DbSession) -> Actor | None:
    try:
        return _page_actor(request, session)
    except Unauthorized:
        return None


ApiActor = Annotated[Actor, Depends(_api_actor)]
PageActor = Annotated[Actor, Depends(_page_actor)]
MaybePageActor = Annotated[Actor | None, Depends(_maybe_page_actor)]


def _login_guard(request: Request, session: DbSession, settings: AppSettings) -> LoginGuard:
    redis_client = request.app.state.redis
    store: FailureStore = (
        RedisFailures(redis_client, prefix=settings.redis_prefix + "login:")
        if redis_client is not None
        else SqlFailures(session)
    )
    host = request.client.host if request.client else None
    return LoginGuard(store=store, policy=LoginPolicy.of(settings), address=address_key(host))


SignInGuard = Annotated[LoginGuard, Depends(_login_guard)]


def _limits(settings: AppSettings) -> MeterLimits:
    return limits_of(settings)


Limits = Annotated[MeterLimits, Depends(_limits)]
