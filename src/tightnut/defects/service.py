"""Defect life: opened by a failed item, repaired and signed, closed by a passing re-inspection."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from tightnut.auth.models import Role, User
from tightnut.auth.rights import Actor, Right
from tightnut.db import utcnow
from tightnut.defects.models import UNRESOLVED, Defect, DefectEvent, DefectStatus
from tightnut.errors import Conflict, Forbidden, Invalid, NotFound
from tightnut.fleet.models import Depot, Vehicle
from tightnut.fleet.service import get_vehicle, lock_vehicle
from tightnut.paging import PageRequest, Slice, keyset
from tightnut.rules import RuleCatalog, RuleItem, Verdict
from tightnut.web.i18n import N_

_NEXT: dict[DefectStatus, frozenset[DefectStatus]] = {
    DefectStatus.OPEN: frozenset({DefectStatus.IN_REPAIR, DefectStatus.REPAIRED}),
    DefectStatus.IN_REPAIR: frozenset({DefectStatus.REPAIRED}),
    DefectStatus.REPAIRED: frozenset(),
    DefectStatus.CLOSED: frozenset(),
}

REPORTERS = frozenset(
    {Role.DRIVER, Role.INSPECTOR, Role.DISPATCHER, Role.FLEET_MANAGER, Role.SERVICE_ENGINEER}
)
"""Who may report a defect at any time: whoever works with the operator's vehicles."""
MAY_NOT_REPORT = N_("Your role may not report defects.")


def require_reporter(actor: Actor) -> None:
    """Raise Forbidden unless the caller's role may report a defect."""
    if actor.role not in REPORTERS:
        raise Forbidden(MAY_NOT_REPORT)


def get_defect(session: Session, actor: Actor, defect_id: int) -> Defect:
    """The caller's defect ``defect_id``; 404 for anyone else's."""
    defect = session.get(Defect, defect_id)
    if defect is None or defect.operator_id != actor.operator_id:
        raise NotFound(f"no defect {defect_id}")
    return defect


@dataclass(frozen=True)
class DefectFilter:
    """What the defect list narrows to; every field empty lists everything."""

    statuses: tuple[DefectStatus, ...] = ()
    system: str | None = None
    depot_id: int | None = None
    plate: str | None = None
    gate: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE clauses of this filter (the vehicle is joined for depot and plate)."""
        found: list[ColumnElement[bool]] = []
        if self.statuses:
            found.append(Defect.status.in_(self.statuses))
        if self.system:
            found.append(Defect.item_id.startswith(f"{self.system}.", autoescape=True))
        if self.gate:
            found.append(Defect.gate == self.gate)
        if self.depot_id is not None:
            found.append(Vehicle.depot_id == self.depot_id)
        if self.plate:
            plate = self.plate.upper().replace(" ", "")
            found.append(Vehicle.plate.contains(plate, autoescape=True))
        return found


def list_defects(
    session: Session,
    actor: Actor,
    *,
    page: PageRequest,
    vehicle_id: int | None = None,
    unresolved_only: bool = False,
    filters: DefectFilter | None = None,
) -> Slice[Defect]:
    """One page of the caller's defects, newest first."""
    query = select(Defect).where(Defect.operator_id == actor.operator_id)
    if vehicle_id is not None:
        query = query.where(Defect.vehicle_id == vehicle_id)
    if unresolved_only:
        query = query.where(Defect.status.in_(UNRESOLVED))
    if filters is not None and (conditions := filters.conditions()):
        query = query.join(Vehicle, Vehicle.id == Defect.vehicle_id).where(*conditions)
    return keyset(session, query, key=Defect.opened_at, row_id=Defect.id, page=page)


def history(session: Session, defect: Defect) -> Sequence[DefectEvent]:
    """Every state change of ``defect`` in order."""
    query = select(DefectEvent).where(DefectEvent.defect_id == defect.id)
    return session.scalars(query.order_by(DefectEvent.id)).all()


def unresolved_by_item(session: Session, vehicle_id: int) -> dict[str, Defect]:
    """The vehicle's unresolved defects keyed by rule item."""
    query = select(Defect).where(Defect.vehicle_id == vehicle_id, Defect.status.in_(UNRESOLVED))
    return {defect.item_id: defect for defect in session.scalars(query)}


