"""Sign-in throttling: failed attempts counted per account and per client address.

Every sign-in names two keys, ``account:<e-mail>`` and ``address:<client address>``. A key
that failed ``limit`` times within the window refuses the next attempt, right password or
not, with 429 until the oldest of those failures leaves the window (a sliding window: waiting
frees one attempt at a time). Only attempts that reached the password check count; a right
password clears its account's failures, never its address's, and unknown e-mails count like
known ones so the limit tells nothing about who exists.

The counts live where every worker process sees them: the ``login_failures`` table, written in
the request's transaction, or Redis sorted sets when ``TIGHTNUT_REDIS_URL`` is set.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tightnut.auth.models import LoginFailure, User
from tightnut.auth.service import authenticate_password
from tightnut.config import Settings
from tightnut.db import utcnow
from tightnut.errors import TooManyRequests, Unauthorized, Unavailable

if TYPE_CHECKING:
    from redis import Redis


class FailureStore(Protocol):
    """Where failed sign-ins are counted."""

    def blocking_failure(self, key: str, *, limit: int, since: datetime) -> datetime | None:
        """The failure that must leave the window before ``key`` may try again, if any."""
        ...

    def add(self, key: str, *, at: datetime, window: timedelta) -> None:
        """Count one failure of ``key`` at ``at``."""
        ...

    def clear(self, key: str) -> None:
        """Forget every failure of ``key``."""
        ...


class SqlFailures:
    """Failures as rows of ``login_failures``, in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def blocking_failure(self, key: str, *, limit: int, since: datetime) -> datetime | None:
        """The ``limit``-th newest failure of ``key`` inside the window, if there are that many."""
        return self.session.scalar(
            select(LoginFailure.failed_at)
            .where(LoginFailure.key == key, LoginFailure.failed_at > since)
            .order_by(LoginFailure.failed_at.desc())
            .offset(limit - 1)
            .limit(1)
        )

    def add(self, key: str, *, at: datetime, window: timedelta) -> None:
        """Record one failure and drop every failure that has left the window."""
        self.session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= at - window))
        self.session.add(LoginFailure(key=key, failed_at=at))
        self.session.flush()

    def clear(self, key: str) -> None:
        """Delete the failures of ``key``."""
        self.session.execute(delete(LoginFailure).where(LoginFailure.key == key))


class RedisFailures:
    """Failures as members of one sorted set per key, scored by their time.

    Redis being unreachable is a 503: sign-in stops rather than run without a limit.
    """

    def __init__(self, client: Redis, *, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def blocking_failure(self, key: str, *, limit: int, since: datetime) -> datetime | None:
        """The ``limit``-th newest failure of ``key`` inside the window, if there are that many."""
        with _reachable(), self.client.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(self.prefix + key, "-inf", since.timestamp())
            pipe.zrevrange(self.prefix + key, limit - 1, limit - 1, withscores=True)
            _, found = pipe.execute()
        return datetime.fromtimestamp(found[0][1], UTC) if found else None

    def add(self, key: str, *, at: datetime, window: timedelta) -> None:
        """Record one failure; the set expires once its newest failure leaves the window."""
        member = f"{at.timestamp()}:{secrets.token_hex(4)}"
        with _reachable(), self.client.pipeline(transaction=True) as pipe:
            pipe.zadd(self.prefix + key, {member: at.timestamp()})
            pipe.expire(self.prefix + key, math.ceil(window.total_seconds()))
            pipe.execute()

    def clear(self, key: str) -> None:
        """Delete the failures of ``key``."""
        with _reachable():
            self.client.delete(self.prefix + key)


@contextmanager
def _reachable() -> Iterator[None]:
    from redis import RedisError  # imported only where Redis is configured: it is slow to load

    try:
        yield
    except RedisError:
        raise Unavailable("sign-in is unavailable: the attempt counter is unreachable") from None


@dataclass(frozen=True)
class LoginPolicy:
    """How many failures an account and an address may have inside the window."""

    failures_per_account: int
    failures_per_address: int
    window: timedelta

    @classmethod
    def of(cls, settings: Settings) -> LoginPolicy:
        """The policy the settings configure."""
        return cls(
            failures_per_account=settings.login_failures_per_account,
            failures_per_address=settings.login_failures_per_address,
            window=timedelta(minutes=settings.login_window_minutes),
        )


@dataclass(frozen=True)
class LoginGuard:
    """Checks and counts the sign-in attempts of one request."""

    store: FailureStore
    policy: LoginPolicy
    address: str

    def sign_in(self, session: Session, *, email: str, password: str) -> User:
        """The user with these credentials; 429 when throttled, 401 (counted) when wrong."""
        account = "account:" + email.strip().lower()
        now = utcnow()
        self._check(account, self.policy.failures_per_account, "for this account", now)
        self._check(self.address, self.policy.failures_per_address, "from your address", now)
        try:
            user = authenticate_password(session, email=email, password=password)
        except Unauthorized:
            for key in (account, self.address):
                self.store.add(key, at=now, window=self.policy.window)
            raise
        self.store.clear(account)
        return user

    def _check(self, key: str, limit: int, where: str, now: datetime) -> None:
        oldest = self.store.blocking_failure(key, limit=limit, since=now - self.policy.window)
        if oldest is None:
            return
        seconds = max(1, math.ceil((oldest + self.policy.window - now).total_seconds()))
        raise TooManyRequests(
            f"too many failed sign-ins {where}; try again in {math.ceil(seconds / 60)} min",
            retry_after_seconds=seconds,
        )


def address_key(host: str | None) -> str:
    """The throttling key of a client address (one key for clients without one)."""
    return "address:" + (host or "unknown")


def connect_redis(url: str) -> Redis:
    """A client for ``url`` that gives up after two seconds rather than hang a sign-in."""
    from redis import Redis

    return Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
