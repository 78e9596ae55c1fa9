"""The parts catalogue and stock per depot: stock is counted, never below zero."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.errors import Conflict, Invalid, NotFound
from tightnut.fields import MAX_STOCK_QUANTITY
from tightnut.fleet.models import Depot
from tightnut.paging import PageRequest, Slice, keyset
from tightnut.workorders.models import Part, StockLevel


def create_part(session: Session, actor: Actor, *, sku: str, name: str, unit: str = "pcs") -> Part:
    """A new catalogue entry of the caller's operator; the SKU is unique per operator."""
    actor.require(Right.MANAGE_PARTS)
    sku = sku.strip().upper()
    if not sku:
        raise Invalid("a part needs a SKU", field="sku")
    if session.scalar(select(Part.id).where(_own(actor), Part.sku == sku)) is not None:
        raise Conflict(f"part '{sku}' is already in the catalogue", field="sku")
    part = Part(operator_id=actor.operator_id, sku=sku, name=name.strip(), unit=unit.strip())
    session.add(part)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"part '{sku}' is already in the catalogue", field="sku") from None
    return part


def _own(actor: Actor) -> ColumnElement[bool]:
    return Part.operator_id == actor.operator_id


def get_part(session: Session, actor: Actor, part_id: int) -> Part:
    """The caller's part ``part_id``; 404 for anyone else's."""
    part = session.get(Part, part_id)
    if part is None or part.operator_id != actor.operator_id:
        raise NotFound(f"no part {part_id}", field="part_id")
    return part


def list_parts(session: Session, actor: Actor) -> Sequence[Part]:
    """The caller's catalogue by SKU."""
    query = select(Part).where(Part.operator_id == actor.operator_id).order_by(Part.sku)
    return session.scalars(query).all()


def own_depot(session: Session, actor: Actor, depot_id: int) -> Depot:
    """The caller's depot ``depot_id``; 404 naming ``depot_id`` for anyone else's."""
    depot = session.get(Depot, depot_id)
    if depot is None or depot.operator_id != actor.operator_id:
        raise NotFound(f"no depot {depot_id}", field="depot_id")
    return depot


def set_stock(
    session: Session, actor: Actor, *, part_id: int, depot_id: int, quantity: float
) -> StockLevel:
    """Set the counted stock of a part at a depot (a stock-take)."""
    actor.require(Right.MANAGE_PARTS)
    if quantity < 0:
        raise Invalid("stock cannot be negative", field="quantity")
    level = locked_stock(session, actor, part_id=part_id, depot_id=depot_id)
    level.quantity = quantity
    session.flush()
    return level


def receive_stock(
    session: Session, actor: Actor, *, part_id: int, depot_id: int, quantity: float
) -> StockLevel:
    """Add received parts to a depot's stock."""
    actor.require(Right.MANAGE_PARTS)
    if quantity <= 0:
        raise Invalid("a receipt adds at least some stock", field="quantity")
    level = locked_stock(session, actor, part_id=part_id, depot_id=depot_id)
    if level.quantity + quantity > MAX_STOCK_QUANTITY:
        raise Invalid(
            f"{level.quantity:g} in stock and {quantity:g} received would pass the "
            f"{MAX_STOCK_QUANTITY:,.0f} a depot can count",
            field="quantity",
            detail={"in_stock": level.quantity, "received": quantity},
        )
    level.quantity += quantity
    session.flush()
    return level


def take_stock(
    session: Session, actor: Actor, *, part: Part, depot_id: int, quantity: float
) -> StockLevel:
    """Take ``quantity`` from a depot's stock; refused, changing nothing, if too few lie there."""
    if quantity <= 0:
        raise Invalid("use a positive quantity", field="quantity")
    level = locked_stock(session, actor, part_id=part.id, depot_id=depot_id)
    if level.quantity < quantity:
        raise Conflict(
            f"only {level.quantity:g} {part.unit} of {part.sku} in stock at depot {depot_id}; "
            f"{quantity:g} requested",
            field="quantity",
            detail={"in_stock": level.quantity, "requested": quantity},
        )
    level.quantity -= quantity
    session.flush()
    return level


def locked_stock(session: Session, actor: Actor, *, part_id: int, depot_id: int) -> StockLevel:
    """The stock row of a part at a depot, locked for this transaction; created at zero."""
    get_part(session, actor, part_id)
    own_depot(session, actor, depot_id)
    query = (
        select(StockLevel)
        .where(StockLevel.part_id == part_id, StockLevel.depot_id == depot_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    level = session.scalar(query)
    if level is not None:
        return level
    level = StockLevel(part_id=part_id, depot_id=depot_id, quantity=0.0)
    try:
        with session.begin_nested():
            session.add(level)
            session.flush()
    except IntegrityError:  # another transaction created the row first: lock theirs
        return session.scalars(query).one()
    return level


def list_stock(
    session: Session, actor: Actor, *, part_id: int | None = None, depot_id: int | None = None
) -> Sequence[StockLevel]:
    """Stock of the caller's parts, optionally of one part or one depot."""
    query = select(StockLevel).join(Part, Part.id == StockLevel.part_id).where(_own(actor))
    if part_id is not None:
        query = query.where(StockLevel.part_id == part_id)
    if depot_id is not None:
        query = query.where(StockLevel.depot_id == depot_id)
    return session.scalars(query.order_by(StockLevel.part_id, StockLevel.depot_id)).all()


def page_parts(session: Session, actor: Actor, *, page: PageRequest) -> Slice[Part]:
    """One page of the caller's catalogue by SKU."""
    query = select(Part).where(_own(actor))
    return keyset(session, query, key=Part.sku, row_id=Part.id, page=page, newest_first=False)


def levels_at(session: Session, *, part_ids: Sequence[int], depot_id: int) -> dict[int, float]:
    """How many of each part lie at one depot (parts with no stock row are left out)."""
    if not part_ids:
        return {}
    query = select(StockLevel).where(
        StockLevel.depot_id == depot_id, StockLevel.part_id.in_(part_ids)
    )
    return {level.part_id: level.quantity for level in session.scalars(query)}
