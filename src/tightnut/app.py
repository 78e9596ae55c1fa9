"""The web application: API under /api/v1, pages at /, errors mapped in one place."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException

from tightnut.auth import routes as auth_routes
from tightnut.auth import service as auth_service
from tightnut.auth.throttle import connect_redis
from tightnut.config import Settings, get_settings
from tightnut.db import make_engine, make_session_factory
from tightnut.defects import routes as defect_routes
from tightnut.errors import Invalid, TightnutError
from tightnut.fleet import routes as fleet_routes
from tightnut.gate import routes as gate_routes
from tightnut.health import router as health_router
from tightnut.inspections import routes as inspection_routes
from tightnut.maintenance import routes as maintenance_routes
from tightnut.middleware import CONTENT_SECURITY_POLICY, BodyLimit, InternalErrors, SecurityHeaders
from tightnut.openapi import document_errors
from tightnut.pages import PAGE_MODULES
from tightnut.people import routes as people_routes
from tightnut.rules import RuleCatalog, load_catalog
from tightnut.web.errors import error_page
from tightnut.web.render import render
from tightnut.workorders import routes as workorder_routes

API_PREFIX = "/api/v1"
STATIC_DIR = Path(__file__).parent / "static"
# Swagger UI sets inline styles; its own start-up script is a file, so scripts stay 'self'.
DOCS_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)
HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}


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
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory or make_session_factory(
        make_engine(settings.database_url)
    )
    app.state.catalog = catalog or load_catalog(settings.rule_packs_dir)
    app.state.redis = connect_redis(settings.redis_url) if settings.redis_url else None
    auth_service.warm_up()
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
    app.include_router(health_router)
    for module in PAGE_MODULES:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/docs", _docs, include_in_schema=False)
    document_errors(app, prefix=API_PREFIX)
    app.add_exception_handler(TightnutError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    # Added last is outermost: headers on every answer, then errors, then the body limit.
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        upload_bytes=settings.max_upload_bytes,
        render=_domain_error,
    )
    app.add_middleware(InternalErrors, render=_domain_error)
    app.add_middleware(SecurityHeaders)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Once started, the app's long-lived objects (code, rule packs, templates) are left out of
    the garbage collector's full sweeps: a page that builds many rows would otherwise trigger
    one that walks them all, some 140 ms on the board of a 2,000-vehicle depot. (No collection
    first: freezing is instant, a collection is not, and start-up leaves little garbage.)"""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _docs(request: Request) -> Response:
    """Swagger UI served from the package: no CDN, no inline script."""
    return render(request, "docs.html", headers={"Content-Security-Policy": DOCS_POLICY})


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _domain_error(request: Request, exc: TightnutError) -> Response:
    if _is_api(request):
        body = {"error": exc.as_dict()}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
    return error_page(request, exc)


def _http_error(request: Request, exc: HTTPException) -> Response:
    """Starlette's own refusals (no such route, wrong method) in the house format."""
    error = TightnutError(str(exc.detail))
    error.status_code = exc.status_code
    error.code = HTTP_CODES.get(exc.status_code, "error")
    response = _domain_error(request, error)
    response.headers.update(exc.headers or {})
    return response


def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = [
        {"field": _field_path(err["loc"]), "message": err["msg"], "type": err["type"]}
        for err in exc.errors()
    ]
    first = errors[0] if errors else {"field": "body", "message": "invalid request"}
    if not _is_api(request):
        return error_page(request, Invalid(str(first["message"]), field=str(first["field"])))
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
