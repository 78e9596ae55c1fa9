"""The OpenAPI document tells the truth about errors: every refusal has the house body.

FastAPI documents only a 422 in its own ``{"detail": [...]}`` shape, which the API never
sends. Every ``/api`` operation here documents its 422 and a ``default`` answer (401, 403,
404, 409, 413, 429, 500, 503…) as ``ErrorBody``: ``{"error": {"code", "message", ...}}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import FastAPI
from pydantic import BaseModel

ERROR_REF = "#/components/schemas/ErrorBody"
BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API token: POST /api/v1/auth/token, or create one on your account page.",
}
PUBLIC = {"/auth/token"}


class ErrorDetail(BaseModel):
    """What went wrong: a stable code, a sentence, and where (``field``) when input is at fault."""

    code: str
    message: str
    field: str | None = None
    detail: dict[str, object] | None = None


class ErrorBody(BaseModel):
    """Every error the API answers."""

    error: ErrorDetail


def document_errors(app: FastAPI, *, prefix: str) -> None:
    """Make ``app``'s OpenAPI describe the error body of every operation under ``prefix``."""
    build: Callable[[], dict[str, object]] = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema is None:
            _add_error_bodies(build(), prefix)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


def _add_error_bodies(document: dict[str, object], prefix: str) -> None:
    components = document.setdefault("components", {})
    assert isinstance(components, dict)
    schemas = components.setdefault("schemas", {})
    schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas["ErrorBody"] = schema
    components.setdefault("securitySchemes", {})["bearer"] = BEARER
    paths = document.get("paths", {})
    assert isinstance(paths, dict)
    for path, operations in paths.items():
        if not path.startswith(prefix):
            continue
        for operation in operations.values():
            # Swagger UI's "Authorize" sends the token on every operation that declares it.
            operation["security"] = [] if path[len(prefix) :] in PUBLIC else [{"bearer": []}]
            responses = operation.setdefault("responses", {})
            content = {"application/json": {"schema": {"$ref": ERROR_REF}}}
            if "422" in responses:
                responses["422"]["content"] = content
            responses["default"] = {"description": "refused, with the reason", "content": content}
    _drop_unused(schemas, document, ("HTTPValidationError", "ValidationError"))


def _drop_unused(
    schemas: dict[str, object], document: dict[str, object], names: tuple[str, ...]
) -> None:
    used = json.dumps(document.get("paths", {}))
    for name in names:
        if f"#/components/schemas/{name}" not in used:
            schemas.pop(name, None)
