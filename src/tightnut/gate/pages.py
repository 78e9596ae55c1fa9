"""The depot board page: who may go out this shift, and why not."""

from __future__ import annotations

from collections import Counter

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tightnut.deps import Catalog, DbSession, InspectionLead, PageActor
from tightnut.errors import NotFound
from tightnut.fields import PathId
from tightnut.fleet.service import list_depots
from tightnut.gate import service
from tightnut.gate.routes import STATES
from tightnut.web.i18n import N_
from tightnut.web.render import page_router, render

router = page_router()

STATE_NAMES = {
    "released": N_("released"),
    "ready": N_("ready"),
    "blocked": N_("blocked"),
    "not_inspected": N_("not inspected"),
}


@router.get("/board")
def first_board(session: DbSession, actor: PageActor) -> Response:
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
        "state_names": STATE_NAMES,
    }
    return render(request, "gate/board.html", context)
