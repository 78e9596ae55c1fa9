"""The pure gate decision and shift windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tightnut.gate.kernel import (
    CertificationFact,
    DefectFact,
    GateFacts,
    InspectionFact,
    Reason,
    RuleRef,
    decide,
)
from tightnut.gate.shifts import current_shift

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
SHIFT = current_shift(
    NOW, timezone="Europe/Moscow", shift_starts=["05:00", "14:00"], lead=timedelta(hours=3)
)
RULE = RuleRef("RU", "gas.leak", "Перечень п. 6", "secondary")


def _facts(**overrides: object) -> GateFacts:
    fields: dict[str, object] = {
        "vehicle_id": 1,
        "now": NOW,
        "today": NOW.date(),
        "shift": SHIFT,
        "inspection": InspectionFact(id=10, performed_at=NOW - timedelta(minutes=30)),
    }
    fields.update(overrides)
    return GateFacts(**fields)  # type: ignore[arg-type]


def _defect(status: str = "open", gate: str = "block") -> DefectFact:
    return DefectFact(
        id=5,
        item_id="gas.leak",
        status=status,
        gate=gate,
        severity="dangerous",
        description="gas leak",
        opened_at=NOW - timedelta(hours=1),
        repaired_at=NOW - timedelta(minutes=10) if status == "repaired" else None,
        rule=RULE,
    )


def test_shift_is_found_in_the_depot_zone() -> None:
    # 06:00 UTC is 09:00 in Moscow: the 05:00 shift, which began at 02:00 UTC.
    assert SHIFT.start == datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    assert SHIFT.end == datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    assert SHIFT.valid_from == SHIFT.start - timedelta(hours=3)


def test_night_shift_runs_past_midnight() -> None:
    late = datetime(2026, 11, 28, 22, 30, tzinfo=UTC)  # 01:30 in Moscow on the 29th
    shift = current_shift(
        late, timezone="Europe/Moscow", shift_starts=["05:00", "14:00"], lead=timedelta()
    )
    assert shift.start == datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    assert shift.end == datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def test_clean_vehicle_may_go() -> None:
    decision = decide(_facts())
    assert decision.may_release
    assert decision.reasons == ()


def test_no_inspection_blocks() -> None:
    decision = decide(_facts(inspection=None))
    assert not decision.may_release
    assert [r.code for r in decision.reasons] == ["not_inspected"]


def test_every_reason_is_listed_not_just_the_first() -> None:
    expired = CertificationFact(kind="gas_cylinder", due=date(2026, 11, 1), rule=RULE)
    alarm = Reason(
        code="telemetry_alarm", message_en="battery hot", message_ru="перегрев", blocking=True
    )
    decision = decide(
        _facts(
            inspection=None, defects=(_defect(),), certifications=(expired,), extra_reasons=(alarm,)
        )
    )
    assert [r.code for r in decision.reasons] == [
        "not_inspected",
        "blocking_defect",
        "certification_expired",
        "telemetry_alarm",
    ]


def test_repaired_defect_still_needs_reinspection() -> None:
    decision = decide(_facts(defects=(_defect("repaired"),)))
    assert [r.code for r in decision.reasons] == ["reinspection_required"]
    assert decision.reasons[0].rule == RULE


def test_warn_defect_warns_but_releases() -> None:
    decision = decide(_facts(defects=(_defect(gate="warn"),)))
    assert decision.may_release
    assert [w.code for w in decision.warnings] == ["defect_warning"]


def test_certification_due_today_is_still_valid() -> None:
    due_today = CertificationFact(kind="gas_cylinder", due=NOW.date(), rule=None)
    assert decide(_facts(certifications=(due_today,))).may_release