def open_defect(
    session: Session,
    *,
    operator_id: int,
    vehicle_id: int,
    item: RuleItem,
    jurisdiction: str,
    verdict: Verdict,
    inspection_id: int,
    evidence: dict[str, object],
    user_id: int,
) -> Defect:
    """A new defect for a failed item."""
    now = utcnow()
    defect = Defect(
        operator_id=operator_id,
        vehicle_id=vehicle_id,
        item_id=item.id,
        jurisdiction=jurisdiction,
        rule_ref=item.source.ref,
        severity=verdict.severity or item.severity,
        gate=verdict.gate,
        status=DefectStatus.OPEN,
        description=item.text.en,
        evidence=evidence,
        opened_at=now,
        opened_by_inspection_id=inspection_id,
    )
    session.add(defect)
    session.flush()
    _record(
        session,
        defect,
        None,
        DefectStatus.OPEN,
        user_id=user_id,
        inspection_id=inspection_id,
        at=now,
    )
    return defect


GATE_RANK = {"none": 0, "warn": 1, "block": 2}
SEVERITY_RANK = {"minor": 0, "major": 1, "dangerous": 2}


def is_graver(verdict: Verdict, defect: Defect) -> bool:
    """Whether a new failure of the defect's item is worse than what the defect records."""
    severity = verdict.severity or defect.severity
    return GATE_RANK[verdict.gate] > GATE_RANK[defect.gate] or (
        SEVERITY_RANK.get(severity, 0) > SEVERITY_RANK.get(defect.severity, 0)
    )


def escalate(
    session: Session,
    defect: Defect,
    *,
    verdict: Verdict,
    evidence: dict[str, object],
    inspection_id: int,
    user_id: int,
) -> None:
    """The defect takes the graver verdict of a later inspection; an event keeps both."""
    before = {"gate": defect.gate, "severity": defect.severity}
    severity = verdict.severity or defect.severity
    if SEVERITY_RANK.get(severity, 0) > SEVERITY_RANK.get(defect.severity, 0):
        defect.severity = severity
    if GATE_RANK[verdict.gate] > GATE_RANK[defect.gate]:
        defect.gate = verdict.gate
    defect.evidence = evidence
    after = {"gate": defect.gate, "severity": defect.severity}
    _record(
        session,
        defect,
        defect.status,
        defect.status,
        user_id=user_id,
        inspection_id=inspection_id,
        note=(
            f"escalated: gate {before['gate']} → {after['gate']}, "
            f"severity {before['severity']} → {after['severity']}"
        ),
        detail={"before": before, "after": after, "evidence": evidence},
    )


def reopen(session: Session, defect: Defect, *, inspection_id: int, user_id: int) -> None:
    """A repaired defect whose re-inspection failed again goes back to open."""
    _move(
        session,
        defect,
        DefectStatus.OPEN,
        user_id=user_id,
        inspection_id=inspection_id,
        note="re-inspection failed",
    )


def close_by_inspection(
    session: Session, defect: Defect, *, inspection_id: int, user_id: int, note: str
) -> None:
    """A passing inspection closes a repaired defect (or withdraws one by correction)."""
    now = utcnow()
    defect.closed_at = now
    defect.closed_by_inspection_id = inspection_id
    _move(
        session,
        defect,
        DefectStatus.CLOSED,
        user_id=user_id,
        inspection_id=inspection_id,
        note=note,
        at=now,
    )


def start_repair(session: Session, actor: Actor, defect: Defect, *, note: str) -> Defect:
    """open → in_repair."""
    actor.require(Right.REPAIR)
    _transition(session, actor, defect, DefectStatus.IN_REPAIR, note=note)
    return defect


def mark_repaired(
    session: Session, actor: Actor, defect: Defect, *, work_done: str, client_time: datetime | None
) -> Defect:
    """open/in_repair → repaired, signed by the caller with what was done."""
    actor.require(Right.REPAIR)
    _transition(
        session, actor, defect, DefectStatus.REPAIRED, note=work_done, client_time=client_time
    )
    defect.repaired_at = utcnow()
    session.flush()
    return defect


def _transition(
    session: Session,
    actor: Actor,
    defect: Defect,
    target: DefectStatus,
    *,
    note: str,
    client_time: datetime | None = None,
) -> None:
    current = DefectStatus(defect.status)
    if target not in _NEXT[current]:
        raise Conflict(
            f"defect {defect.id} is {current.value}; it cannot become {target.value}",
            field="status",
        )
    _move(session, defect, target, user_id=actor.user_id, note=note, client_time=client_time)


