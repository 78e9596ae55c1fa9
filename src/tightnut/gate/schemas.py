"""What the API gives for gate decisions, releases and the depot board."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from tightnut.fields import Body, ClientTime
from tightnut.gate.kernel import GateDecision
from tightnut.gate.service import BoardRow, reason_dict


class RuleRefRead(BaseModel):
    """Where a reason comes from."""

    jurisdiction: str
    item_id: str | None
    clause: str
    verification: str


class ReasonRead(BaseModel):
    """One reason, in English and Russian, with its rule and evidence.

    ``message`` is the whole reason in one line; ``headline`` says what is wrong and
    ``evidence_text`` what shows it. Reasons recorded before the headline existed carry
    only the message.
    """

    code: str
    message: str
    message_ru: str
    headline: str = ""
    headline_ru: str = ""
    evidence_text: str = ""
    evidence_text_ru: str = ""
    blocking: bool
    rule: RuleRefRead | None
    evidence: dict[str, object]


class GateDecisionRead(BaseModel):
    """The gate's answer for one vehicle."""

    vehicle_id: int
    may_release: bool
    shift_start: datetime
    shift_end: datetime
    inspection_id: int | None
    reasons: list[ReasonRead]
    warnings: list[ReasonRead]

    @classmethod
    def of(cls, decision: GateDecision) -> GateDecisionRead:
        """The API view of a kernel decision."""
        return cls(
            vehicle_id=decision.vehicle_id,
            may_release=decision.may_release,
            shift_start=decision.shift.start,
            shift_end=decision.shift.end,
            inspection_id=decision.inspection_id,
            reasons=[ReasonRead.model_validate(reason_dict(r)) for r in decision.reasons],
            warnings=[ReasonRead.model_validate(reason_dict(r)) for r in decision.warnings],
        )


class ReleaseRequest(Body):
    """A request to release a vehicle to the line."""

    client_time: ClientTime | None = None


class ReleaseRead(BaseModel):
    """A recorded release or refusal."""

    release_id: int
    released: bool
    decided_at: datetime
    decision: GateDecisionRead


class BoardRowRead(BaseModel):
    """One vehicle on the board."""

    vehicle_id: int
    plate: str
    vehicle_class: str
    engine_type: str
    model: str
    state: str
    inspected_at: datetime | None
    released_at: datetime | None
    reasons: list[ReasonRead]
    warnings: list[ReasonRead]

    @classmethod
    def of(cls, row: BoardRow) -> BoardRowRead:
        """The API view of a board row."""
        decision = GateDecisionRead.of(row.decision)
        return cls(
            vehicle_id=row.vehicle.id,
            plate=row.vehicle.plate,
            vehicle_class=row.vehicle.vehicle_class,
            engine_type=row.vehicle.engine_type,
            model=row.vehicle.model,
            state=row.state,
            inspected_at=row.inspected_at,
            released_at=row.released_at,
            reasons=decision.reasons,
            warnings=decision.warnings,
        )


class BoardRead(BaseModel):
    """The depot board for the current shift."""

    depot_id: int
    depot: str
    timezone: str
    shift_start: datetime
    shift_end: datetime
    counts: dict[str, int]
    vehicles: list[BoardRowRead]


class ReleaseHistoryRead(BaseModel):
    """One recorded release decision: released or refused, with every reason as it was given."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    vehicle_id: int
    depot_id: int
    user_id: int
    inspection_id: int | None
    released: bool
    decided_at: datetime
    client_time: datetime | None
    shift_start: datetime
    reasons: list[ReasonRead]
    warnings: list[ReasonRead]
