"""The parts pages: the catalogue with one depot's stock, receipts, stock-takes, new parts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.deps import DbSession, PageActor
from tightnut.errors import NotFound, TightnutError
from tightnut.fields import MAX_ID, PathId, PositiveStockQuantity, QueryId, StockQuantity
from tightnut.fleet.models import Depot
from tightnut.fleet.service import list_depots
from tightnut.paging import PageQuery, PageRequest, decode_cursor
from tightnut.web import forms
from tightnut.web.i18n import N_
from tightnut.web.render import page_router, redirect, render, translate
from tightnut.workorders import parts
from tightnut.workorders.schemas import PartCreate

router: APIRouter = page_router()

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
RECEIVED = N_("Stock received.")
COUNTED = N_("Stock set to the count.")
ADDED = N_("Part added to the catalogue.")
SKU_TAKEN = N_("This SKU is already in the catalogue.")
TOO_MUCH = N_("That would be more than a depot can count.")
NO_DEPOT = N_("Your operator has no depots yet.")


class _StockForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    depot_id: Id
    cursor: str = Field(default="", max_length=400)


class ReceiptForm(_StockForm):
    """Parts received at a depot."""

    quantity: PositiveStockQuantity


class CountForm(_StockForm):
    """The counted stock of a part at a depot."""

    quantity: StockQuantity


@router.get("/parts")
def parts_page(
    request: Request, session: DbSession, actor: PageActor, page: PageQuery, depot: QueryId = None
) -> Response:
    """The catalogue by SKU with the stock at one depot, paged through the database."""
    return render(request, "workorders/parts.html", _context(session, actor, page, depot))


def _context(
    session: Session, actor: Actor, page: PageRequest, depot_id: int | None
) -> dict[str, object]:
    depots = list_depots(session, actor)
    if not depots:
        raise NotFound(NO_DEPOT)
    depot = _depot(session, actor, depot_id) if depot_id else depots[0]
    found = parts.page_parts(session, actor, page=page)
    levels = parts.levels_at(session, part_ids=[p.id for p in found.rows], depot_id=depot.id)
    return {
        "depot": depot,
        "depots": depots,
        "depot_options": [(d.id, d.name) for d in depots],
        "page": found,
        "rows": [(p, levels.get(p.id, 0.0)) for p in found.rows],
        "cursor": page.after.encode() if page.after else "",
        "can_manage": actor.can(Right.MANAGE_PARTS),
        "failed": None,
    }


def _depot(session: Session, actor: Actor, depot_id: int) -> Depot:
    try:
        return parts.own_depot(session, actor, depot_id)
    except NotFound:
        raise NotFound(f"no depot {depot_id}") from None


@router.post("/parts/{part_id}/receive")
def receive(
    request: Request, part_id: PathId, session: DbSession, actor: PageActor, typed: forms.Typed
) -> Response:
    """Add received parts to the chosen depot's stock."""
    return _stock(request, session, actor, part_id, "receive", typed)


@router.post("/parts/{part_id}/count")
def count(
    request: Request, part_id: PathId, session: DbSession, actor: PageActor, typed: forms.Typed
) -> Response:
    """Set the chosen depot's stock of the part to what was counted."""
    return _stock(request, session, actor, part_id, "count", typed)


def _stock(
    request: Request,
    session: Session,
    actor: Actor,
    part_id: int,
    action: str,
    typed: forms.Values,
) -> Response:
    # Runs in the thread pool: the stock row's lock is waited for off the event loop.
    parts.get_part(session, actor, part_id)
    model: type[ReceiptForm | CountForm] = ReceiptForm if action == "receive" else CountForm
    try:
        data = forms.parse(request, model, typed)
        change = parts.receive_stock if action == "receive" else parts.set_stock
        change(session, actor, part_id=part_id, depot_id=data.depot_id, quantity=data.quantity)
    except (forms.FormInvalid, TightnutError) as exc:
        session.rollback()
        return _refuse(request, session, actor, typed, part_id, action, exc)
    back = f"/parts?depot={data.depot_id}" + (f"&cursor={data.cursor}" if data.cursor else "")
    done = RECEIVED if action == "receive" else COUNTED
    return redirect(request, back, notice=translate(request, done))


def _refuse(
    request: Request,
    session: Session,
    actor: Actor,
    typed: forms.Values,
    part_id: int,
    action: str,
    exc: forms.FormInvalid | TightnutError,
) -> Response:
    if isinstance(exc, TightnutError) and exc.status_code == 403:
        raise exc
    depot_id = str(typed.get("depot_id", ""))
    cursor = str(typed.get("cursor", ""))
    try:
        after = decode_cursor(cursor or None)
    except ValueError:
        after = None
    page = PageRequest(after=after)
    context = _context(session, actor, page, int(depot_id) if depot_id.isdigit() else None)
    shown = exc
    if isinstance(exc, TightnutError) and exc.field == "quantity" and "in_stock" in exc.detail:
        shown = type(exc)(translate(request, TOO_MUCH), field="quantity", detail=exc.detail)
    context.update(failed=(part_id, action), values=typed)
    return forms.refuse(request, session, "workorders/parts.html", context, shown)


@router.get("/parts/new")
def new_part_page(request: Request, session: DbSession, actor: PageActor) -> Response:
    """The form for a new catalogue entry."""
    actor.require(Right.MANAGE_PARTS)
    return render(request, "workorders/part_new.html", {"values": {"unit": "pcs"}})


@router.post("/parts/new")
def create_part(
    request: Request, session: DbSession, actor: PageActor, typed: forms.Typed
) -> Response:
    """Add the part; a SKU already in the catalogue is refused in place."""
    return _create_part(request, session, actor, typed)


def _create_part(request: Request, session: Session, actor: Actor, typed: forms.Values) -> Response:
    actor.require(Right.MANAGE_PARTS)
    try:
        data = forms.parse(request, PartCreate, typed)
        parts.create_part(session, actor, sku=data.sku, name=data.name, unit=data.unit)
    except (forms.FormInvalid, TightnutError) as exc:
        shown = exc
        if isinstance(exc, TightnutError) and exc.field == "sku":
            shown = type(exc)(translate(request, SKU_TAKEN), field="sku")
        return forms.refuse(request, session, "workorders/part_new.html", {"values": typed}, shown)
    return redirect(request, "/parts", notice=translate(request, ADDED))
