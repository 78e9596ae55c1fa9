"""The work-order pages: the list, planning a new order, and one order's work and sign-off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.deps import DbSession, Limits, PageActor
from tightnut.errors import NotFound, TightnutError
from tightnut.fields import MAX_ID, EngineHours, Km, LabourHours, PathId, QueryId, QueryText
from tightnut.fields import PositiveStockQuantity as Quantity
from tightnut.fleet.meters import MeterLimits
from tightnut.fleet.service import list_depots
from tightnut.paging import PageQuery
from tightnut.people import service as people
from tightnut.people.names import ENGINE_NAMES
from tightnut.web import forms
from tightnut.web.i18n import N_
from tightnut.web.render import page_router, redirect, render, translate
from tightnut.workorders import partpages, service, views
from tightnut.workorders.models import WorkOrder
from tightnut.workorders.newpage import new_order_router
from tightnut.workorders.refusals import STATUS_CLASSES, STATUS_NAMES, translated

router = page_router()
router.include_router(new_order_router)
router.include_router(partpages.router)

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
EVENT_NAMES = {
    "created": N_("Planned"),
    "part": N_("Part used"),
    "signed": N_("Signed"),
    "defect_in_repair": N_("Defect taken into repair"),
    "defect_repaired": N_("Defect repaired"),
    "defect_closed": N_("Defect closed by re-inspection"),
    "defect_open": N_("Defect reopened"),
}
DEFECT_NAMES = {
    "open": N_("not yet repaired"),
    "in_repair": N_("in repair"),
    "repaired": N_("repaired, awaiting re-inspection"),
    "closed": N_("closed by re-inspection"),
}
DONE = {
    "assign": N_("Technician assigned."),
    "start": N_("Work started."),
    "labour": N_("Labour recorded."),
    "parts": N_("Part taken from stock."),
    "sign": N_("Work order signed."),
    "cancel": N_("Work order cancelled."),
}


class _Form(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    version: Id


class AssignForm(_Form):
    """Give the order to a technician."""

    technician_id: Id


class LabourForm(_Form):
    """Hours worked so far and notes (named apart from the sign-off's fields on one page)."""

    labour_hours: LabourHours = Field(alias="spent_hours")
    notes: str = Field(default="", max_length=4000, alias="work_notes")


class PartForm(_Form):
    """Parts taken from the order's depot."""

    part_id: Id
    quantity: Quantity


class SignForm(_Form):
    """The signed statement with the meters at completion."""

    completion_km: Km | None = None
    completion_hours: EngineHours | None = None
    labour_hours: LabourHours
    notes: str = Field(min_length=3, max_length=4000)


class CancelForm(_Form):
    """Why the order is cancelled."""

    reason: str = Field(min_length=3, max_length=1000)


@router.get("/work-orders")
def list_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    page: PageQuery,
    status: Annotated[str | None, Query(max_length=16)] = None,
    depot: QueryId = None,
    technician: QueryId = None,
    plate: QueryText = None,
) -> Response:
    """The caller's work orders, newest first, filtered and paged through the database."""
    found = service.page_work_orders(
        session,
        actor,
        page=page,
        status=status if status in STATUS_NAMES else None,
        depot_id=depot,
        technician_id=technician,
        plate=plate,
    )
    chosen = {"status": status or "", "depot": depot or "", "technician": technician or ""}
    context = {
        "rows": views.facts(session, found.rows),
        "page": found,
        "values": {**chosen, "plate": plate or ""},
        "state_options": [(k, translate(request, v)) for k, v in STATUS_NAMES.items()],
        "depot_options": [(d.id, d.name) for d in list_depots(session, actor)],
        "technician_options": [
            (t.id, t.full_name) for t in people.list_technicians(session, actor)
        ],
        "can_plan": actor.can(Right.PLAN_WORK),
        "status_names": STATUS_NAMES,
        "status_classes": STATUS_CLASSES,
        "base": _without_cursor(request),
    }
    return render(request, "workorders/list.html", context)


def _without_cursor(request: Request) -> str:
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor" and v]
    query = "&".join(f"{k}={v}" for k, v in kept)
    return request.url.path + (f"?{query}" if query else "")


@router.get("/work-orders/{work_order_id}")
def detail_page(
    request: Request, work_order_id: PathId, session: DbSession, actor: PageActor
) -> Response:
    """One work order: vehicle, tasks, defects, parts, history and the actions now open."""
    order = service.get_work_order(session, actor, work_order_id)
    return render(request, "workorders/detail.html", detail_context(session, actor, order))


