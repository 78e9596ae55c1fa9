"""The maintenance pages: the due list (filtered, paged, as CSV) and the programmes' intervals."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.deps import DbSession, PageActor
from tightnut.errors import Invalid, TightnutError
from tightnut.fields import MAX_ID, PathId
from tightnut.fleet.service import get_depot, list_depots
from tightnut.maintenance import programmes, service
from tightnut.maintenance.schemas import TaskUpdate
from tightnut.web import forms
from tightnut.web.i18n import N_
from tightnut.web.render import page_router, redirect, render, translate

router = page_router()

STATUS_NAMES = {
    "ok": N_("not due yet"),
    "due_soon": N_("due soon"),
    "due": N_("due now"),
    "overdue": N_("overdue"),
    "invalid_input": N_("cannot be judged"),
}
VIEW_NAMES = {
    "attention": N_("Needs attention"),
    "overdue": N_("Overdue"),
    "due": N_("Due"),
    "due_soon": N_("Due soon"),
    "invalid_input": N_("Cannot be judged"),
    "all": N_("All, including OK"),
}
DRIVER_NAMES = {"km": N_("mileage"), "hours": N_("engine hours"), "days": N_("calendar")}
KIND_NAMES = {"periodic": N_("periodic"), "seasonal": N_("seasonal"), "event": N_("on event")}
INTERVALS = ("interval_km", "interval_hours", "interval_days")
EDITABLE = (*INTERVALS, "tolerance_pct")
NO_INTERVAL = N_("Give at least one interval: km, engine hours or days.")
SAVED = N_("Intervals of %(task)s saved.")
MAX_OFFSET = 1_000_000

Text = Annotated[str, Query(max_length=50)]


def _filters(
    session: Session, actor: Actor, *, depot: str, status: str, safety: str, plate: str, task: str
) -> service.DueFilter:
    """The due list's filters from the query string; another operator's depot is a 404."""
    depot_id = _optional_id(depot, "depot")
    if depot_id is not None:
        get_depot(session, actor, depot_id)
    if status and status not in service.DUE_VIEWS:
        raise Invalid(f"unknown status {status!r}", field="status")
    return service.DueFilter(
        depot_id=depot_id,
        view=status or "attention",
        safety_critical=safety in ("1", "on", "true"),
        plate=plate.strip(),
        task=task.strip(),
    )


def _optional_id(text: str, field: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_ID:
        raise Invalid(f"not an id: {text!r}", field=field)
    return int(text)


@router.get("/maintenance/due")
def due_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    depot: Text = "",
    status: Text = "",
    safety: Text = "",
    plate: Text = "",
    task: Text = "",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """The maintenance due list, filtered and paged, most urgent first."""
    filters = _filters(
        session, actor, depot=depot, status=status, safety=safety, plate=plate, task=task
    )
    page = service.due_page(session, actor, filters=filters, offset=offset)
    depots = list_depots(session, actor)
    query = {"depot": depot, "status": status, "safety": safety, "plate": plate, "task": task}
    kept = urlencode({k: v for k, v in query.items() if v})
    context = {
        "page": page,
        "filters": filters,
        "values": query,
        "query": kept,
        "depots": depots,
        "depot_names": {d.id: d.name for d in depots},
        "tasks": service.due_task_codes(session, actor),
        "views": VIEW_NAMES,
        "status_names": STATUS_NAMES,
        "driver_names": DRIVER_NAMES,
        "can_plan": actor.can(Right.PLAN_WORK),
    }
    return render(request, "maintenance/due.html", context)


@router.get("/maintenance/due.csv")
def due_csv(
    session: DbSession,
    actor: PageActor,
    depot: Text = "",
    status: Text = "",
    safety: Text = "",
    plate: Text = "",
    task: Text = "",
) -> Response:
    """The filtered due list as CSV (UTF-8 with a byte-order mark, so spreadsheets read it)."""
    filters = _filters(
        session, actor, depot=depot, status=status, safety=safety, plate=plate, task=task
    )
    entries = service.due_entries(session, actor, filters=filters)
    return Response(
        "".join(_csv_lines(service.due_csv_rows(entries))),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="maintenance-due.csv"'},
    )


def _csv_lines(rows: Iterator[list[str]]) -> Iterator[str]:
    yield "\ufeff"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


@router.get("/programmes")
def programme_list(request: Request, session: DbSession, actor: PageActor) -> Response:
    """The operator's maintenance programmes with their tasks and intervals."""
    found = programmes.list_programmes(session, actor)
    tasks = programmes.tasks_of(session, [p.id for p in found])
    context = {
        "programmes": found,
        "tasks": {p.id: [t for t in tasks if t.programme_id == p.id] for p in found},
        "kind_names": KIND_NAMES,
        "can_edit": actor.can(Right.MANAGE_PROGRAMMES),
    }
    return render(request, "maintenance/programmes.html", context)


@router.get("/programmes/{programme_id}")
def programme_page(
    request: Request, programme_id: PathId, session: DbSession, actor: PageActor
) -> Response:
    """One programme, with a form per periodic task to edit its intervals."""
    return render(request, "maintenance/programme.html", _programme(session, actor, programme_id))


def _programme(session: Session, actor: Actor, programme_id: int) -> dict[str, object]:
    programme = programmes.get_programme(session, actor, programme_id)
    return {
        "programme": programme,
        "tasks": programmes.tasks_of(session, [programme.id]),
        "kind_names": KIND_NAMES,
        "can_edit": actor.can(Right.MANAGE_PROGRAMMES),
    }


@router.post("/programmes/{programme_id}/tasks/{task_id}")
def edit_task(
    request: Request,
    programme_id: PathId,
    task_id: PathId,
    session: DbSession,
    actor: PageActor,
    typed: forms.Typed,
) -> Response:
    """Save one task's intervals and tolerance; an empty interval field removes it."""
    actor.require(Right.MANAGE_PROGRAMMES)
    context = _programme(session, actor, programme_id)
    try:
        data = _task_update(request, typed)
        programme = programmes.get_programme(session, actor, programme_id)
        task = programmes.update_task(session, actor, programme, task_id, data=data)
    except (forms.FormInvalid, TightnutError) as exc:
        context |= {"values": typed, "editing": task_id}
        return forms.refuse(request, session, "maintenance/programme.html", context, exc)
    notice = translate(request, SAVED, task=task.code)
    return redirect(request, f"/programmes/{programme_id}#task-{task_id}", notice=notice)


def _task_update(request: Request, typed: forms.Values) -> TaskUpdate:
    """The edit as the API's patch: numbers as typed (a decimal comma is fine), empty = none."""
    cleaned: dict[str, object] = {}
    for name in EDITABLE:
        raw = typed.get(name, "")
        text = (raw if isinstance(raw, str) else raw[0]).strip().replace(" ", "").replace(",", ".")
        if name in INTERVALS:
            cleaned[name] = text or None
        elif text:
            cleaned[name] = text
    if all(cleaned.get(name) is None for name in INTERVALS):
        raise forms.FormInvalid({"interval_km": translate(request, NO_INTERVAL)})
    return forms.parse(request, TaskUpdate, cleaned)
