"""The defects pages: the list to work through and one defect with its story and next steps.

Reporting a defect (``/defects/new``) is in ``reportpage.py``; its routes come first, so
``new`` is never read as a defect id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tightnut.auth.models import Role
from tightnut.auth.rights import Actor, Right
from tightnut.defects import service
from tightnut.defects.models import UNRESOLVED, Defect, DefectEvent, DefectStatus
from tightnut.defects.reportpage import report_router
from tightnut.defects.schemas import RepairSignOff, StartRepair
from tightnut.deps import Catalog, DbSession, PageActor
from tightnut.errors import Conflict, Invalid, TightnutError
from tightnut.fields import MAX_ID, PathId
from tightnut.fleet.models import Depot, Vehicle
from tightnut.fleet.service import list_depots
from tightnut.inspections.pages import GROUP_NAMES, SEVERITY_NAMES
from tightnut.paging import CURSOR_FIELD, MAX_CURSOR_CHARS, PageRequest, decode_cursor
from tightnut.photos import service as photos
from tightnut.photos.uploads import read_uploads
from tightnut.rules import RuleCatalog, RuleItem
from tightnut.rules.schema import GROUPS
from tightnut.web import forms
from tightnut.web.i18n import N_
from tightnut.web.render import page_router, redirect, render, translate
from tightnut.workorders import service as workorders

router = page_router()
router.include_router(report_router)

PAGE_SIZE = 25
SHOWN = {
    "to_repair": (DefectStatus.OPEN, DefectStatus.IN_REPAIR),
    "unresolved": UNRESOLVED,
    **{status.value: (status,) for status in DefectStatus},
    "all": (),
}
SHOWN_NAMES = {
    "to_repair": N_("to repair"),
    "unresolved": N_("not closed"),
    "open": N_("open"),
    "in_repair": N_("in repair"),
    "repaired": N_("repaired, awaiting re-inspection"),
    "closed": N_("closed"),
    "all": N_("all"),
}
STATUS_NAMES = {s: SHOWN_NAMES[s] for s in ("open", "in_repair", "closed")} | {
    "repaired": N_("repaired")
}
VERIFICATION_NAMES = {
    "verified": N_("verified against the source"),
    "secondary": N_("from a secondary source"),
    "unverified": N_("not yet verified"),
}
GATE_NAMES = {"block": N_("blocks release"), "warn": N_("warning only"), "none": N_("no effect")}
MOVED = {
    "start": N_("Repair started."),
    "repaired": N_("Repair signed. The vehicle still needs a passing re-inspection."),
    "review": N_("Review recorded."),
    "confirm": N_("Defect closed."),
    "photos": N_("Photos added."),
}
MOVED_ON = N_("The defect has moved on since this page was shown: that step no longer applies.")
Text = Annotated[str | None, Query(max_length=100)]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)]


class Review(BaseModel):
    """A service engineer's judgement of a fault reported outside the checklist."""

    unsafe: Literal["yes", "no"]
    note: str = Field(min_length=3, max_length=2000)


class Confirmation(BaseModel):
    """An inspector's word that a fault outside the checklist is fixed."""

    note: str = Field(min_length=3, max_length=2000)


@dataclass(frozen=True)
class Row:
    """One defect as the list shows it."""

    defect: Defect
    vehicle: Vehicle
    depot: Depot
    item: RuleItem | None
    photos: int


@router.get("/defects", response_class=HTMLResponse)
def defect_list(
    request: Request,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    status: Text = None,
    system: Text = None,
    depot: Text = None,
    plate: Text = None,
    gate: Text = None,
    cursor: Cursor = None,
) -> Response:
    """The operator's defects, newest first, filtered; a service engineer starts at "to repair"."""
    default = "to_repair" if actor.role == Role.SERVICE_ENGINEER else "unresolved"
    chosen = {
        "status": _choice(status, SHOWN, "status") or default,
        "system": _choice(system, GROUPS, "system"),
        "depot": _depot_choice(depot),
        "plate": (plate or "").strip(),
        "gate": _choice(gate, GATE_NAMES, "gate"),
    }
    filters = service.DefectFilter(
        statuses=SHOWN[chosen["status"]],
        system=chosen["system"] or None,
        depot_id=int(chosen["depot"]) if chosen["depot"] else None,
        plate=chosen["plate"] or None,
        gate=chosen["gate"] or None,
    )
    found = service.list_defects(session, actor, page=_page(cursor), filters=filters)
    context = {
        "rows": _rows(session, catalog, found.rows),
        "page": found,
        "values": chosen,
        "filtered_url": "/defects?" + urlencode(chosen),
        "depots": list_depots(session, actor),
        "systems": [(g, GROUP_NAMES.get(g, g)) for g in GROUPS],
        **_names(),
    }
    return render(request, "defects/list.html", context)


