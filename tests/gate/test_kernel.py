"""The pure gate decision and shift windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tightnut.gate.kernel import (
    CertificationFact,
    DefectFact,
    FailedItemFact,
    GateFacts,
    InspectionFact,
    OutOfServiceFact,
    OverdueTaskFact,
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
        description_ru="утечка газа",
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
    decision = decide(
        _facts(
            inspection=None,
            defects=(_defect(),),
            certifications=(expired,),
            overdue_tasks=(_overdue(),),
            out_of_service=OutOfServiceFact(since=NOW, reason="accident damage"),
        )
    )
    assert [r.code for r in decision.reasons] == [
        "out_of_service",
        "not_inspected",
        "blocking_defect",
        "certification_expired",
        "maintenance_overdue",
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


def _overdue() -> OverdueTaskFact:
    return OverdueTaskFact(
        task_code="wheel-retorque",
        task_name="Wheel-nut re-torque",
        programme_code="city-bus-12m",
        driver="km",
        unit="km",
        overdue_by=30.0,
        remaining_km=-130.0,
        remaining_hours=None,
        remaining_days=None,
        rule=RuleRef("RU", "maintenance.wheel-retorque", "programme", "unverified"),
    )


def _failure(item_id: str = "gas.leak") -> FailedItemFact:
    return FailedItemFact(
        item_id=item_id,
        text_en="Gas equipment is tight",
        text_ru="Газовое оборудование герметично",
        severity="dangerous",
        rule=RULE,
        recorded={"note": "smell of gas at the rear"},
    )


def test_inspection_with_a_blocking_failure_refuses_even_without_a_defect() -> None:
    inspection = InspectionFact(
        id=10, performed_at=NOW - timedelta(minutes=5), blocking_failures=(_failure(),)
    )
    decision = decide(_facts(inspection=inspection))
    assert not decision.may_release
    (reason,) = decision.reasons
    assert reason.code == "inspection_failed"
    assert reason.rule == RULE
    assert reason.evidence["inspection_id"] == 10
    assert reason.evidence["note"] == "smell of gas at the rear"
    assert "Газовое оборудование герметично" in reason.message_ru


def test_failed_item_and_its_blocking_defect_are_one_reason_not_two() -> None:
    inspection = InspectionFact(
        id=10, performed_at=NOW - timedelta(minutes=5), blocking_failures=(_failure(),)
    )
    decision = decide(_facts(inspection=inspection, defects=(_defect(),)))
    assert [r.code for r in decision.reasons] == ["blocking_defect"]


def test_failed_item_still_blocks_when_its_defect_only_warns() -> None:
    inspection = InspectionFact(
        id=10, performed_at=NOW - timedelta(minutes=5), blocking_failures=(_failure(),)
    )
    decision = decide(_facts(inspection=inspection, defects=(_defect(gate="warn"),)))
    assert not decision.may_release
    assert [r.code for r in decision.reasons] == ["inspection_failed"]
    assert [w.code for w in decision.warnings] == ["defect_warning"]


def test_overdue_task_is_worded_by_the_kernel_in_both_languages() -> None:
    decision = decide(_facts(overdue_tasks=(_overdue(),)))
    (reason,) = decision.reasons
    assert reason.message_en == (
        "safety-critical maintenance overdue: Wheel-nut re-torque, 30 km past tolerance"
    )
    assert reason.message_ru == "просрочено обязательное ТО: wheel-retorque, на 30 км сверх допуска"
    assert reason.evidence["unit"] == "km"


def test_russian_defect_message_uses_the_russian_item_text() -> None:
    decision = decide(_facts(defects=(_defect(),)))
    assert decision.reasons[0].message_ru.endswith("утечка газа")
    assert "gas leak" not in decision.reasons[0].message_ru
