"""Cross-site request forgery: a page's unsafe request must come from our own pages.

Two checks, both on every POST, PUT, PATCH and DELETE outside ``/api`` (the API takes bearer
tokens only, which a browser never sends by itself):

1. ``Origin`` (or, without it, ``Referer``) names this host. Browsers send it on every
   cross-site POST, so a forged form from another site fails here first.
2. A token sent in the form field ``csrf_token`` or the header ``X-CSRF-Token`` equals the
   ``tightnut_csrf`` cookie (the signed-double-submit pattern without the signature: the
   cookie is HttpOnly and SameSite=Lax, and only our pages can read it into a form).

Every page router is built by ``page_router()``, so a page cannot forget the check; a test
walks the app's routes to prove it.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import Depends, Request

from tightnut.errors import Forbidden

CSRF_COOKIE = "tightnut_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Forbidden):
    """The request did not come from one of our pages."""

    code = "csrf"


def token_of(request: Request) -> str:
    """This browser's CSRF token: the cookie's, or a new one that the response will set."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing:
        return existing
    fresh: str | None = getattr(request.state, "csrf_new", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(32)
        request.state.csrf_new = fresh
    return fresh


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose origin or token is not ours; nothing is read or written."""
    if request.method in SAFE_METHODS:
        return
    _check_origin(request)
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise CsrfRefused("the form's security token is missing or out of date", field=CSRF_FIELD)


def _check_origin(request: Request) -> None:
    host = request.headers.get("host", "")
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer is None:
            return  # neither sent (a privacy setting); the token still has to match
        origin = referer
    if urlsplit(origin).netloc != host:
        raise CsrfRefused("the request came from another site", field="Origin")


def _is_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


CsrfChecked = Depends(check_csrf)
