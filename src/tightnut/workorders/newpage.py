"""Planning a work order on a page: a vehicle's due tasks and open defects, ticked and sent.

The due list links here with ``?vehicle=<id>&task=<id>&task=…`` and a defect with
``?defect=<id>``; those come ticked. Sending the form twice makes one order: the service
locks the vehicle and refuses a task or defect already on an open order, and the page then
shows the order the first sending made.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.defects import service as defects
from tightnut.defects.models import Defect
from tightnut.deps import DbSession, PageActor
from tightnut.errors import Conflict, TightnutError
from tightnut.fields import MAX_ID, Day, QueryId, QueryText
from tightnut.fleet.models import Vehicle
from tightnut.fleet.service import get_vehicle
from tightnut.maintenance.duelist import DueEntry
from tightnut.people.names import ENGINE_NAMES
from tightnut.web import forms
from tightnut.web.i18n import N_
from tightnut.web.render import page_router, redirect, render, translate
from tightnut.workorders import plan, service
from tightnut.workorders.refusals import translated

new_order_router: APIRouter = page_router()

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
CHOOSE_SOMETHING = N_("Tick at least one task or defect.")
ALREADY = N_("This work order was already made; here it is.")
MADE = N_("Work order planned.")
REPAIR = N_("Repair: %(what)s")
MAINTENANCE = N_("Maintenance: %(codes)s")
DUE_NAMES = {
    "overdue": N_("overdue"),
    "due": N_("due"),
    "due_soon": N_("due soon"),
    "ok": N_("not yet due"),
    "invalid_input": N_("cannot be judged"),
}


class NewOrderForm(BaseModel):
    """A new work order as the page sends it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    vehicle_id: Id
    title: str = Field(min_length=1, max_length=300)
    task_ids: list[Id] = Field(default_factory=list, max_length=200)
    defect_ids: list[Id] = Field(default_factory=list, max_length=200)
    planned_on: Day | None = None


@new_order_router.get("/work-orders/new")
def new_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    vehicle: QueryId = None,
    task: Annotated[list[int], Query(max_length=200)] = [],  # noqa: B006 - FastAPI copies it
    defect: Annotated[list[int], Query(max_length=200)] = [],  # noqa: B006
    plate: QueryText = None,
) -> Response:
    """The form: pick the vehicle by plate, then tick its due tasks and open defects."""
    actor.require(Right.PLAN_WORK)
    chosen = _vehicle_of(session, actor, vehicle, defect)
    if chosen is None:
        found = service.vehicles_by_plate(session, actor, plate=plate) if plate else []
        return render(
            request,
            "workorders/new.html",
            {"vehicle": None, "found": found, "values": {"plate": plate or ""}},
        )
    tasks = [str(t) for t in task]
    faults = [str(d) for d in defect]
    values: forms.Values = {"task_ids": tasks, "defect_ids": faults, "vehicle_id": str(chosen.id)}
    context = new_context(request, session, actor, chosen, values, suggest_title=True)
    return render(request, "workorders/new.html", context)


def _vehicle_of(
    session: Session, actor: Actor, vehicle_id: int | None, defect_ids: list[int]
) -> Vehicle | None:
    if vehicle_id is not None:
        return get_vehicle(session, actor, vehicle_id)
    if defect_ids:
        return get_vehicle(
            session, actor, defects.get_defect(session, actor, defect_ids[0]).vehicle_id
        )
    return None


def new_context(
    request: Request,
    session: Session,
    actor: Actor,
    vehicle: Vehicle,
    values: forms.Values,
    *,
    suggest_title: bool = False,
) -> dict[str, object]:
    """What the form shows for one vehicle: due tasks, open defects, and what is already planned."""
    wanted = frozenset(_ids(values, "task_ids"))
    due = plan.vehicle_due(session, actor, vehicle, wanted=wanted)
    faults = service.repairable_defects(session, actor, vehicle)
    if suggest_title:
        values["title"] = _title(request, due, faults, wanted, set(_ids(values, "defect_ids")))
    return {
        "vehicle": vehicle,
        "due": due,
        "defects": faults,
        "planned_tasks": service.planned_tasks(session, vehicle_id=vehicle.id),
        "planned_defects": service.planned_defects(session, defect_ids=[d.id for d in faults]),
        "values": values,
        "due_names": DUE_NAMES,
        "engine_names": ENGINE_NAMES,
        "today": date.today().isoformat(),
    }


def _title(
    request: Request,
    due: list[DueEntry],
    found: Sequence[Defect],
    tasks: frozenset[int],
    faults: set[int],
) -> str:
    parts = [translate(request, REPAIR, what=d.description) for d in found if d.id in faults]
    codes = [e.task.code for e in due if e.task.id in tasks]
    if codes:
        parts.append(translate(request, MAINTENANCE, codes=", ".join(codes)))
    return "; ".join(parts)[:300]


def _ids(values: forms.Values, name: str) -> list[int]:
    return [int(v) for v in _list(values, name) if v.isdigit() and len(v) < 11]


def _list(values: forms.Values, name: str) -> list[str]:
    value = values.get(name, [])
    return [value] if isinstance(value, str) else list(value)


@new_order_router.post("/work-orders/new")
def create(request: Request, session: DbSession, actor: PageActor, typed: forms.Typed) -> Response:
    """Plan the order; a repeated sending shows the order the first one made."""
    return _create(request, session, actor, typed)


def _create(request: Request, session: Session, actor: Actor, typed: forms.Values) -> Response:
    actor.require(Right.PLAN_WORK)
    typed["task_ids"] = _list(typed, "task_ids")
    typed["defect_ids"] = _list(typed, "defect_ids")
    try:
        data = forms.parse(request, NewOrderForm, typed)
        if not data.task_ids and not data.defect_ids:
            raise forms.FormInvalid({"": translate(request, CHOOSE_SOMETHING)})
        order = service.create_work_order(session, actor, **data.model_dump())
    except (forms.FormInvalid, TightnutError) as exc:
        session.rollback()
        return _refuse(request, session, actor, typed, exc)
    return redirect(request, f"/work-orders/{order.id}", notice=translate(request, MADE))


def _refuse(
    request: Request,
    session: Session,
    actor: Actor,
    typed: forms.Values,
    exc: forms.FormInvalid | TightnutError,
) -> Response:
    vehicle_id = str(typed.get("vehicle_id", ""))
    vehicle = session.get(Vehicle, int(vehicle_id)) if vehicle_id.isdigit() else None
    if vehicle is None or vehicle.operator_id != actor.operator_id:
        context: dict[str, object] = {"vehicle": None, "found": [], "values": typed}
        return forms.refuse(request, session, "workorders/new.html", context, exc)
    if isinstance(exc, Conflict) and (exc.field or "") in ("task_ids", "defect_ids"):
        same = service.find_same_order(
            session,
            actor,
            vehicle_id=vehicle.id,
            task_ids=_ids(typed, "task_ids"),
            defect_ids=_ids(typed, "defect_ids"),
        )
        if same is not None:
            return redirect(request, f"/work-orders/{same.id}", notice=translate(request, ALREADY))
    shown = translated(request, session, actor, exc) if isinstance(exc, TightnutError) else exc
    context = new_context(request, session, actor, vehicle, typed)
    return forms.refuse(request, session, "workorders/new.html", context, shown)
