"""Recording pre-shift inspections: validate every item, append the record, open defects."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.db import utcnow
from tightnut.defects import service as defects
from tightnut.defects.models import Defect, DefectStatus
from tightnut.errors import Conflict, Invalid, NotFound
from tightnut.fleet.meters import MeterLimits
from tightnut.fleet.models import Depot, Meter, Vehicle
from tightnut.fleet.service import get_vehicle, lock_vehicle, record_meter
from tightnut.inspections.models import Inspection
from tightnut.inspections.schemas import InspectionCreate, ItemResultIn
from tightnut.paging import PageRequest, Slice, keyset
from tightnut.rules import ItemResult, RecordError, RuleCatalog, RuleItem, Verdict, evaluate
from tightnut.rules.evaluate import FASTENER_UNIT


@dataclass(frozen=True)
class Submission:
    """The stored inspection, and whether this call replayed an earlier identical one."""

    inspection: Inspection
    replayed: bool


def checklist(catalog: RuleCatalog, depot: Depot, vehicle: Vehicle) -> tuple[RuleItem, ...]:
    """The rule items that apply to ``vehicle`` under its depot's jurisdiction."""
    return catalog.checklist(
        jurisdiction=depot.jurisdiction,
        vehicle_class=vehicle.vehicle_class,
        engine_type=vehicle.engine_type,
    )


