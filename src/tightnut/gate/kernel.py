"""The release decision as a pure function of facts: no database, no web, no clock.

A vehicle may go out on the line only when every one of these holds:
an inspection counts for the current shift; no unresolved defect whose gate is ``block``;
no repaired blocking defect still waiting for its re-inspection; no expired certification;
and no blocking reason from the extension points (overdue safety-critical maintenance,
telemetry alarms). Every failed condition becomes a reason naming its rule and evidence.
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
class InspectionFact:
    """The latest inspection that counts for the current shift."""

    id: int
    performed_at: datetime


@dataclass(frozen=True)
class DefectFact:
    """An unresolved defect of the vehicle (open, in repair or repaired)."""

    id: int
    item_id: str
    status: str
    gate: str
    severity: str
    description: str
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
    extra_reasons: tuple[Reason, ...] = ()


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
        *_inspection_reasons(facts),
        *(reason for d in facts.defects if (reason := _defect_reason(d, facts)) is not None),
        *(_certification_reason(c) for c in facts.certifications if c.due < facts.today),
        *facts.extra_reasons,
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


def _defect_reason(defect: DefectFact, facts: GateFacts) -> Reason | None:
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
            message_ru=f"неисправность устранена, нужен повторный контроль: {defect.description}",
            blocking=True,
            rule=defect.rule,
            evidence=evidence,
        )
    return Reason(
        code="blocking_defect" if defect.gate == "block" else "defect_warning",
        message_en=f"open defect, check failed: {defect.description}",
        message_ru=f"неустранённая неисправность, не пройдена проверка: {defect.description}",
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
