"""The pure gate decision and shift windows."""

from __future__ import annotations

from dataclasses import replace
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
    assert reason.headline_en == "Gas equipment leak"
    assert reason.headline_ru == "Утечка газа из газобаллонного оборудования"
    assert reason.evidence_en == "Failed at the pre-shift inspection: “smell of gas at the rear”"
    assert reason.message_ru.startswith("Утечка газа")


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
    assert reason.headline_en == "Maintenance overdue: wheel-retorque"
    assert reason.evidence_en == "30 km past tolerance (Wheel-nut re-torque)"
    assert reason.message_en == (
        "Maintenance overdue: wheel-retorque — 30 km past tolerance (Wheel-nut re-torque)"
    )
    assert reason.message_ru == (
        "Просрочено обязательное ТО: wheel-retorque — на 30 км сверх допуска"
    )
    assert reason.evidence["unit"] == "km"


def test_the_to_series_reads_in_cyrillic_in_russian() -> None:
    task = replace(_overdue(), task_code="TO-2", task_name="Second maintenance", overdue_by=800.0)
    (reason,) = decide(_facts(overdue_tasks=(task,))).reasons
    assert reason.headline_ru == "Просрочено ТО-2"
    assert reason.evidence_ru == "на 800 км сверх допуска"


def test_russian_defect_message_names_the_fault_in_russian() -> None:
    decision = decide(_facts(defects=(_defect(),)))
    assert decision.reasons[0].headline_ru == "Утечка газа из газобаллонного оборудования"
    assert "gas leak" not in decision.reasons[0].message_ru.lower()


def test_an_unnamed_item_falls_back_to_its_own_text_in_each_language() -> None:
    defect = replace(_defect(), item_id="gas.new_check")
    (reason,) = decide(_facts(defects=(defect,))).reasons
    assert reason.headline_en == "Failed check: gas leak"
    assert reason.headline_ru == "Не пройдена проверка: утечка газа"


def test_a_defect_reason_reads_headline_then_evidence_without_repeating_the_item() -> None:
    recorded = {"count": 2, "positions": [4, 5], "note": "rear left outer"}
    nuts = replace(_defect(), item_id="wheels.fasteners", recorded=recorded, unit="fasteners")
    (reason,) = decide(_facts(defects=(nuts,), fastener_positions=10)).reasons
    assert reason.headline_en == "Wheel nuts missing or loose"
    assert (
        reason.evidence_en
        == "Open defect: 2 of 10 on the wheel (positions 4, 5); “rear left outer”"
    )
    assert reason.evidence_ru == (
        "Неисправность не устранена: 2 из 10 на колесе (позиции 4, 5); «rear left outer»"
    )
    assert reason.message_en == f"{reason.headline_en} — {reason.evidence_en}"
    assert "positions 4:" not in reason.message_en
    assert "limit" not in reason.message_en


def test_a_measured_value_is_shown_with_its_unit_in_each_language() -> None:
    play = FailedItemFact(
        item_id="steering.play",
        text_en="Total steering play, degrees",
        text_ru="Суммарный люфт рулевого управления, градусы",
        severity="dangerous",
        rule=RULE,
        recorded={"value": 25.5},
        unit="deg",
    )
    inspection = InspectionFact(id=11, performed_at=NOW, blocking_failures=(play,))
    (reason,) = decide(_facts(inspection=inspection)).reasons
    assert reason.headline_en == "Too much steering play"
    assert reason.evidence_en.endswith("measured 25.5°")
    assert reason.evidence_ru.endswith("измерено 25,5°")


def test_a_repaired_defect_says_it_waits_for_re_inspection() -> None:
    (reason,) = decide(_facts(defects=(_defect("repaired"),))).reasons
    assert reason.headline_en == "Gas equipment leak: awaiting re-inspection"
    assert reason.evidence_en == "Repaired, not yet re-inspected"
    assert reason.headline_ru.endswith("ждёт повторного контроля")


def test_an_expired_certificate_gives_its_date_in_each_language() -> None:
    expired = CertificationFact(kind="gas_cylinder", due=date(2026, 11, 1), rule=RULE)
    (reason,) = decide(_facts(certifications=(expired,))).reasons
    assert reason.message_en == "Gas cylinder certification expired — valid until 1 Nov 2026"
    assert reason.message_ru == (
        "Истёк срок освидетельствования газовых баллонов — действовало до 01.11.2026"
    )
