"""The web application: API under /api/v1, pages at /, errors mapped in one place."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

from tightnut.auth import pages as auth_pages
from tightnut.auth import routes as auth_routes
from tightnut.config import Settings, get_settings
from tightnut.db import make_engine, make_session_factory
from tightnut.defects import routes as defect_routes
from tightnut.errors import TightnutError, TooLarge
from tightnut.fleet import routes as fleet_routes
from tightnut.gate import pages as gate_pages
from tightnut.gate import routes as gate_routes
from tightnut.inspections import routes as inspection_routes
from tightnut.maintenance import routes as maintenance_routes
from tightnut.people import routes as people_routes
from tightnut.rules import RuleCatalog, load_catalog
from tightnut.templating import templates
from tightnut.wiring import wire
from tightnut.workorders import routes as workorder_routes

API_PREFIX = "/api/v1"
STATIC_DIR = Path(__file__).parent / "static"


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
    catalog: RuleCatalog | None = None,
) -> FastAPI:
    """Build the app; rule packs are loaded (and validated) here, at start-up."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Tightnut",
        version="0.1.0",
        description="No shift without an inspection: release gate, defects and fleet API.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory or make_session_factory(
        make_engine(settings.database_url)
    )
    app.state.catalog = catalog or load_catalog(settings.rule_packs_dir)
    wire()
    routers = (
        auth_routes,
        fleet_routes,
        inspection_routes,
        defect_routes,
        gate_routes,
        maintenance_routes,
        people_routes,
        workorder_routes,
    )
    for module in routers:
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(auth_pages.router)
    app.include_router(gate_pages.router)
    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_path), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/docs", _docs, include_in_schema=False)
    app.add_exception_handler(TightnutError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app


def _docs() -> HTMLResponse:
    """Swagger UI served from the package: no CDN."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Tightnut API",
        swagger_js_url="/static/swagger/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger/swagger-ui.css",
        swagger_favicon_url="/static/swagger/favicon-32x32.png",
    )


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _domain_error(request: Request, exc: TightnutError) -> Response:
    if _is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse({"error": exc.as_dict()}, status_code=exc.status_code, headers=headers)
    if exc.status_code == 401:
        return RedirectResponse("/login", status_code=303)
    return templates.TemplateResponse(
        request, "error.html", {"error": exc}, status_code=exc.status_code
    )


def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"field": _field_path(err["loc"]), "message": err["msg"], "type": err["type"]}
        for err in exc.errors()
    ]
    first = errors[0] if errors else {"field": "body", "message": "invalid request"}
    body = {
        "error": {
            "code": "invalid",
            "message": f"{first['field']}: {first['message']}",
            "field": first["field"],
            "detail": {"errors": errors},
        }
    }
    return JSONResponse(body, status_code=422)


def _field_path(loc: tuple[object, ...] | list[object]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _BodyTooLargeError
            return message

        try:
            await self.app(scope, counted, send)
        except _BodyTooLargeError:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = TooLarge(f"request body is over {self.max_bytes} bytes", field="body")
        response = JSONResponse({"error": error.as_dict()}, status_code=error.status_code)
        await response(scope, receive, send)


class _BodyTooLargeError(Exception):
    pass
