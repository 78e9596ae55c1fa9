"""The depot board page: who may go out this shift, and why not."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tightnut.deps import Catalog, DbSession, InspectionLead, PageActor
from tightnut.errors import NotFound
from tightnut.fields import PathId
from tightnut.fleet.service import list_depots
from tightnut.gate import service
from tightnut.gate.routes import STATES
from tightnut.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(session: DbSession, actor: PageActor) -> Response:
    """Go to the board of the caller's first depot."""
    depots = list_depots(session, actor)
    if not depots:
        raise NotFound("your operator has no depots yet")
    return RedirectResponse(f"/depots/{depots[0].id}/board", status_code=303)


@router.get("/depots/{depot_id}/board", response_class=HTMLResponse)
def board_page(
    request: Request,
    depot_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    lead: InspectionLead,
    state: str | None = None,
) -> Response:
    """The board of one depot, optionally filtered by state."""
    depot, shift, rows = service.board(session, actor, depot_id, catalog=catalog, lead=lead)
    counts = Counter(row.state for row in rows)
    shown = [row for row in rows if state in (None, "", row.state)]
    context = {
        "actor": actor,
        "depot": depot,
        "depots": list_depots(session, actor),
        "shift": shift,
        "rows": shown,
        "counts": {s: counts.get(s, 0) for s in STATES},
        "total": len(rows),
        "state": state or "",
        "states": STATES,
    }
    return templates.TemplateResponse(request, "board.html", context)
