"""The release decision as a pure function of facts: no database, no web, no clock.

A vehicle may go out on the line only when every one of these holds:
it is in service; an inspection counts for the current shift, and that inspection holds no
failed item whose gate is ``block``; no unresolved defect whose gate is ``block``; no repaired
blocking defect still waiting for its re-inspection; no expired certification; and no
safety-critical maintenance task past its tolerance. Every failed condition becomes a reason
naming its rule and evidence, worded here in English and Russian.

The inspection's own blocking failures and the defects they opened are two independent
reasons: a mistake in the defect bookkeeping can never release a vehicle whose inspection
failed. Where both point at the same item, the defect's reason is the one listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from tightnut.gate.shifts import ShiftWindow


@dataclass(frozen=True)
class RuleRef:
    """Where a reason comes from: jurisdiction, rule item and the clause of its source."""

    jurisdiction: str
    item_id: str | None
    clause: str
    verification: str


@dataclass(frozen=True)
class Reason:
    """One cause for refusing (or warning about) a release."""

    code: str
    message_en: str
    message_ru: str
    blocking: bool
    rule: RuleRef | None = None
    evidence: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class FailedItemFact:
    """An item the counting inspection failed with a blocking verdict."""

    item_id: str
    text_en: str
    text_ru: str
    severity: str
    rule: RuleRef
    recorded: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class InspectionFact:
    """The latest inspection that counts for the current shift."""

    id: int
    performed_at: datetime
    blocking_failures: tuple[FailedItemFact, ...] = ()


@dataclass(frozen=True)
class DefectFact:
    """An unresolved defect of the vehicle (open, in repair or repaired)."""

    id: int
    item_id: str
    status: str
    gate: str
    severity: str
    description: str
    description_ru: str
    opened_at: datetime
    repaired_at: datetime | None
    rule: RuleRef
    recorded: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CertificationFact:
    """A certification the vehicle needs, such as its gas cylinders'."""

    kind: str
    due: date
    rule: RuleRef | None


@dataclass(frozen=True)
class OverdueTaskFact:
    """A safety-critical maintenance task past its tolerance, as the maintenance domain says."""

    task_code: str
    task_name: str
    programme_code: str
    driver: str
    unit: str
    overdue_by: float
    remaining_km: float | None
    remaining_hours: float | None
    remaining_days: float | None
    rule: RuleRef
    problem: str | None = None


@dataclass(frozen=True)
class OutOfServiceFact:
    """The vehicle was taken out of service."""

    since: datetime
    reason: str


@dataclass(frozen=True)
class GateFacts:
    """Everything the gate needs about one vehicle at one instant."""

    vehicle_id: int
    now: datetime
    today: date
    shift: ShiftWindow
    inspection: InspectionFact | None
    defects: tuple[DefectFact, ...] = ()
    certifications: tuple[CertificationFact, ...] = ()
    inspection_rule: RuleRef | None = None
    overdue_tasks: tuple[OverdueTaskFact, ...] = ()
    out_of_service: OutOfServiceFact | None = None


@dataclass(frozen=True)
class GateDecision:
    """May the vehicle be released, and every reason why not (plus warnings)."""

    vehicle_id: int
    may_release: bool
    reasons: tuple[Reason, ...]
    warnings: tuple[Reason, ...]
    inspection_id: int | None
    shift: ShiftWindow


def decide(facts: GateFacts) -> GateDecision:
    """The gate's decision for one vehicle, listing every reason."""
    found = [
        *_service_reasons(facts),
        *_inspection_reasons(facts),
        *(reason for d in facts.defects if (reason := _defect_reason(d)) is not None),
        *_failed_item_reasons(facts),
        *(_certification_reason(c) for c in facts.certifications if c.due < facts.today),
        *(_overdue_reason(task) for task in facts.overdue_tasks),
    ]
    reasons = tuple(r for r in found if r.blocking)
    return GateDecision(
        vehicle_id=facts.vehicle_id,
        may_release=not reasons,
        reasons=reasons,
        warnings=tuple(r for r in found if not r.blocking),
        inspection_id=facts.inspection.id if facts.inspection else None,
        shift=facts.shift,
    )


def _service_reasons(facts: GateFacts) -> list[Reason]:
    if facts.out_of_service is None:
        return []
    since = facts.out_of_service.since.isoformat()
    return [
        Reason(
            code="out_of_service",
            message_en=f"taken out of service: {facts.out_of_service.reason}",
            message_ru=f"выведено из эксплуатации: {facts.out_of_service.reason}",
            blocking=True,
            evidence={"since": since, "reason": facts.out_of_service.reason},
        )
    ]


