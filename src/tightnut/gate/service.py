"""The gate in the database: gather facts for a vehicle or a depot, decide, record releases."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.db import utcnow
from tightnut.defects.models import UNRESOLVED, Defect
from tightnut.errors import Conflict, NotFound
from tightnut.fleet.models import Depot, Vehicle
from tightnut.fleet.service import get_depot, lock_vehicle
from tightnut.gate.kernel import (
    CertificationFact,
    DefectFact,
    FailedItemFact,
    GateDecision,
    GateFacts,
    InspectionFact,
    OutOfServiceFact,
    OverdueTaskFact,
    Reason,
    RuleRef,
    decide,
)
from tightnut.gate.models import ReleaseDecision
from tightnut.gate.shifts import ShiftWindow, current_shift
from tightnut.inspections.models import Inspection
from tightnut.maintenance import service as maintenance
from tightnut.paging import PageRequest, Slice, keyset
from tightnut.rules import RuleCatalog

GAS_CYLINDER_FACT = "gas_cylinder_certification"


@dataclass(frozen=True)
class BoardRow:
    """One vehicle's state on the depot board for the current shift."""

    vehicle: Vehicle
    state: str
    decision: GateDecision
    inspected_at: datetime | None
    released_at: datetime | None


def decide_vehicle(
    session: Session, actor: Actor, vehicle_id: int, *, catalog: RuleCatalog, lead: timedelta
) -> GateDecision:
    """The gate's decision for one of the caller's vehicles, now."""
    vehicle, depot = _vehicle_and_depot(session, actor, vehicle_id)
    facts = gather_facts(session, depot, [vehicle], catalog=catalog, now=utcnow(), lead=lead)
    return decide(facts[vehicle.id])


def release(
    session: Session,
    actor: Actor,
    vehicle_id: int,
    *,
    catalog: RuleCatalog,
    lead: timedelta,
    client_time: datetime | None = None,
) -> tuple[GateDecision, ReleaseDecision]:
    """Ask the gate to release a vehicle; the answer, yes or no, is recorded either way."""
    actor.require(Right.RELEASE)
    vehicle, depot = _vehicle_and_depot(session, actor, vehicle_id)
    vehicle = lock_vehicle(session, vehicle)
    now = utcnow()
    decision = decide(
        gather_facts(session, depot, [vehicle], catalog=catalog, now=now, lead=lead)[vehicle.id]
    )
    earlier = _released_since(session, Vehicle.id == vehicle.id, decision.shift.start)
    key = (vehicle.id, decision.inspection_id)
    if decision.may_release and key in earlier:
        raise Conflict(f"already released this shift at {earlier[key].isoformat()}")
    record = ReleaseDecision(
        operator_id=actor.operator_id,
        vehicle_id=vehicle.id,
        depot_id=depot.id,
        user_id=actor.user_id,
        inspection_id=decision.inspection_id,
        released=decision.may_release,
        decided_at=now,
        client_time=client_time,
        shift_start=decision.shift.start,
        reasons=[reason_dict(r) for r in decision.reasons],
        warnings=[reason_dict(r) for r in decision.warnings],
    )
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        raise Conflict("already released this shift by a concurrent request") from None
    return decision, record