def detail_context(
    session: Session, actor: Actor, order: WorkOrder, *, failed: str = ""
) -> dict[str, object]:
    """What the order's page shows; ``failed`` names the form whose errors are shown."""
    [seen] = views.facts(session, [order])
    used = views.used_parts(session, order)
    active = order.status in service.ACTIVE
    signer = people.technician_of_user(session, actor)
    certified = signer is not None and people.find_valid_certification(
        session,
        technician_id=signer.id,
        model_family=seen.vehicle.model_family,
        engine_type=seen.vehicle.engine_type,
        on=date.today(),
    )
    can_plan, can_work = actor.can(Right.PLAN_WORK), actor.can(Right.DO_WORK)
    return {
        "seen": seen,
        "order": order,
        "used": used,
        "history": views.history(session, seen, used),
        "candidates": views.candidates(session, actor, seen.vehicle) if can_plan and active else [],
        "stock": views.stock_at(session, actor, order.depot_id) if can_work else [],
        "signer": signer,
        "signer_certified": bool(certified),
        "can_plan": can_plan,
        "can_work": can_work,
        "failed": failed,
        "status_names": STATUS_NAMES,
        "status_classes": STATUS_CLASSES,
        "event_names": EVENT_NAMES,
        "engine_names": ENGINE_NAMES,
        "defect_names": DEFECT_NAMES,
    }


Act = Callable[[Session, Actor, WorkOrder, BaseModel, MeterLimits], object]


def _act(
    request: Request,
    session: Session,
    actor: Actor,
    work_order_id: int,
    action: str,
    typed: forms.Values,
    limits: MeterLimits,
) -> Response:
    """Call the service with the action's form; show the order again or the refusal."""
    model, act = ACTIONS[action]
    order = service.get_work_order(session, actor, work_order_id)
    try:
        act(session, actor, order, forms.parse(request, model, typed), limits)
    except (forms.FormInvalid, TightnutError) as exc:
        session.rollback()
        shown = exc
        if isinstance(exc, TightnutError):
            if exc.status_code == 403 and "right" in exc.detail:
                raise
            shown = translated(request, session, actor, exc, order=order, typed=typed)
        context = {**detail_context(session, actor, order, failed=action), "values": typed}
        return forms.refuse(request, session, "workorders/detail.html", context, shown)
    return redirect(request, f"/work-orders/{order.id}", notice=translate(request, DONE[action]))


def _assign(session: Session, actor: Actor, order: WorkOrder, form: BaseModel, _: object) -> None:
    assert isinstance(form, AssignForm)
    service.assign(
        session, actor, order, expected_version=form.version, technician_id=form.technician_id
    )


def _start(session: Session, actor: Actor, order: WorkOrder, form: BaseModel, _: object) -> None:
    assert isinstance(form, _Form)
    service.start(session, actor, order, expected_version=form.version)


def _labour(session: Session, actor: Actor, order: WorkOrder, form: BaseModel, _: object) -> None:
    assert isinstance(form, LabourForm)
    service.update(
        session,
        actor,
        order,
        expected_version=form.version,
        labour_hours=form.labour_hours,
        notes=form.notes or None,
    )


def _part(session: Session, actor: Actor, order: WorkOrder, form: BaseModel, _: object) -> None:
    assert isinstance(form, PartForm)
    service.use_part(
        session,
        actor,
        order,
        expected_version=form.version,
        part_id=form.part_id,
        quantity=form.quantity,
    )


def _sign(
    session: Session, actor: Actor, order: WorkOrder, form: BaseModel, limits: MeterLimits
) -> None:
    assert isinstance(form, SignForm)
    service.sign_off(
        session,
        actor,
        order,
        expected_version=form.version,
        completion_km=form.completion_km,
        completion_hours=form.completion_hours,
        labour_hours=form.labour_hours,
        notes=form.notes,
        limits=limits,
    )


def _cancel(session: Session, actor: Actor, order: WorkOrder, form: BaseModel, _: object) -> None:
    assert isinstance(form, CancelForm)
    service.cancel(session, actor, order, expected_version=form.version, reason=form.reason)


ACTIONS: dict[str, tuple[type[BaseModel], Act]] = {
    "assign": (AssignForm, _assign),
    "start": (_Form, _start),
    "labour": (LabourForm, _labour),
    "parts": (PartForm, _part),
    "sign": (SignForm, _sign),
    "cancel": (CancelForm, _cancel),
}


@router.post("/work-orders/{work_order_id}/{action}")
def act_on_order(
    request: Request,
    work_order_id: PathId,
    action: Annotated[str, Path(max_length=16)],
    session: DbSession,
    actor: PageActor,
    limits: Limits,
    typed: forms.Typed,
) -> Response:
    """One action on the order (assign, start, labour, parts, sign, cancel); a redirect after."""
    if action not in ACTIONS:
        raise NotFound(f"no action {action}")
    return _act(request, session, actor, work_order_id, action, typed, limits)