def get_inspection(session: Session, actor: Actor, inspection_id: int) -> Inspection:
    """The caller's inspection ``inspection_id``; 404 for anyone else's."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or inspection.operator_id != actor.operator_id:
        raise NotFound(f"no inspection {inspection_id}")
    return inspection


def submit(
    session: Session,
    actor: Actor,
    *,
    data: InspectionCreate,
    catalog: RuleCatalog,
    idempotency_key: str | None = None,
    limits: MeterLimits,
) -> Submission:
    """Record an inspection; a retry with the same Idempotency-Key returns the first one."""
    actor.require(Right.INSPECT)
    digest = _digest(data)
    if idempotency_key and (earlier := _replay(session, actor, idempotency_key, digest)):
        return Submission(earlier, replayed=True)
    vehicle = lock_vehicle(session, get_vehicle(session, actor, data.vehicle_id))
    depot = session.get_one(Depot, vehicle.depot_id)
    items = checklist(catalog, depot, vehicle)
    judged = _judge(items, data.results, vehicle)
    verdicts = [verdict for _, verdict in judged]
    corrected = _corrected(session, actor, data, vehicle)
    _record_meters(session, actor, vehicle, data, limits)
    inspection = Inspection(
        operator_id=actor.operator_id,
        vehicle_id=vehicle.id,
        depot_id=depot.id,
        inspector_id=actor.user_id,
        jurisdiction=depot.jurisdiction,
        performed_at=utcnow(),
        client_time=data.client_time,
        odometer_km=data.odometer_km,
        engine_hours=data.engine_hours,
        results=[
            _stored(result, verdict) for result, verdict in zip(data.results, verdicts, strict=True)
        ],
        failed_count=sum(v.failed for v in verdicts),
        blocking_count=sum(v.failed and v.gate == "block" for v in verdicts),
        note=data.note,
        corrects_id=corrected.id if corrected else None,
        idempotency_key=idempotency_key,
        request_digest=digest,
    )
    if idempotency_key and (
        earlier := _insert_once(session, actor, inspection, idempotency_key, digest)
    ):
        return Submission(earlier, replayed=True)
    session.add(inspection)
    session.flush()
    _settle_defects(session, actor, inspection, judged, corrected)
    return Submission(inspection, replayed=False)


def opened_defect_ids(session: Session, inspection: Inspection) -> list[int]:
    """The defects this inspection opened."""
    query = select(Defect.id).where(Defect.opened_by_inspection_id == inspection.id)
    return list(session.scalars(query.order_by(Defect.id)))


def _digest(data: InspectionCreate) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(session: Session, actor: Actor, key: str, digest: str) -> Inspection | None:
    query = select(Inspection).where(
        Inspection.operator_id == actor.operator_id, Inspection.idempotency_key == key
    )
    earlier = session.scalar(query)
    if earlier is not None and earlier.inspector_id != actor.user_id:
        raise Conflict(
            "this Idempotency-Key was used by another user; send a key of your own",
            field="Idempotency-Key",
        )
    if earlier is not None and earlier.request_digest != digest:
        raise Conflict(
            "this Idempotency-Key was used for a different inspection", field="Idempotency-Key"
        )
    return earlier


def _insert_once(
    session: Session, actor: Actor, inspection: Inspection, key: str, digest: str
) -> Inspection | None:
    """Insert under a savepoint; if a concurrent request won the key, return its record."""
    try:
        with session.begin_nested():
            session.add(inspection)
            session.flush()
    except IntegrityError:
        return _replay(session, actor, key, digest)
    return None


def _judge(
    items: tuple[RuleItem, ...], results: list[ItemResultIn], vehicle: Vehicle
) -> list[tuple[RuleItem, Verdict]]:
    by_id = {item.id: item for item in items}
    seen: set[str] = set()
    judged: list[tuple[RuleItem, Verdict]] = []
    for index, result in enumerate(results):
        item = by_id.get(result.item_id)
        if item is None:
            raise Invalid(
                f"'{result.item_id}' is not on this vehicle's checklist",
                field=f"results[{index}].item_id",
            )
        if result.item_id in seen:
            raise Invalid(f"'{result.item_id}' is given twice", field=f"results[{index}].item_id")
        seen.add(result.item_id)
        judged.append((item, _verdict(item, result, vehicle, index)))
    missing = [item.id for item in items if item.id not in seen]
    if missing:
        raise Invalid(
            f"checklist items missing: {', '.join(missing)}",
            field="results",
            detail={"missing": missing},
        )
    return judged


def _verdict(item: RuleItem, result: ItemResultIn, vehicle: Vehicle, index: int) -> Verdict:
    try:
        return evaluate(
            item,
            ItemResult(
                item_id=result.item_id,
                passed=result.passed,
                count=result.count,
                positions=tuple(result.positions),
                value=result.value,
                note=result.note,
            ),
            vehicle_class=vehicle.vehicle_class,
            fastener_positions=vehicle.fastener_positions,
        )
    except RecordError as exc:
        raise Invalid(exc.message, field=f"results[{index}].{exc.field}") from None


def _corrected(
    session: Session, actor: Actor, data: InspectionCreate, vehicle: Vehicle
) -> Inspection | None:
    if data.corrects_id is None:
        return None
    earlier = session.get(Inspection, data.corrects_id)
    if earlier is None or earlier.operator_id != actor.operator_id:
        raise NotFound(f"no inspection {data.corrects_id}", field="corrects_id")
    if earlier.vehicle_id != vehicle.id:
        raise Invalid("a correction must be of the same vehicle", field="corrects_id")
    return earlier


def _record_meters(
    session: Session, actor: Actor, vehicle: Vehicle, data: InspectionCreate, limits: MeterLimits
) -> None:
    for meter in Meter:
        value = getattr(data, meter.value)
        if value is not None:
            record_meter(
                session,
                actor,
                vehicle,
                meter=meter,
                value=value,
                source="inspection",
                client_time=data.client_time,
                limits=limits,
            )


def _stored(result: ItemResultIn, verdict: Verdict) -> dict[str, object]:
    """What was recorded, plus the rule's verdict where the item failed (a pass needs no more)."""
    stored: dict[str, object] = {"item_id": result.item_id}
    stored.update(result.model_dump(exclude_none=True, exclude_defaults=True))
    if verdict.failed:
        stored.update(
            failed=True,
            gate=verdict.gate,
            severity=verdict.severity,
            explanation=verdict.explanation,
        )
    return stored


def _settle_defects(
    session: Session,
    actor: Actor,
    inspection: Inspection,
    judged: list[tuple[RuleItem, Verdict]],
    corrected: Inspection | None,
) -> None:
    """Open defects for failed items; close repaired ones (or corrected ones) whose item passed."""
    unresolved = defects.unresolved_by_item(session, inspection.vehicle_id)
    for (item, verdict), stored in zip(judged, inspection.results, strict=True):
        defect = unresolved.get(item.id)
        if verdict.failed and verdict.gate != "none":
            _on_failure(session, actor, inspection, item, verdict, stored, defect)
        elif not verdict.failed and defect is not None:
            _on_pass(session, actor, inspection, defect, corrected)


def _on_failure(
    session: Session,
    actor: Actor,
    inspection: Inspection,
    item: RuleItem,
    verdict: Verdict,
    stored: dict[str, object],
    defect: Defect | None,
) -> None:
    if defect is None:
        defects.open_defect(
            session,
            operator_id=inspection.operator_id,
            vehicle_id=inspection.vehicle_id,
            item=item,
            jurisdiction=inspection.jurisdiction,
            verdict=verdict,
            inspection_id=inspection.id,
            evidence={"inspection_id": inspection.id, **stored},
            user_id=actor.user_id,
        )
        return
    if defects.is_graver(verdict, defect):
        defects.escalate(
            session,
            defect,
            verdict=verdict,
            evidence={"inspection_id": inspection.id, **stored},
            inspection_id=inspection.id,
            user_id=actor.user_id,
        )
    if defect.status == DefectStatus.REPAIRED:
        defects.reopen(session, defect, inspection_id=inspection.id, user_id=actor.user_id)


