"""Rendering pages: one Jinja2 environment per language, one context every page shares.

Templates live beside their domain, ``<domain>/templates/x.html``, and are named
``"<domain>/x.html"``; the shared layout (``base.html``, ``error.html``, ``macros.html``) lives
in ``tightnut/templates``. Every page gets ``actor`` (or None), ``nav``, ``locale``,
``csrf_token``, ``notice`` and the locale's formatters as ``fmt``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from urllib.parse import quote, unquote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape

from tightnut.auth.rights import Actor
from tightnut.web import i18n
from tightnut.web.csrf import CSRF_COOKIE, CsrfChecked, token_of
from tightnut.web.nav import ROLE_NAMES, menu

ROOT = Path(__file__).resolve().parent.parent
NOTICE_COOKIE = "tightnut_notice"


def page_router() -> APIRouter:
    """The router every pages module uses: hidden from the API schema, CSRF-checked."""
    return APIRouter(include_in_schema=False, dependencies=[CsrfChecked])


def _loader() -> ChoiceLoader:
    domains = {
        folder.parent.name: FileSystemLoader(str(folder))
        for folder in sorted(ROOT.glob("*/templates"))
    }
    return ChoiceLoader([FileSystemLoader(str(ROOT / "templates")), PrefixLoader(domains)])


@cache
def templates_for(locale: str) -> Jinja2Templates:
    """The templates of one language, compiled once."""
    env = Environment(
        loader=_loader(),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals["fmt"] = i18n.Formats(locale)
    env.globals["locale"] = locale
    env.globals["locales"] = i18n.NAMES
    env.globals["role_names"] = ROLE_NAMES
    env.globals["localized"] = lambda obj, name: localized(obj, name, locale)
    return Jinja2Templates(env=env)


def localized(obj: object, name: str, locale: str) -> str:
    """``obj.<name>_<locale>``, falling back to English when that text is empty."""
    text = getattr(obj, f"{name}_{locale}", None) or getattr(obj, f"{name}_en", "")
    return str(text)


def actor_of(request: Request) -> Actor | None:
    """The signed-in caller if a page dependency has resolved one."""
    actor: Actor | None = getattr(request.state, "actor", None)
    return actor


def locale_of(request: Request) -> str:
    """The user's chosen language, then the switch's cookie, then the browser's."""
    actor = actor_of(request)
    return (
        i18n.supported(actor.locale if actor else None)
        or i18n.supported(request.cookies.get(i18n.LANGUAGE_COOKIE))
        or i18n.negotiate(request.headers.get("accept-language"))
    )


def translate(request: Request, message: str, **params: object) -> str:
    """A Python-side message (marked with ``N_``) in the request's language."""
    return i18n.gettext(locale_of(request), message, **params)


def render(
    request: Request,
    name: str,
    context: Mapping[str, object] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A page in the request's language, with the shared context and the CSRF cookie."""
    actor = actor_of(request)
    raw_notice = request.cookies.get(NOTICE_COOKIE)
    notice = unquote(raw_notice) if raw_notice else None
    shared: dict[str, object] = {
        "actor": actor,
        "nav": menu(actor, request.url.path),
        "csrf_token": token_of(request),
        "notice": notice,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    response = templates_for(locale_of(request)).TemplateResponse(
        request, name, {**shared, **(context or {})}, status_code=status_code, headers=headers
    )
    _set_csrf_cookie(request, response)
    if raw_notice:
        response.delete_cookie(NOTICE_COOKIE)
    return response


def redirect(request: Request, url: str, *, notice: str | None = None) -> Response:
    """The answer to a successful form POST: see the result at ``url`` (303)."""
    response = RedirectResponse(url, status_code=303)
    if notice:
        response.set_cookie(NOTICE_COOKIE, quote(notice), max_age=60, httponly=True, samesite="lax")
    return response


def _set_csrf_cookie(request: Request, response: Response) -> None:
    if request.cookies.get(CSRF_COOKIE):
        return
    secure: bool = request.app.state.settings.secure_cookies or request.url.scheme == "https"
    response.set_cookie(
        CSRF_COOKIE, token_of(request), httponly=True, samesite="lax", secure=secure
    )
