"""ASGI layers every request passes: body limit, security headers, and a last word on errors.

Order, outermost first: ``SecurityHeaders`` (so every answer carries them, errors too),
``InternalErrors`` (an exception becomes a plain 500 page or JSON body, never a stack trace,
and never reaches the server, which would reset the keep-alive connection), ``BodyLimit``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tightnut.errors import Internal, TightnutError, TooLarge

log = logging.getLogger(__name__)

Render = Callable[[Request, TightnutError], Response]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"


class SecurityHeaders:
    """Add the security headers to every response that does not set its own."""

    def __init__(self, app: ASGIApp, *, headers: Mapping[str, str] = SECURITY_HEADERS) -> None:
        self.app = app
        self.headers = dict(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        defaults = dict(self.headers)
        if scope.get("scheme") == "https":
            defaults["Strict-Transport-Security"] = HSTS
        if not scope["path"].startswith("/static/"):
            # Answers hold one operator's records or a secret: no cache keeps them.
            defaults["Cache-Control"] = "no-store"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in defaults.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class InternalErrors:
    """Answer an unhandled exception with a generic 500 and log it; the connection lives on."""

    def __init__(self, app: ASGIApp, *, render: Render) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception:
            reference = secrets.token_hex(6)
            log.exception("unhandled error %s on %s %s", reference, scope["method"], scope["path"])
            if started:
                return  # the answer is half sent; the server closes this connection
            error = Internal(
                f"internal error; it has been logged as {reference}",
                detail={"reference": reference},
            )
            await self.render(Request(scope, receive), error)(scope, receive, send)


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413 before the app reads any of it.

    A declared length over the limit is refused at once; a streamed (chunked) body is read
    into memory up to the limit first. A refused body is drained up to ``drain_factor`` times
    the limit, so the client finishes sending, reads the 413 and keeps its connection.
    A page's multipart form (photos from the phone) has its own, larger ``upload_bytes``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        upload_bytes: int,
        render: Render,
        drain_factor: int = 8,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes
        self.render = render
        self.drain_factor = drain_factor

    def _limit(self, scope: Scope) -> int:
        content_type = Headers(scope=scope).get("content-type", "")
        is_page = not scope["path"].startswith("/api/")
        if is_page and content_type.startswith("multipart/form-data"):
            return self.upload_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = _declared_length(scope)
        if declared is not None and declared <= limit:
            await self.app(scope, receive, send)  # the server holds the body to its length
            return
        if declared is None:
            body = await self._read_within_limit(receive, limit)
            if body is not None:
                await self.app(scope, _replay(body, receive), send)
                return
        elif declared <= limit * self.drain_factor:
            await _drain(receive, limit * self.drain_factor)
        await self._refuse(scope, receive, send, limit)

    async def _read_within_limit(self, receive: Receive, limit: int) -> list[Message] | None:
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            seen += len(message.get("body", b""))
            if seen > limit:
                await _drain(receive, limit * self.drain_factor - seen, last=message)
                return None
            if message["type"] != "http.request" or not message.get("more_body", False):
                return messages

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        error = TooLarge(f"request body is over {limit} bytes", field="body")
        await self.render(Request(scope, receive), error)(scope, receive, send)


def _declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    return int(value) if value is not None and value.isdigit() else None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replayed() -> Message:
        return messages.pop(0) if messages else await receive()

    return replayed


async def _drain(receive: Receive, budget_bytes: int, *, last: Message | None = None) -> None:
    message = last
    while budget_bytes > 0 and (message is None or message.get("more_body", False)):
        message = await receive()
        if message["type"] != "http.request":
            return
        budget_bytes -= len(message.get("body", b""))
