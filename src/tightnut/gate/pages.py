"""The depot board and the release button: who may go out this shift, and why not.

The board's rows refresh themselves: the page polls ``/depots/{id}/board/rows`` every
``POLL_SECONDS`` and swaps only the list (with its state counts), so the scroll position and
any open reasons stay where the dispatcher left them. Filters are plain links and a GET
form, so they work without a script too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from functools import cache
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tightnut.auth.rights import Actor, Right
from tightnut.db import utcnow
from tightnut.deps import Catalog, DbSession, InspectionLead, PageActor
from tightnut.errors import Conflict, NotFound
from tightnut.fields import PathId, QueryText
from tightnut.fleet.service import get_depot, get_vehicle, list_depots
from tightnut.gate import service
from tightnut.gate.routes import STATES
from tightnut.web import forms, i18n
from tightnut.web.i18n import N_
from tightnut.web.pages import local_path
from tightnut.web.render import locale_of, page_router, redirect, render, translate

router = page_router()

POLL_SECONDS = 20
NEXT_MAX = 2000
SEARCH_FORM = "board-search"  # the id of the board's search form
STATE_NAMES = {
    "released": N_("released"),
    "ready": N_("ready"),
    "blocked": N_("blocked"),
    "not_inspected": N_("not inspected"),
}
VERIFICATION_NAMES = {
    "verified": N_("source verified"),
    "secondary": N_("source read second-hand"),
    "unverified": N_("source not verified"),
}
RELEASED = N_("Released: %(plate)s")
ALREADY_RELEASED = N_("%(plate)s was already released this shift.")
# Latin letters that look like the Cyrillic ones Russian plates use, so "A907KP" finds "А907КР".
LOOKALIKES = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")


@router.get("/board")
def first_board(
    session: DbSession, actor: PageActor, state: QueryText = None, q: QueryText = None
) -> Response:
    """Go to the board of the caller's first depot, keeping the filters asked for."""
    depots = list_depots(session, actor)
    if not depots:
        raise NotFound("your operator has no depots yet")
    target = _with_query(f"/depots/{depots[0].id}/board", state=state or "", q=q or "")
    return RedirectResponse(target, status_code=303)


@router.get("/depots/{depot_id}/board", response_class=HTMLResponse)
def board_page(
    request: Request,
    depot_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    lead: InspectionLead,
    state: QueryText = None,
    q: QueryText = None,
) -> Response:
    """The board of one depot, filtered by state and plate."""
    context = _board(request, session, actor, depot_id, catalog, lead, state, q)
    context["depots"] = list_depots(session, actor)
    return render(request, "gate/board.html", context)


@router.get("/depots/{depot_id}/board/rows", response_class=HTMLResponse)
def board_rows(
    request: Request,
    depot_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    lead: InspectionLead,
    state: QueryText = None,
    q: QueryText = None,
) -> Response:
    """The board's live part alone (counts and rows), for the page to swap in."""
    context = _board(request, session, actor, depot_id, catalog, lead, state, q)
    searched = request.headers.get("hx-trigger") == SEARCH_FORM
    headers = {"HX-Replace-Url": str(context["board_url"])} if searched else None
    return render(request, "gate/rows.html", context, headers=headers)


@router.post("/vehicles/{vehicle_id}/release")
def release_vehicle(
    request: Request,
    vehicle_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    lead: InspectionLead,
    typed: forms.Typed,
) -> Response:
    """Ask the gate to release; yes goes back with a notice, no shows every reason (409)."""
    try:
        decision, record = service.release(session, actor, vehicle_id, catalog=catalog, lead=lead)
    except Conflict:
        session.rollback()
        vehicle = get_vehicle(session, actor, vehicle_id)
        notice = translate(request, ALREADY_RELEASED, plate=vehicle.plate)
        return redirect(request, _back(typed, vehicle.depot_id), notice=notice)
    vehicle = get_vehicle(session, actor, vehicle_id)
    if record.released:
        notice = translate(request, RELEASED, plate=vehicle.plate)
        return redirect(request, _back(typed, vehicle.depot_id), notice=notice)
    context = {
        "vehicle": vehicle,
        "decision": decision,
        "record": record,
        "depot": get_depot(session, actor, vehicle.depot_id),
        "back": _back(typed, vehicle.depot_id),
        "verification_names": VERIFICATION_NAMES,
    }
    return render(request, "gate/refused.html", context, status_code=409)


def _board(
    request: Request,
    session: DbSession,
    actor: Actor,
    depot_id: int,
    catalog: Catalog,
    lead: InspectionLead,
    state: str | None,
    q: str | None,
) -> dict[str, object]:
    depot, shift, rows = service.board(session, actor, depot_id, catalog=catalog, lead=lead)
    chosen = state if state in STATES else ""
    typed = (q or "").strip()
    found = [row for row in rows if _plate_matches(row.vehicle.plate, typed)]
    counts = Counter(row.state for row in found)
    board_url = f"/depots/{depot.id}/board"
    return {
        "depot": depot,
        "shift": shift,
        "now": utcnow(),
        "rows": [row for row in found if chosen in ("", row.state)],
        "counts": {s: counts.get(s, 0) for s in STATES},
        "total": len(found),
        "state": chosen,
        "q": typed,
        "board_url": _with_query(board_url, state=chosen, q=typed),
        "rows_url": _with_query(f"{board_url}/rows", state=chosen, q=typed),
        "chip_urls": {
            **{s: _with_query(board_url, state=s, q=typed) for s in ("", *STATES)},
            "clear": _with_query(board_url, state=chosen, q=""),
        },
        "states": STATES,
        "state_names": STATE_NAMES,
        "verification_names": VERIFICATION_NAMES,
        "may_release": actor.can(Right.RELEASE),
        "poll_seconds": POLL_SECONDS,
        "clock": _clock(request, depot.timezone),
    }


def _clock(request: Request, zone: str) -> Callable[[datetime | None], str]:
    """The board's clock times in the depot's zone, each distinct minute formatted once."""
    formats = i18n.Formats(locale_of(request))

    @cache
    def minute(at: datetime) -> str:
        return formats.time(at, zone)

    def clock(at: datetime | None) -> str:
        if at is None:
            return formats.time(None, zone)
        return minute(at.replace(second=0, microsecond=0))

    return clock


def _with_query(path: str, **params: str) -> str:
    """``path`` with the non-empty ``params`` as its query string."""
    given = {name: value for name, value in params.items() if value}
    return f"{path}?{urlencode(given)}" if given else path


def _plate_matches(plate: str, q: str) -> bool:
    """Whether ``q`` is part of the plate, ignoring case, spaces and Latin/Cyrillic lookalikes."""
    wanted = _plate_key(q)
    return not wanted or wanted in _plate_key(plate)


def _plate_key(text: str) -> str:
    return "".join(text.upper().split()).translate(LOOKALIKES)


def _back(typed: forms.Values, depot_id: int) -> str:
    """The page the form came from, if it is one of ours; else the vehicle's board."""
    wanted = typed.get("next")
    if isinstance(wanted, str) and len(wanted) <= NEXT_MAX and local_path(wanted) == wanted:
        return wanted
    return f"/depots/{depot_id}/board"
