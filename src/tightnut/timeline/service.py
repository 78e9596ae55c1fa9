"""One vehicle's history as a single timeline, newest first, paged across every domain's record.

The timeline merges six append-only histories, each already paged newest first by its own
service: inspections, release decisions (released and refused), defect state changes, work
orders, meter readings and vehicle events. Entries are ordered by ``(at, kind, id)``
descending; ``kind`` ranks the histories so that two records of the same instant keep one
order. A page asks each history for at most ``limit`` rows after the cursor, merges them and
keeps the first ``limit``: the newest ``limit`` of the union always lie among those. The cursor
is the last entry shown; a history whose rank comes before the cursor's at that same instant
has already shown its rows of that instant, one after it has not.

This package depends on the histories' domains and none depends on it, so the arrows run one
way: the fleet's vehicle page asks for the timeline here.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tightnut.defects.models import Defect, DefectEvent
from tightnut.errors import Invalid
from tightnut.fields import MAX_ID
from tightnut.fleet.models import Vehicle
from tightnut.fleet.service import meter_history
from tightnut.gate.service import release_history
from tightnut.inspections.service import history as inspection_history
from tightnut.maintenance.service import event_history
from tightnut.paging import Cursor, PageRequest, keyset
from tightnut.workorders.service import vehicle_history as work_order_history

KINDS = ("inspection", "release", "defect", "work_order", "event", "meter")
"""The histories in the order their entries of one instant are shown."""
DEFAULT_LIMIT = 50
CURSOR_FIELD = "query.older"
NOT_A_CURSOR = "not a timeline position this page gave out"


@dataclass(frozen=True)
class Entry:
    """One record on the timeline; ``defect`` is the defect a defect state change belongs to."""

    at: datetime
    kind: str
    id: int
    record: object
    defect: Defect | None = None


@dataclass(frozen=True)
class Position:
    """The last entry a page showed: where the next, older page starts."""

    at: datetime
    kind: str
    id: int

    def encode(self) -> str:
        """The opaque text a page links to as ``older``."""
        raw = json.dumps([self.at.isoformat(), self.kind, self.id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@dataclass(frozen=True)
class Timeline:
    """One page of a vehicle's timeline and the position of the next, older one."""

    entries: list[Entry]
    older: str | None


def decode_position(text: str | None) -> Position | None:
    """The position a link carried; Invalid when it is not one a page gave out."""
    if not text:
        return None
    try:
        at_text, kind, row_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        at = datetime.fromisoformat(at_text)
    except (binascii.Error, ValueError, TypeError):
        raise Invalid(NOT_A_CURSOR, field=CURSOR_FIELD) from None
    valid = kind in KINDS and type(row_id) is int and 1 <= row_id <= MAX_ID
    if not valid or at.utcoffset() != timedelta(0):
        raise Invalid(NOT_A_CURSOR, field=CURSOR_FIELD)
    return Position(at=at, kind=kind, id=row_id)


def timeline(
    session: Session, vehicle: Vehicle, *, older: str | None = None, limit: int = DEFAULT_LIMIT
) -> Timeline:
    """One page of ``vehicle``'s timeline, newest first, starting after the ``older`` position."""
    after = decode_position(older)
    found: list[Entry] = []
    more = False
    for kind, read in _histories().items():
        page = PageRequest(limit=limit, after=_cursor_for(kind, after))
        entries, has_more = read(session, vehicle, page)
        found += entries
        more = more or has_more
    found.sort(key=_order, reverse=True)
    shown = found[:limit]
    more = more or len(found) > limit
    last = shown[-1] if shown else None
    position = Position(last.at, last.kind, last.id).encode() if more and last else None
    return Timeline(entries=shown, older=position)


def _order(entry: Entry) -> tuple[datetime, int, int]:
    # Descending by time, then by the kinds' order (first kind first), then by id.
    return (entry.at, -KINDS.index(entry.kind), entry.id)


def _cursor_for(kind: str, after: Position | None) -> Cursor | None:
    """The cursor that asks one history for the rows after ``after`` in the timeline's order."""
    if after is None:
        return None
    if kind == after.kind:
        return Cursor(key=after.at, id=after.id)
    if KINDS.index(kind) < KINDS.index(after.kind):
        return Cursor(key=after.at, id=0)  # its rows of that instant were shown already
    # Its rows of that instant come next: every row up to and including the instant (times
    # are stored to the microsecond; an id cursor past the largest id overflows PostgreSQL).
    return Cursor(key=after.at + timedelta(microseconds=1), id=0)


Found = tuple[list["Entry"], bool]
"""A history's entries on one page, and whether it has older ones."""
Reader = Callable[[Session, Vehicle, PageRequest], Found]


def _histories() -> dict[str, Reader]:
    return {
        "inspection": _inspections,
        "release": _releases,
        "defect": _defect_events,
        "work_order": _work_orders,
        "event": _events,
        "meter": _meters,
    }


def _inspections(session: Session, vehicle: Vehicle, page: PageRequest) -> Found:
    found = inspection_history(session, vehicle, page=page)
    entries = [Entry(r.performed_at, "inspection", r.id, r) for r in found.rows]
    return entries, found.next_cursor is not None


def _releases(session: Session, vehicle: Vehicle, page: PageRequest) -> Found:
    found = release_history(session, vehicle, page=page)
    entries = [Entry(r.decided_at, "release", r.id, r) for r in found.rows]
    return entries, found.next_cursor is not None


def _work_orders(session: Session, vehicle: Vehicle, page: PageRequest) -> Found:
    found = work_order_history(session, vehicle, page=page)
    entries = [Entry(r.created_at, "work_order", r.id, r) for r in found.rows]
    return entries, found.next_cursor is not None


def _events(session: Session, vehicle: Vehicle, page: PageRequest) -> Found:
    found = event_history(session, vehicle, page=page)
    entries = [Entry(r.at, "event", r.id, r) for r in found.rows]
    return entries, found.next_cursor is not None


def _meters(session: Session, vehicle: Vehicle, page: PageRequest) -> Found:
    found = meter_history(session, vehicle, page=page)
    entries = [Entry(r.read_at, "meter", r.id, r) for r in found.rows]
    return entries, found.next_cursor is not None


def _defect_events(session: Session, vehicle: Vehicle, page: PageRequest) -> Found:
    """Each state change of the vehicle's defects (opened, escalated, repaired, closed)."""
    query = (
        select(DefectEvent)
        .join(Defect, Defect.id == DefectEvent.defect_id)
        .where(Defect.operator_id == vehicle.operator_id, Defect.vehicle_id == vehicle.id)
    )
    found = keyset(session, query, key=DefectEvent.at, row_id=DefectEvent.id, page=page)
    ids = {event.defect_id for event in found.rows}
    defects = {d.id: d for d in session.scalars(select(Defect).where(Defect.id.in_(ids)))}
    entries = [
        Entry(event.at, "defect", event.id, event, defects[event.defect_id]) for event in found.rows
    ]
    return entries, found.next_cursor is not None