@router.get("/defects/{defect_id}", response_class=HTMLResponse)
def defect_page(
    request: Request, defect_id: PathId, session: DbSession, actor: PageActor, catalog: Catalog
) -> Response:
    """One defect: the vehicle, the rule, the evidence and photos, its history, what to do next."""
    defect = service.get_defect(session, actor, defect_id)
    return render(request, "defects/detail.html", _detail(session, actor, catalog, defect))


@router.post("/defects/{defect_id}/start-repair", response_class=HTMLResponse)
def start_repair(
    request: Request,
    defect_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    typed: forms.Typed,
) -> Response:
    """open → in repair, with a note."""
    defect = service.get_defect(session, actor, defect_id)
    try:
        data = forms.parse(request, StartRepair, typed)
        service.start_repair(session, actor, defect, note=data.note)
    except (forms.FormInvalid, TightnutError) as exc:
        return _refuse(request, session, actor, catalog, defect, "start", typed, exc)
    return _done(request, defect, "start")


@router.post("/defects/{defect_id}/repaired", response_class=HTMLResponse)
def mark_repaired(
    request: Request,
    defect_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    typed: forms.Typed,
) -> Response:
    """Sign the repair with what was done; a re-inspection (or confirmation) closes it."""
    defect = service.get_defect(session, actor, defect_id)
    try:
        data = forms.parse(request, RepairSignOff, {"work_done": typed.get("work_done", "")})
        service.mark_repaired(session, actor, defect, work_done=data.work_done, client_time=None)
    except (forms.FormInvalid, TightnutError) as exc:
        return _refuse(request, session, actor, catalog, defect, "repaired", typed, exc)
    return _done(request, defect, "repaired")


@router.post("/defects/{defect_id}/work-order")
def create_work_order(
    request: Request, defect_id: PathId, session: DbSession, actor: PageActor, catalog: Catalog
) -> Response:
    """Plan the repair as a work order and go to it."""
    defect = service.get_defect(session, actor, defect_id)
    try:
        order = workorders.create_from_defect(session, actor, defect_id=defect.id)
    except TightnutError as exc:
        return _refuse(request, session, actor, catalog, defect, "work_order", {}, exc)
    return redirect(request, f"/work-orders/{order.id}")


@router.post("/defects/{defect_id}/review", response_class=HTMLResponse)
def review(
    request: Request,
    defect_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    typed: forms.Typed,
) -> Response:
    """A service engineer says whether a fault outside the checklist keeps the vehicle in."""
    defect = service.get_defect(session, actor, defect_id)
    try:
        data = forms.parse(request, Review, typed)
        service.review_reported(
            session, actor, defect, unsafe=data.unsafe == "yes", note=data.note.strip()
        )
    except (forms.FormInvalid, TightnutError) as exc:
        return _refuse(request, session, actor, catalog, defect, "review", typed, exc)
    return _done(request, defect, "review")


@router.post("/defects/{defect_id}/confirm", response_class=HTMLResponse)
def confirm_fixed(
    request: Request,
    defect_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    typed: forms.Typed,
) -> Response:
    """An inspector closes a repaired fault outside the checklist, having seen it fixed."""
    defect = service.get_defect(session, actor, defect_id)
    try:
        data = forms.parse(request, Confirmation, typed)
        service.confirm_fixed(session, actor, defect, note=data.note.strip())
    except (forms.FormInvalid, TightnutError) as exc:
        return _refuse(request, session, actor, catalog, defect, "confirm", typed, exc)
    return _done(request, defect, "confirm")


@router.post("/defects/{defect_id}/photos", response_class=HTMLResponse)
def add_photos(
    request: Request,
    defect_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    form: forms.Posted,
) -> Response:
    """Add photos to a defect (say, of the damage before repair)."""
    defect = service.get_defect(session, actor, defect_id)
    try:
        uploads = read_uploads(form)
        if not uploads:
            raise Invalid(N_("Choose at least one photo."), field="photos")
        photos.attach_to_defect(session, actor, defect_id=defect.id, uploads=uploads)
    except TightnutError as exc:
        return _refuse(request, session, actor, catalog, defect, "photos", {}, exc)
    return _done(request, defect, "photos")