def _move(
    session: Session,
    defect: Defect,
    target: DefectStatus,
    *,
    user_id: int,
    note: str,
    inspection_id: int | None = None,
    client_time: datetime | None = None,
    at: datetime | None = None,
) -> None:
    previous = defect.status
    defect.status = target
    _record(
        session,
        defect,
        previous,
        target,
        user_id=user_id,
        inspection_id=inspection_id,
        note=note,
        client_time=client_time,
        at=at,
    )


def _record(
    session: Session,
    defect: Defect,
    previous: str | None,
    target: str,
    *,
    user_id: int,
    inspection_id: int | None = None,
    note: str = "",
    client_time: datetime | None = None,
    at: datetime | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    session.add(
        DefectEvent(
            defect_id=defect.id,
            from_status=previous,
            to_status=target,
            at=at or utcnow(),
            client_time=client_time,
            user_id=user_id,
            inspection_id=inspection_id,
            note=note,
            detail=detail,
        )
    )
    session.flush()


def histories(session: Session, defects: Sequence[Defect]) -> dict[int, list[DefectEvent]]:
    """Every state change of each of ``defects`` in order, keyed by defect id, in one query."""
    found: dict[int, list[DefectEvent]] = {defect.id: [] for defect in defects}
    query = select(DefectEvent).where(DefectEvent.defect_id.in_(found))
    for event in session.scalars(query.order_by(DefectEvent.id)):
        found[event.defect_id].append(event)
    return found


def vehicles_of(session: Session, defects: Sequence[Defect]) -> dict[int, tuple[Vehicle, Depot]]:
    """Each defect's vehicle and its depot (for the depot's zone), keyed by defect id."""
    vehicle_ids = {defect.vehicle_id for defect in defects}
    if not vehicle_ids:
        return {}
    query = (
        select(Vehicle, Depot)
        .join(Depot, Depot.id == Vehicle.depot_id)
        .where(Vehicle.id.in_(vehicle_ids))
    )
    found = {vehicle.id: (vehicle, depot) for vehicle, depot in session.execute(query)}
    return {defect.id: found[defect.vehicle_id] for defect in defects}


def signers(session: Session, events: Sequence[DefectEvent]) -> dict[int, str]:
    """The names of the users who signed ``events``, keyed by user id."""
    user_ids = {event.user_id for event in events if event.user_id is not None}
    if not user_ids:
        return {}
    query = select(User.id, User.full_name).where(User.id.in_(user_ids))
    return {row.id: row.full_name for row in session.execute(query)}


OTHER_PREFIX = "other."
"""The item id of a reported fault that is no checklist item (unique per report)."""
REPORTED = "reported"
OTHER_NEEDS_WORDS = "Say what is wrong: at least 3 characters."
OTHER_NEEDS_SAFETY = "Say whether the vehicle is safe to operate."
NOT_ON_CHECKLIST = "This item is not on the vehicle's checklist."
NOT_REPORTED_OTHER = "Only a fault reported outside the checklist is reviewed this way."


@dataclass(frozen=True)
class Reported:
    """The defect a report opened, or the one it was added to; ``replayed`` for a double tap."""

    defect: Defect
    opened: bool
    replayed: bool = False


def is_other(defect: Defect) -> bool:
    """Whether the defect was reported outside the checklist (no rule item behind it)."""
    return defect.item_id.startswith(OTHER_PREFIX)


def report_defect(
    session: Session,
    actor: Actor,
    *,
    vehicle_id: int,
    item_code: str | None,
    note: str,
    unsafe: bool | None,
    catalog: RuleCatalog,
    idempotency_key: str,
) -> Reported:
    """A fault seen at any time: it opens a defect the gate weighs like an inspection's.

    A checklist item takes the gravest gate and severity its rule allows (nobody measured it
    yet); a fault outside the checklist blocks when the reporter says it is unsafe. A second
    report of an item already open adds its note to that defect; a retry with the same
    ``idempotency_key`` changes nothing.
    """
    require_reporter(actor)
    vehicle = lock_vehicle(session, get_vehicle(session, actor, vehicle_id))
    depot = session.get_one(Depot, vehicle.depot_id)
    item = _reported_item(catalog, depot, vehicle, item_code, note, unsafe)
    item_id = item.id if item else OTHER_PREFIX + _digest(idempotency_key)
    existing = unresolved_by_item(session, vehicle.id).get(item_id)
    if existing is not None:
        return _reported_again(session, actor, existing, note=note, key=idempotency_key)
    gate, severity = (
        _gravest(item) if item else (("block", "major") if unsafe else ("warn", "minor"))
    )
    now = utcnow()
    defect = Defect(
        operator_id=actor.operator_id,
        vehicle_id=vehicle.id,
        item_id=item_id,
        jurisdiction=depot.jurisdiction,
        rule_ref=item.source.ref if item else "",
        severity=severity,
        gate=gate,
        status=DefectStatus.OPEN,
        description=item.text.en if item else note,
        evidence={"note": note, REPORTED: True, **({"unsafe": unsafe} if item is None else {})},
        opened_at=now,
    )
    session.add(defect)
    session.flush()
    detail = {REPORTED: True, "idempotency_key": idempotency_key}
    _record(
        session,
        defect,
        None,
        DefectStatus.OPEN,
        user_id=actor.user_id,
        note=note,
        at=now,
        detail=detail,
    )
    return Reported(defect, opened=True)


def review_reported(
    session: Session, actor: Actor, defect: Defect, *, unsafe: bool, note: str
) -> Defect:
    """A service engineer's judgement of a fault reported outside the checklist: block or not."""
    actor.require(Right.REPAIR)
    if not is_other(defect) or defect.status not in UNRESOLVED:
        raise Conflict(NOT_REPORTED_OTHER, field="unsafe")
    before = {"gate": defect.gate, "severity": defect.severity}
    defect.gate, defect.severity = ("block", "major") if unsafe else ("warn", "minor")
    after = {"gate": defect.gate, "severity": defect.severity}
    _record(
        session,
        defect,
        defect.status,
        defect.status,
        user_id=actor.user_id,
        note=note,
        detail={"reviewed": True, "before": before, "after": after},
    )
    return defect


def confirm_fixed(session: Session, actor: Actor, defect: Defect, *, note: str) -> Defect:
    """Close a repaired fault that no checklist item re-inspects: the inspector saw it fixed."""
    actor.require(Right.INSPECT)
    if not is_other(defect):
        raise Conflict(NOT_REPORTED_OTHER, field="status")
    if defect.status != DefectStatus.REPAIRED:
        raise Conflict(f"defect {defect.id} is {defect.status}, not repaired", field="status")
    defect.closed_at = utcnow()
    _move(
        session, defect, DefectStatus.CLOSED, user_id=actor.user_id, note=note, at=defect.closed_at
    )
    return defect


def reportable_items(catalog: RuleCatalog, depot: Depot, vehicle: Vehicle) -> tuple[RuleItem, ...]:
    """The checklist items a fault of ``vehicle`` can be reported against."""
    return catalog.checklist(
        jurisdiction=depot.jurisdiction,
        vehicle_class=vehicle.vehicle_class,
        engine_type=vehicle.engine_type,
    )


def _reported_item(
    catalog: RuleCatalog,
    depot: Depot,
    vehicle: Vehicle,
    item_code: str | None,
    note: str,
    unsafe: bool | None,
) -> RuleItem | None:
    if item_code is None:
        if len(note.strip()) < 3:
            raise Invalid(OTHER_NEEDS_WORDS, field="note")
        if unsafe is None:
            raise Invalid(OTHER_NEEDS_SAFETY, field="unsafe")
        return None
    items = {item.id: item for item in reportable_items(catalog, depot, vehicle)}
    if item_code not in items:
        raise Invalid(NOT_ON_CHECKLIST, field="item_code")
    return items[item_code]


def _gravest(item: RuleItem) -> tuple[str, str]:
    """The worst gate and severity a failure of ``item`` can have, over its limits."""
    gates = [item.gate, *(limit.gate for limit in item.limits)]
    severities = [item.severity, *(limit.severity for limit in item.limits)]
    return max(gates, key=GATE_RANK.__getitem__), max(severities, key=SEVERITY_RANK.__getitem__)


def _reported_again(
    session: Session, actor: Actor, defect: Defect, *, note: str, key: str
) -> Reported:
    if any(
        (event.detail or {}).get("idempotency_key") == key for event in history(session, defect)
    ):
        return Reported(defect, opened=False, replayed=True)
    _record(
        session,
        defect,
        defect.status,
        defect.status,
        user_id=actor.user_id,
        note=note,
        detail={REPORTED: True, "idempotency_key": key, "again": True},
    )
    return Reported(defect, opened=False)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:24]