def _inspection_reasons(facts: GateFacts) -> list[Reason]:
    if facts.inspection is not None:
        return []
    return [
        Reason(
            code="not_inspected",
            message_en="no pre-shift inspection recorded for this shift",
            message_ru="не проведён предсменный контроль технического состояния",
            blocking=True,
            rule=facts.inspection_rule,
            evidence={
                "shift_start": facts.shift.start.isoformat(),
                "valid_from": facts.shift.valid_from.isoformat(),
            },
        )
    ]


def _defect_reason(defect: DefectFact) -> Reason | None:
    if defect.gate == "none":
        return None
    evidence: dict[str, object] = {
        **defect.recorded,
        "defect_id": defect.id,
        "item_id": defect.item_id,
        "status": defect.status,
        "severity": defect.severity,
        "description": defect.description,
        "opened_at": defect.opened_at.isoformat(),
    }
    if defect.status == "repaired" and defect.gate == "block":
        evidence["repaired_at"] = defect.repaired_at.isoformat() if defect.repaired_at else None
        return Reason(
            code="reinspection_required",
            message_en=f"repaired, awaiting a passing re-inspection: {defect.description}",
            message_ru=(
                f"неисправность устранена, нужен повторный контроль: {defect.description_ru}"
            ),
            blocking=True,
            rule=defect.rule,
            evidence=evidence,
        )
    return Reason(
        code="blocking_defect" if defect.gate == "block" else "defect_warning",
        message_en=f"open defect, check failed: {defect.description}",
        message_ru=f"неустранённая неисправность, не пройдена проверка: {defect.description_ru}",
        blocking=defect.gate == "block",
        rule=defect.rule,
        evidence=evidence,
    )


def _certification_reason(cert: CertificationFact) -> Reason:
    return Reason(
        code="certification_expired",
        message_en=f"{cert.kind.replace('_', ' ')} certification expired on {cert.due.isoformat()}",
        message_ru=f"истёк срок освидетельствования ({cert.kind}): {cert.due.isoformat()}",
        blocking=True,
        rule=cert.rule,
        evidence={"kind": cert.kind, "due": cert.due.isoformat()},
    )


def _failed_item_reasons(facts: GateFacts) -> list[Reason]:
    """The counting inspection's blocking failures that no blocking defect already names."""
    if facts.inspection is None or not facts.inspection.blocking_failures:
        return []
    named = {d.item_id for d in facts.defects if d.gate == "block"}
    return [
        Reason(
            code="inspection_failed",
            message_en=f"the pre-shift inspection failed a check: {failure.text_en}",
            message_ru=f"предсменный контроль не пройден: {failure.text_ru}",
            blocking=True,
            rule=failure.rule,
            evidence={
                **failure.recorded,
                "inspection_id": facts.inspection.id,
                "item_id": failure.item_id,
                "severity": failure.severity,
            },
        )
        for failure in facts.inspection.blocking_failures
        if failure.item_id not in named
    ]


def _overdue_reason(task: OverdueTaskFact) -> Reason:
    if task.problem is not None:
        return _unknown_maintenance_reason(task, task.problem)
    return Reason(
        code="maintenance_overdue",
        message_en=(
            f"safety-critical maintenance overdue: {task.task_name}, "
            f"{task.overdue_by:g} {task.unit} past tolerance"
        ),
        message_ru=(
            f"просрочено обязательное ТО: {task.task_code}, "
            f"на {task.overdue_by:g} {_UNIT_RU.get(task.unit, task.unit)} сверх допуска"
        ),
        blocking=True,
        rule=task.rule,
        evidence={
            "programme": task.programme_code,
            "task": task.task_code,
            "driver": task.driver,
            "overdue_by": task.overdue_by,
            "unit": task.unit,
            "remaining_km": task.remaining_km,
            "remaining_hours": task.remaining_hours,
            "remaining_days": task.remaining_days,
        },
    )


def _unknown_maintenance_reason(task: OverdueTaskFact, problem: str) -> Reason:
    """A safety-critical task whose state rests on an impossible stored value: not assumed done."""
    return Reason(
        code="maintenance_unknown",
        message_en=f"safety-critical maintenance cannot be judged: {task.task_name}, {problem}",
        message_ru=f"нельзя оценить состояние обязательного ТО: {task.task_code}, {problem}",
        blocking=True,
        rule=task.rule,
        evidence={"programme": task.programme_code, "task": task.task_code, "problem": problem},
    )


_UNIT_RU = {"km": "км", "h": "моточ.", "days": "дн."}