def _detail(
    session: Session, actor: Actor, catalog: RuleCatalog, defect: Defect
) -> dict[str, object]:
    vehicle, depot = service.vehicles_of(session, [defect])[defect.id]
    events = service.history(session, defect)
    planned = workorders.planned_defects(session, defect_ids=[defect.id])
    return {
        "defect": defect,
        "vehicle": vehicle,
        "depot": depot,
        "item": catalog.find_item(defect.jurisdiction, defect.item_id),
        "other": service.is_other(defect),
        "events": [(event, _event_kind(event)) for event in events],
        "signers": service.signers(session, events),
        "photos": photos.for_defect(session, actor, defect),
        "work_order_id": planned.get(defect.id),
        "can": {
            "repair": actor.can(Right.REPAIR),
            "plan": actor.can(Right.PLAN_WORK),
            "inspect": actor.can(Right.INSPECT),
            "report": actor.role in service.REPORTERS,
        },
        "unresolved": defect.status in UNRESOLVED,
        "values": {},
        "failed": None,
        **_names(),
    }


def _event_kind(event: DefectEvent) -> str:
    """What one history entry was, as a catalogue message."""
    detail = event.detail or {}
    if detail.get("reviewed"):
        return N_("Reviewed")
    if detail.get("again"):
        return N_("Reported again")
    if event.from_status is None:
        return N_("Reported") if detail.get("reported") else N_("Opened by inspection")
    if event.from_status == event.to_status:
        return N_("Escalated by inspection")
    return {
        DefectStatus.IN_REPAIR: N_("Repair started"),
        DefectStatus.REPAIRED: N_("Marked repaired"),
        DefectStatus.OPEN: N_("Reopened: re-inspection failed"),
    }.get(
        DefectStatus(event.to_status),
        N_("Closed by inspection") if event.inspection_id else N_("Confirmed fixed"),
    )


def _refuse(
    request: Request,
    session: Session,
    actor: Actor,
    catalog: RuleCatalog,
    defect: Defect,
    failed: str,
    typed: Mapping[str, object],
    exc: forms.FormInvalid | TightnutError,
) -> Response:
    """The defect page again, the refusal beside the action that failed; nothing written."""
    if isinstance(exc, TightnutError) and exc.status_code in (403, 404):
        raise exc
    session.rollback()
    if isinstance(exc, Conflict) and exc.field == "status":
        exc = Conflict(MOVED_ON, field="status")
    context = {**_detail(session, actor, catalog, defect), "failed": failed, "values": typed}
    return forms.refuse(request, session, "defects/detail.html", context, exc)


def _done(request: Request, defect: Defect, action: str) -> Response:
    return redirect(request, f"/defects/{defect.id}", notice=translate(request, MOVED[action]))


def _rows(session: Session, catalog: RuleCatalog, defects: Sequence[Defect]) -> list[Row]:
    places = service.vehicles_of(session, defects)
    counts = photos.counts_by_defect(session, [d.id for d in defects])
    return [
        Row(
            defect=d,
            vehicle=places[d.id][0],
            depot=places[d.id][1],
            item=catalog.find_item(d.jurisdiction, d.item_id),
            photos=counts.get(d.id, 0),
        )
        for d in defects
    ]


def _names() -> dict[str, object]:
    return {
        "shown_names": SHOWN_NAMES,
        "status_names": STATUS_NAMES,
        "gate_names": GATE_NAMES,
        "severity_names": SEVERITY_NAMES,
        "group_names": GROUP_NAMES,
        "verification_names": VERIFICATION_NAMES,
    }


def _choice(value: str | None, allowed: Mapping[str, object] | tuple[str, ...], field: str) -> str:
    """A filter's value if it is one of ``allowed``; empty when not given; else a 422."""
    if not value:
        return ""
    if value not in allowed:
        raise Invalid(f"not one of the choices: {value[:40]}", field=f"query.{field}")
    return value


def _depot_choice(value: str | None) -> str:
    if not value:
        return ""
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise Invalid("not a depot id", field="query.depot")
    return value


def _page(cursor: str | None) -> PageRequest:
    try:
        return PageRequest(limit=PAGE_SIZE, after=decode_cursor(cursor))
    except ValueError as exc:
        raise Invalid(str(exc), field=CURSOR_FIELD) from None
