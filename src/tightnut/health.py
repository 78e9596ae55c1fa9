"""Probes for a deployment, outside /api/v1 and without credentials.

``GET /healthz`` says the process answers (no database touched: a slow database must not get
a healthy process restarted). ``GET /readyz`` says it can serve: the database answers and its
schema is at the migrations' head; otherwise 503 with the reason, so a load balancer sends
no traffic to a worker behind an unmigrated or unreachable database.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from tightnut.migrate import MIGRATIONS_DIR

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Whether this process can serve, and why not."""

    status: Literal["ok", "unavailable"]
    reason: str | None = None


_UNAVAILABLE: dict[int | str, dict[str, object]] = {
    503: {"model": Health, "description": "not ready, with the reason"}
}


@router.get("/healthz")
def healthz() -> Health:
    """The process is up and answering."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses=_UNAVAILABLE)
def readyz(request: Request) -> Health | JSONResponse:
    """The database answers and is migrated to head; 503 with a reason otherwise."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    reason = schema_problem(factory)
    if reason is None:
        return Health(status="ok")
    body = Health(status="unavailable", reason=reason).model_dump()
    return JSONResponse(body, status_code=503)


def schema_problem(factory: sessionmaker[Session]) -> str | None:
    """Why the database cannot serve (unreachable, unmigrated, behind), or None when it can."""
    try:
        with factory() as session:
            session.execute(text("SELECT 1"))
            if not inspect(session.connection()).has_table("alembic_version"):
                return "the database has no schema: run `tightnut db upgrade`"
            found = set(session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        return "the database is unreachable"
    expected = head_revisions()
    if found != expected:
        now, head = ", ".join(sorted(found)) or "none", ", ".join(sorted(expected))
        return f"the schema is at {now}, the code needs {head}: run `tightnut db upgrade`"
    return None


@cache
def head_revisions() -> frozenset[str]:
    """The revisions the code's migrations end at."""
    return frozenset(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())