def _vehicle_and_depot(session: Session, actor: Actor, vehicle_id: int) -> tuple[Vehicle, Depot]:
    """The caller's vehicle with its depot, in one query; 404 for anyone else's."""
    row = session.execute(
        select(Vehicle, Depot)
        .join(Depot, Depot.id == Vehicle.depot_id)
        .where(Vehicle.id == vehicle_id, Vehicle.operator_id == actor.operator_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no vehicle {vehicle_id}")
    vehicle, depot = row
    return vehicle, depot


def board(
    session: Session, actor: Actor, depot_id: int, *, catalog: RuleCatalog, lead: timedelta
) -> tuple[Depot, ShiftWindow, list[BoardRow]]:
    """Every vehicle of a depot with its state for the current shift."""
    depot = get_depot(session, actor, depot_id)
    now = utcnow()
    vehicles = session.scalars(
        select(Vehicle)
        .where(Vehicle.depot_id == depot.id, Vehicle.out_of_service_at.is_(None))
        .order_by(Vehicle.plate)
    ).all()
    facts = _each_facts(session, depot, vehicles, catalog=catalog, now=now, lead=lead)
    shift = _shift(depot, now, lead)
    released = _released_since(session, Vehicle.depot_id == depot.id, shift.start)
    rows = [
        _board_row(vehicle, each, released) for vehicle, each in zip(vehicles, facts, strict=True)
    ]
    return depot, shift, rows


def _board_row(
    vehicle: Vehicle, facts: GateFacts, released: Mapping[tuple[int, int | None], datetime]
) -> BoardRow:
    decision = decide(facts)
    released_at = released.get((vehicle.id, decision.inspection_id))
    return BoardRow(
        vehicle=vehicle,
        state=board_state(decision, released_at),
        decision=decision,
        inspected_at=facts.inspection.performed_at if facts.inspection else None,
        released_at=released_at,
    )


def board_state(decision: GateDecision, released_at: datetime | None) -> str:
    """released, ready, blocked or not_inspected; a block overrides an earlier release."""
    if not decision.may_release:
        codes = {reason.code for reason in decision.reasons}
        return "not_inspected" if codes == {"not_inspected"} else "blocked"
    return "released" if released_at is not None else "ready"


def reason_dict(reason: Reason) -> dict[str, object]:
    """A reason as JSON."""
    rule = reason.rule
    return {
        "code": reason.code,
        "message": reason.message_en,
        "message_ru": reason.message_ru,
        "headline": reason.headline_en,
        "headline_ru": reason.headline_ru,
        "evidence_text": reason.evidence_en,
        "evidence_text_ru": reason.evidence_ru,
        "blocking": reason.blocking,
        "rule": None
        if rule is None
        else {
            "jurisdiction": rule.jurisdiction,
            "item_id": rule.item_id,
            "clause": rule.clause,
            "verification": rule.verification,
        },
        "evidence": dict(reason.evidence),
    }


def gather_facts(
    session: Session,
    depot: Depot,
    vehicles: Sequence[Vehicle],
    *,
    catalog: RuleCatalog,
    now: datetime,
    lead: timedelta,
) -> dict[int, GateFacts]:
    """The gate's facts for vehicles of one depot, in a fixed number of queries."""
    each = _each_facts(session, depot, vehicles, catalog=catalog, now=now, lead=lead)
    return {facts.vehicle_id: facts for facts in each}


def _each_facts(
    session: Session,
    depot: Depot,
    vehicles: Sequence[Vehicle],
    *,
    catalog: RuleCatalog,
    now: datetime,
    lead: timedelta,
) -> Iterator[GateFacts]:
    """The facts of each vehicle in turn: queried now, each built only when it is reached.

    The board decides a vehicle and lets its facts go before building the next one's, so a
    2,000-vehicle depot never holds 2,000 sets of facts at once (each object that lives
    through the request makes Python's full garbage collection come sooner).
    """
    shift = _shift(depot, now, lead)
    scope = _scope(depot, vehicles)
    inspections = _latest_inspections(
        session, scope, shift.valid_from, now, catalog, jurisdiction=depot.jurisdiction
    )
    open_defects = _unresolved_defects(session, scope, catalog)
    today = now.astimezone(ZoneInfo(depot.timezone)).date()
    overdue = _overdue_tasks(session, vehicles, today, depot.jurisdiction)
    inspection_rule = _inspection_rule(catalog, depot.jurisdiction)
    gas_rule = _derived_rule(catalog, depot.jurisdiction, GAS_CYLINDER_FACT)
    return (
        GateFacts(
            vehicle_id=v.id,
            now=now,
            today=today,
            shift=shift,
            inspection=inspections.fact(v.id),
            defects=tuple(open_defects.get(v.id, ())),
            certifications=_certifications(v, gas_rule),
            inspection_rule=inspection_rule,
            overdue_tasks=tuple(overdue.get(v.id, ())),
            out_of_service=_out_of_service(v),
            fastener_positions=v.fastener_positions,
        )
        for v in vehicles
    )


def _shift(depot: Depot, now: datetime, lead: timedelta) -> ShiftWindow:
    return current_shift(now, timezone=depot.timezone, shift_starts=depot.shift_starts, lead=lead)


def _scope(depot: Depot, vehicles: Sequence[Vehicle]) -> ColumnElement[bool]:
    if len(vehicles) == 1:
        return Vehicle.id == vehicles[0].id
    return Vehicle.depot_id == depot.id


@dataclass(frozen=True)
class _Counted:
    """The inspections that count, as plain (id, performed_at) pairs; each a fact on demand.

    Tuples of numbers and times drop out of Python's garbage collector, so 2,000 of them cost
    nothing; 2,000 facts held for the whole request would bring its next full collection nearer.
    """

    latest: Mapping[int, tuple[int, datetime]]
    failures: Mapping[int, tuple[FailedItemFact, ...]]

    def fact(self, vehicle_id: int) -> InspectionFact | None:
        """The vehicle's counting inspection with its blocking failures, or None."""
        found = self.latest.get(vehicle_id)
        if found is None:
            return None
        inspection_id, performed_at = found
        return InspectionFact(
            id=inspection_id,
            performed_at=performed_at,
            blocking_failures=self.failures.get(inspection_id, ()),
        )


def _latest_inspections(
    session: Session,
    scope: ColumnElement[bool],
    since: datetime,
    now: datetime,
    catalog: RuleCatalog,
    *,
    jurisdiction: str,
) -> _Counted:
    """Each vehicle's latest inspection in the window, with the blocking failures it holds.

    An inspection made under another jurisdiction's checklist (before the vehicle moved depot)
    does not count: the vehicle was not checked against the rules it now runs under.
    """
    query = (
        select(
            Inspection.id,
            Inspection.vehicle_id,
            Inspection.performed_at,
            Inspection.jurisdiction,
            Inspection.blocking_count,
        )
        .join(Vehicle, Vehicle.id == Inspection.vehicle_id)
        .where(scope, Inspection.performed_at >= since, Inspection.performed_at <= now)
        .order_by(Inspection.performed_at, Inspection.id)
    )
    rows = session.connection().execute(query)
    latest = {
        vehicle_id: (inspection_id, performed_at, checklist, blocking)
        for inspection_id, vehicle_id, performed_at, checklist, blocking in rows
    }
    counting = {v: row for v, row in latest.items() if row[2] == jurisdiction}
    failures = _blocking_failures(session, [row[0] for row in counting.values() if row[3]], catalog)
    return _Counted({v: (row[0], row[1]) for v, row in counting.items()}, failures)


def _blocking_failures(
    session: Session, inspection_ids: list[int], catalog: RuleCatalog
) -> dict[int, tuple[FailedItemFact, ...]]:
    """The items each inspection failed with a blocking verdict, read from its own record."""
    if not inspection_ids:
        return {}
    query = select(Inspection.id, Inspection.jurisdiction, Inspection.results).where(
        Inspection.id.in_(inspection_ids)
    )
    return {
        inspection_id: tuple(
            _failed_item(jurisdiction, result, catalog)
            for result in results
            if result.get("failed") and result.get("gate") == "block"
        )
        for inspection_id, jurisdiction, results in session.execute(query)
    }


def _failed_item(
    jurisdiction: str, result: Mapping[str, object], catalog: RuleCatalog
) -> FailedItemFact:
    item_id = str(result["item_id"])
    item = catalog.find_item(jurisdiction, item_id)
    return FailedItemFact(
        item_id=item_id,
        text_en=item.text.en if item else item_id,
        text_ru=item.text.ru if item else item_id,
        severity=str(result.get("severity") or (item.severity if item else "")),
        rule=RuleRef(
            jurisdiction=jurisdiction,
            item_id=item_id,
            clause=item.source.ref if item else "",
            verification=item.verification if item else "unverified",
        ),
        recorded=_recorded(result),
        unit=item.record.unit if item else None,
    )


def _unresolved_defects(
    session: Session, scope: ColumnElement[bool], catalog: RuleCatalog
) -> dict[int, list[DefectFact]]:
    query = (
        select(Defect)
        .join(Vehicle, Vehicle.id == Defect.vehicle_id)
        .where(scope, Defect.status.in_(UNRESOLVED))
        .order_by(Defect.id)
    )
    found: dict[int, list[DefectFact]] = {}
    for defect in session.scalars(query):
        found.setdefault(defect.vehicle_id, []).append(_defect_fact(defect, catalog))
    return found


def _defect_fact(defect: Defect, catalog: RuleCatalog) -> DefectFact:
    item = catalog.find_item(defect.jurisdiction, defect.item_id)
    return DefectFact(
        id=defect.id,
        item_id=defect.item_id,
        status=defect.status,
        gate=defect.gate,
        severity=defect.severity,
        description=defect.description,
        description_ru=item.text.ru if item else defect.description,
        opened_at=defect.opened_at,
        repaired_at=defect.repaired_at,
        rule=RuleRef(
            jurisdiction=defect.jurisdiction,
            item_id=defect.item_id,
            clause=defect.rule_ref,
            verification=item.verification if item else "unverified",
        ),
        recorded=_recorded(defect.evidence),
        unit=item.record.unit if item else None,
    )


def _recorded(evidence: Mapping[str, object]) -> dict[str, object]:
    """What the inspector recorded for the failed item: the reading, count, note, inspection."""
    keys = ("inspection_id", "count", "positions", "value", "note", "explanation")
    return {key: evidence[key] for key in keys if key in evidence}


def _released_since(
    session: Session, scope: ColumnElement[bool], since: datetime
) -> dict[tuple[int, int | None], datetime]:
    """When each vehicle was released since ``since``, by the inspection each release rested on.

    A release stands for its inspection: a vehicle blocked after it and inspected again is
    ready, not released, until someone releases it on the new inspection.
    """
    query = (
        select(
            ReleaseDecision.vehicle_id, ReleaseDecision.inspection_id, ReleaseDecision.decided_at
        )
        .join(Vehicle, Vehicle.id == ReleaseDecision.vehicle_id)
        .where(scope, ReleaseDecision.released.is_(True), ReleaseDecision.decided_at >= since)
    )
    return {(row[0], row[1]): row[2] for row in session.connection().execute(query)}


def _overdue_tasks(
    session: Session, vehicles: Sequence[Vehicle], today: date, jurisdiction: str
) -> dict[int, list[OverdueTaskFact]]:
    """The maintenance domain's overdue safety-critical tasks, as gate facts."""
    found = maintenance.overdue_safety_critical(session, vehicles, today=today)
    return {
        vehicle_id: [_overdue_fact(task, jurisdiction) for task in tasks]
        for vehicle_id, tasks in found.items()
    }


def _overdue_fact(task: maintenance.OverdueTask, jurisdiction: str) -> OverdueTaskFact:
    return OverdueTaskFact(
        task_code=task.task_code,
        task_name=task.task_name,
        programme_code=task.programme_code,
        driver=task.driver,
        unit=task.unit,
        overdue_by=task.overdue_by,
        remaining_km=task.remaining_km,
        remaining_hours=task.remaining_hours,
        remaining_days=task.remaining_days,
        rule=RuleRef(
            jurisdiction=jurisdiction,
            item_id=f"maintenance.{task.task_code}",
            clause=task.source,
            verification="unverified" if task.illustrative else "verified",
        ),
        problem=task.problem,
    )


def _out_of_service(vehicle: Vehicle) -> OutOfServiceFact | None:
    if vehicle.out_of_service_at is None:
        return None
    return OutOfServiceFact(
        since=vehicle.out_of_service_at, reason=vehicle.out_of_service_reason or ""
    )


def _certifications(vehicle: Vehicle, gas_rule: RuleRef | None) -> tuple[CertificationFact, ...]:
    if vehicle.gas_cylinder_cert_due is None:
        return ()
    return (
        CertificationFact(kind="gas_cylinder", due=vehicle.gas_cylinder_cert_due, rule=gas_rule),
    )


def _derived_rule(catalog: RuleCatalog, jurisdiction: str, fact: str) -> RuleRef | None:
    item = catalog.derived(jurisdiction=jurisdiction, fact=fact)
    if item is None:
        return None
    return RuleRef(jurisdiction, item.id, item.source.ref, item.verification)


def _inspection_rule(catalog: RuleCatalog, jurisdiction: str) -> RuleRef | None:
    rule = catalog.pack(jurisdiction).release_rule
    return RuleRef(jurisdiction, None, rule.ref, rule.verification)


def release_history(
    session: Session, vehicle: Vehicle, *, page: PageRequest
) -> Slice[ReleaseDecision]:
    """One page of the vehicle's release decisions, released and refused, newest first."""
    query = select(ReleaseDecision).where(
        ReleaseDecision.operator_id == vehicle.operator_id,
        ReleaseDecision.vehicle_id == vehicle.id,
    )
    return keyset(
        session, query, key=ReleaseDecision.decided_at, row_id=ReleaseDecision.id, page=page
    )