def _on_pass(
    session: Session,
    actor: Actor,
    inspection: Inspection,
    defect: Defect,
    corrected: Inspection | None,
) -> None:
    if defect.status == DefectStatus.REPAIRED:
        note = "re-inspection passed"
    elif corrected is not None and defect.opened_by_inspection_id == corrected.id:
        note = f"withdrawn: inspection {inspection.id} corrects inspection {corrected.id}"
    else:
        return
    defects.close_by_inspection(
        session, defect, inspection_id=inspection.id, user_id=actor.user_id, note=note
    )


def history(session: Session, vehicle: Vehicle, *, page: PageRequest) -> Slice[Inspection]:
    """One page of the vehicle's inspections, newest first."""
    query = select(Inspection).where(
        Inspection.operator_id == vehicle.operator_id, Inspection.vehicle_id == vehicle.id
    )
    return keyset(session, query, key=Inspection.performed_at, row_id=Inspection.id, page=page)


def opened_defect_ids_of(
    session: Session, vehicle: Vehicle, inspections: Sequence[Inspection]
) -> dict[int, list[int]]:
    """The defects each of the vehicle's ``inspections`` opened, keyed by inspection id."""
    found: dict[int, list[int]] = {inspection.id: [] for inspection in inspections}
    query = select(Defect.opened_by_inspection_id, Defect.id).where(
        Defect.vehicle_id == vehicle.id, Defect.opened_by_inspection_id.in_(found)
    )
    for inspection_id, defect_id in session.execute(query.order_by(Defect.id)):
        if inspection_id is not None:
            found[inspection_id].append(defect_id)
    return found


@dataclass(frozen=True)
class Entry:
    """One checklist item as the form shows it: its words, what it records, its wheel."""

    id: str
    group: str
    text_en: str
    text_ru: str
    kind: str
    unit: str | None
    gate: str
    severity: str
    wheel_positions: int

    @property
    def slug(self) -> str:
        """The item id as an HTML id: ``brakes-service``."""
        return self.id.replace(".", "-").replace("_", "-")


def entries(catalog: RuleCatalog, depot: Depot, vehicle: Vehicle) -> list[Entry]:
    """The vehicle's checklist as form entries, in the rule pack's order."""
    return [_entry(item, vehicle) for item in checklist(catalog, depot, vehicle)]


def entry_of(catalog: RuleCatalog, jurisdiction: str, item_id: str, vehicle: Vehicle) -> Entry:
    """The entry of one recorded item; an item since dropped from the pack keeps its id."""
    item = catalog.find_item(jurisdiction, item_id)
    if item is None:
        return Entry(item_id, item_id.split(".")[0], item_id, item_id, "pass_fail", None, "", "", 0)
    return _entry(item, vehicle)


def grouped(found: Sequence[Entry]) -> list[tuple[str, list[Entry]]]:
    """Entries by system, the systems in the order they first appear."""
    groups: dict[str, list[Entry]] = {}
    for entry in found:
        groups.setdefault(entry.group, []).append(entry)
    return list(groups.items())


def _entry(item: RuleItem, vehicle: Vehicle) -> Entry:
    wheel = vehicle.fastener_positions if item.record.unit == FASTENER_UNIT else 0
    return Entry(
        id=item.id,
        group=item.group,
        text_en=item.text.en,
        text_ru=item.text.ru,
        kind=item.record.kind,
        unit=item.record.unit,
        gate=item.gate,
        severity=item.severity,
        wheel_positions=wheel,
    )


_LATIN_LOOKALIKES = str.maketrans("ABEKMHOPCTYX", "АВЕКМНОРСТУХ")


def plate_key(text: str) -> str:
    """A plate as searched: upper case, no spaces, Latin look-alikes read as Cyrillic."""
    return "".join(text.upper().split()).translate(_LATIN_LOOKALIKES)


def opened_defects(session: Session, inspection: Inspection) -> list[Defect]:
    """The defects this inspection opened, oldest first."""
    query = select(Defect).where(Defect.opened_by_inspection_id == inspection.id)
    return list(session.scalars(query.order_by(Defect.id)))
