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

from tightnut.gate import wording
from tightnut.gate.shifts import ShiftWindow
from tightnut.gate.wording import line


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
    headline_en: str
    headline_ru: str
    blocking: bool
    rule: RuleRef | None = None
    evidence: Mapping[str, object] = field(default_factory=dict)
    evidence_en: str = ""
    evidence_ru: str = ""

    @property
    def message_en(self) -> str:
        """The reason in one English line: what is wrong, then what shows it."""
        return line(self.headline_en, self.evidence_en)

    @property
    def message_ru(self) -> str:
        """The reason in one Russian line."""
        return line(self.headline_ru, self.evidence_ru)


@dataclass(frozen=True)
class FailedItemFact:
    """An item the counting inspection failed with a blocking verdict."""

    item_id: str
    text_en: str
    text_ru: str
    severity: str
    rule: RuleRef
    recorded: Mapping[str, object] = field(default_factory=dict)
    unit: str | None = None


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
    unit: str | None = None


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
    fastener_positions: int | None = None


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
        *_defect_reasons(facts),
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
    out = facts.out_of_service
    if out is None:
        return []
    return [
        Reason(
            code="out_of_service",
            headline_en="Taken out of service",
            headline_ru="Выведена из эксплуатации",
            evidence_en=out.reason,
            evidence_ru=out.reason,
            blocking=True,
            evidence={"since": out.since.isoformat(), "reason": out.reason},
        )
    ]


def _inspection_reasons(facts: GateFacts) -> list[Reason]:
    if facts.inspection is not None:
        return []
    return [
        Reason(
            code="not_inspected",
            headline_en="No pre-shift inspection this shift",
            headline_ru="Нет предсменного контроля в эту смену",
            blocking=True,
            rule=facts.inspection_rule,
            evidence={
                "shift_start": facts.shift.start.isoformat(),
                "valid_from": facts.shift.valid_from.isoformat(),
            },
        )
    ]


def _defect_reasons(facts: GateFacts) -> list[Reason]:
    found = (_defect_reason(d, facts.fastener_positions) for d in facts.defects)
    return [reason for reason in found if reason is not None]


def _defect_reason(defect: DefectFact, fastener_positions: int | None) -> Reason | None:
    if defect.gate == "none":
        return None
    fault_en, fault_ru = wording.fault_of(defect.item_id, defect.description, defect.description_ru)
    found = wording.Found.of(defect.recorded, defect.unit, fastener_positions)
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
            headline_en=f"{fault_en}: awaiting re-inspection",
            headline_ru=f"{fault_ru}: ждёт повторного контроля",
            evidence_en=found.after_en("Repaired, not yet re-inspected", "found"),
            evidence_ru=found.after_ru("Устранена, повторный контроль ещё не пройден", "было"),
            blocking=True,
            rule=defect.rule,
            evidence=evidence,
        )
    in_repair = defect.status == "in_repair"
    return Reason(
        code="blocking_defect" if defect.gate == "block" else "defect_warning",
        headline_en=fault_en,
        headline_ru=fault_ru,
        evidence_en=found.after_en("Defect in repair" if in_repair else "Open defect"),
        evidence_ru=found.after_ru(
            "Неисправность в ремонте" if in_repair else "Неисправность не устранена"
        ),
        blocking=defect.gate == "block",
        rule=defect.rule,
        evidence=evidence,
    )


def _certification_reason(cert: CertificationFact) -> Reason:
    named = cert.kind == "gas_cylinder"
    kind = cert.kind.replace("_", " ")
    return Reason(
        code="certification_expired",
        headline_en="Gas cylinder certification expired"
        if named
        else f"{kind.capitalize()} certification expired",
        headline_ru="Истёк срок освидетельствования газовых баллонов"
        if named
        else f"Истёк срок освидетельствования ({kind})",
        evidence_en=f"valid until {wording.date_en(cert.due)}",
        evidence_ru=f"действовало до {wording.date_ru(cert.due)}",
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
        _failed_item_reason(failure, facts.inspection.id, facts.fastener_positions)
        for failure in facts.inspection.blocking_failures
        if failure.item_id not in named
    ]


def _failed_item_reason(
    failure: FailedItemFact, inspection_id: int, fastener_positions: int | None
) -> Reason:
    fault_en, fault_ru = wording.fault_of(failure.item_id, failure.text_en, failure.text_ru)
    found = wording.Found.of(failure.recorded, failure.unit, fastener_positions)
    return Reason(
        code="inspection_failed",
        headline_en=fault_en,
        headline_ru=fault_ru,
        evidence_en=found.after_en("Failed at the pre-shift inspection"),
        evidence_ru=found.after_ru("Не пройдено на предсменном контроле"),
        blocking=True,
        rule=failure.rule,
        evidence={
            **failure.recorded,
            "inspection_id": inspection_id,
            "item_id": failure.item_id,
            "severity": failure.severity,
        },
    )


def _overdue_reason(task: OverdueTaskFact) -> Reason:
    if task.problem is not None:
        return _unknown_maintenance_reason(task, task.problem)
    past = wording.number_en(task.overdue_by)
    return Reason(
        code="maintenance_overdue",
        headline_en=f"Maintenance overdue: {task.task_code}",
        headline_ru=f"Просрочено {wording.task_ru(task.task_code)}",
        evidence_en=f"{past} {task.unit} past tolerance ({task.task_name})",
        evidence_ru=(
            f"на {wording.number_ru(task.overdue_by)} {wording.unit_ru(task.unit)} сверх допуска"
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
        headline_en=f"Maintenance cannot be judged: {task.task_code}",
        headline_ru=f"Состояние ТО нельзя оценить: {wording.code_ru(task.task_code)}",
        evidence_en=f"{problem} ({task.task_name})",
        evidence_ru=problem,
        blocking=True,
        rule=task.rule,
        evidence={"programme": task.programme_code, "task": task.task_code, "problem": problem},
    )
