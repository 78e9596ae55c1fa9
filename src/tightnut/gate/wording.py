"""The gate's words: what is wrong and what shows it, as a dispatcher reads them at a glance.

A reason leads with one headline, the fault ("Gas equipment leak"), then its evidence in a
short phrase ("Open defect: 1 of 10 wheel nuts missing or loose (position 4)"). A rule pack
words each item as the requirement an inspector checks ("Gas equipment is tight: no leak…"),
so the faults are named here, by item id: the ids are shared by every jurisdiction's pack, and
an item without a name falls back to its own text. Pure wording: no I/O, no locale data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

FASTENER_UNIT = "fasteners"
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UNITS_EN = {"deg": "°"}
_RU_COUNTED = {FASTENER_UNIT: "шт."}
UNITS_RU = {"deg": "°", "mm": "мм", "MPa": "МПа", "km": "км", "h": "моточ.", "days": "дн."}

FAULTS: dict[str, tuple[str, str]] = {
    "body.floor": ("Floor damaged", "Повреждён пол"),
    "body.guards": ("Guards or handrails missing", "Нет ограждений или поручней"),
    "body.locks": ("Door or body locks do not hold", "Не держат замки дверей или кузова"),
    "brakes.abs": ("ABS fault", "Неисправна АБС"),
    "brakes.air_gauge": ("Brake air gauge faulty", "Неисправен манометр тормозной системы"),
    "brakes.air_leak_chambers": ("Air leak at the brakes", "Утечка воздуха из тормозов"),
    "brakes.air_pressure_drop": (
        "Air brake pressure drops too fast",
        "Слишком быстро падает давление в пневмоприводе тормозов",
    ),
    "brakes.hydraulic_leak": ("Brake fluid leak", "Подтекание тормозной жидкости"),
    "brakes.parking": ("Parking brake does not hold", "Стояночный тормоз не держит"),
    "brakes.service": ("Service brake faulty", "Неисправна рабочая тормозная система"),
    "coupling.brake_connection": (
        "Trailer brake connection faulty",
        "Неисправно соединение тормозов прицепа",
    ),
    "coupling.device": ("Coupling device faulty", "Неисправно тягово-сцепное устройство"),
    "devices.emergency_call": (
        "Emergency call device faulty",
        "Неисправна система экстренного вызова (ЭРА-ГЛОНАСС)",
    ),
    "devices.reverse_alarm": (
        "Reversing alarm or camera faulty",
        "Неисправен сигнал или камера заднего хода",
    ),
    "devices.satellite_navigation": (
        "Satellite navigation terminal faulty",
        "Неисправен терминал спутниковой навигации",
    ),
    "devices.speed_limiter": ("Speed limiter faulty", "Неисправен ограничитель скорости"),
    "devices.tachograph": ("Tachograph faulty", "Неисправен тахограф"),
    "electric.battery": ("Traction battery fault", "Неисправна тяговая батарея"),
    "electric.hv_insulation": (
        "High-voltage insulation fault",
        "Нарушена изоляция высоковольтной системы",
    ),
    "electric.wiring": ("Wiring damaged", "Повреждена электропроводка"),
    "emergency.fire_extinguisher": (
        "Fire extinguisher missing or out of date",
        "Нет огнетушителя или истёк срок его проверки",
    ),
    "emergency.first_aid_kit": ("First-aid kit missing", "Нет аптечки"),
    "emergency.warning_triangle": ("Warning triangle missing", "Нет знака аварийной остановки"),
    "engine.compartment_insulation": (
        "Engine-compartment insulation soaked or torn",
        "Изоляция моторного отсека пропитана маслом или порвана",
    ),
    "engine.fluid_leak": ("Oil or coolant leak", "Подтекание масла или охлаждающей жидкости"),
    "exhaust.leak": ("Exhaust leak", "Негерметична система выпуска"),
    "exhaust.smoke": ("Excessive exhaust smoke", "Повышенная дымность выхлопа"),
    "exits.emergency": ("Emergency exits faulty", "Неисправны аварийные выходы"),
    "exits.service_doors": ("Service doors faulty", "Неисправны двери"),
    "fire.detection": (
        "Engine fire detection faulty",
        "Неисправна система обнаружения пожара в моторном отсеке",
    ),
    "fire.engine_suppression": (
        "Engine fire suppression not ready",
        "Не готова система пожаротушения моторного отсека",
    ),
    "fuel.leak": ("Fuel leak", "Подтекание топлива"),
    "fuel.tank_cap": ("Fuel tank cap missing", "Нет пробки топливного бака"),
    "gas.collision_check": (
        "Gas cylinders need checking after damage",
        "Газовые баллоны требуют проверки после повреждения",
    ),
    "gas.cylinder_certification": (
        "Gas cylinder certification expired",
        "Истёк срок освидетельствования газовых баллонов",
    ),
    "gas.cylinder_condition": ("Gas cylinders damaged", "Повреждены газовые баллоны"),
    "gas.identification_sign": ("Gas vehicle sign missing", "Нет опознавательного знака ГБО"),
    "gas.leak": ("Gas equipment leak", "Утечка газа из газобаллонного оборудования"),
    "glass.view_obstruction": ("Driver's view obstructed", "Ограничен обзор водителя"),
    "glass.windscreen": ("Windscreen damaged", "Повреждено ветровое стекло"),
    "horn.operation": ("Horn does not work", "Не работает звуковой сигнал"),
    "lights.headlamps": ("Headlamps faulty", "Неисправны фары"),
    "lights.plate_lamp": ("Plate lamp faulty or cracked", "Неисправен фонарь номерного знака"),
    "lights.reflectors": ("Reflectors missing or dirty", "Нет или загрязнены световозвращатели"),
    "lights.signals": ("Stop or turn lamps faulty", "Неисправны стоп-сигналы или указатели"),
    "lights.unauthorised_beacons": (
        "Unauthorised beacons fitted",
        "Установлены спецсигналы без права на них",
    ),
    "mirrors.rear_view": ("Mirrors missing or damaged", "Нет или повреждены зеркала"),
    "seat_belts.condition": ("Seat belts faulty", "Неисправны ремни безопасности"),
    "steering.joints": ("Steering joints loose", "Люфт или ослабление в рулевых соединениях"),
    "steering.play": ("Too much steering play", "Превышен люфт рулевого управления"),
    "steering.power_assist": ("Power steering faulty", "Неисправен усилитель руля"),
    "tyres.damage": ("Tyre damaged", "Повреждена шина"),
    "tyres.leak": ("Flat tyre or air leak", "Спущенная шина или утечка воздуха"),
    "tyres.season": ("Wrong tyres for the season", "Шины не по сезону"),
    "tyres.tread_depth": ("Tyre tread too worn", "Недостаточная глубина протектора"),
    "wheels.fasteners": ("Wheel nuts missing or loose", "Нет или ослаблены гайки колеса"),
    "wheels.hub": ("Wheel hub or bearing faulty", "Неисправна ступица или подшипник колеса"),
    "wheels.rim_cracks": ("Wheel rim cracked", "Трещина диска или обода колеса"),
    "wipers.operation": ("Wipers do not work", "Не работают стеклоочистители"),
    "wipers.washer": ("Windscreen washer does not work", "Не работает омыватель"),
}


def fault_of(item_id: str, text_en: str, text_ru: str) -> tuple[str, str]:
    """The fault's name in English and Russian; an unnamed item says which check it failed."""
    named = FAULTS.get(item_id)
    if named is not None:
        return named
    return f"Failed check: {_lead(text_en)}", f"Не пройдена проверка: {_lead(text_ru)}"


def _lead(text: str) -> str:
    """The part of an item's text before its details, e.g. 'Service brake'."""
    return text.split(":", 1)[0].strip() or text


def line(headline: str, evidence: str) -> str:
    """A headline and its evidence as one line."""
    return f"{headline} — {evidence}" if evidence else headline


@dataclass(frozen=True)
class Found:
    """What the inspector recorded for a failed item, in words of both languages."""

    parts_en: tuple[str, ...]
    parts_ru: tuple[str, ...]

    @classmethod
    def of(
        cls, recorded: Mapping[str, object], unit: str | None, fastener_positions: int | None
    ) -> Found:
        """The count, the measured value and the note, each as a short phrase."""
        en: list[str] = []
        ru: list[str] = []
        count, value, note = recorded.get("count"), recorded.get("value"), recorded.get("note")
        if isinstance(count, int) and not isinstance(count, bool):
            positions = _positions(recorded.get("positions"))
            en.append(_count_en(count, unit, fastener_positions, positions))
            ru.append(_count_ru(count, unit, fastener_positions, positions))
        if isinstance(value, int | float) and not isinstance(value, bool):
            en.append(f"measured {number_en(value)}{_unit(UNITS_EN, unit)}")
            ru.append(f"измерено {number_ru(value)}{_unit(UNITS_RU, unit)}")
        if isinstance(note, str) and note.strip():
            en.append(f"“{note.strip()}”")
            ru.append(f"«{note.strip()}»")
        return cls(tuple(en), tuple(ru))

    def after_en(self, lead: str, label: str = "") -> str:
        """``lead``, then what was found (after ``label``, if given)."""
        return _after(lead, label, self.parts_en)

    def after_ru(self, lead: str, label: str = "") -> str:
        """``lead``, then what was found, in Russian."""
        return _after(lead, label, self.parts_ru)


def _after(lead: str, label: str, parts: tuple[str, ...]) -> str:
    if not parts:
        return lead
    return f"{lead}{'; ' + label if label else ''}: {'; '.join(parts)}"


def _positions(raw: object) -> tuple[int, ...]:
    if not isinstance(raw, list | tuple):
        return ()
    return tuple(p for p in raw if isinstance(p, int))


def _count_en(count: int, unit: str | None, wheel: int | None, positions: tuple[int, ...]) -> str:
    where = ""
    if positions:
        word = "position" if len(positions) == 1 else "positions"
        where = f" ({word} {', '.join(map(str, positions))})"
    if unit == FASTENER_UNIT and wheel:
        return f"{count} of {wheel} on the wheel{where}"
    return f"{count} {unit or ''}".strip() + where


def _count_ru(count: int, unit: str | None, wheel: int | None, positions: tuple[int, ...]) -> str:
    where = ""
    if positions:
        word = "позиция" if len(positions) == 1 else "позиции"
        where = f" ({word} {', '.join(map(str, positions))})"
    if unit == FASTENER_UNIT and wheel:
        return f"{count} из {wheel} на колесе{where}"
    return f"{count} {_RU_COUNTED.get(unit or '', unit or '')}".strip() + where


def _unit(names: Mapping[str, str], unit: str | None) -> str:
    if not unit:
        return ""
    named = names.get(unit, unit)
    return named if named == "°" else f" {named}"


def number_en(value: float) -> str:
    """A number as few digits as it needs: 800, 0.05."""
    return f"{value:g}"


def number_ru(value: float) -> str:
    """A number with the Russian decimal comma: 0,05."""
    return f"{value:g}".replace(".", ",")


def unit_ru(unit: str) -> str:
    """A maintenance unit in Russian: км, моточ., дн."""
    return UNITS_RU.get(unit, unit)


def date_en(day: date) -> str:
    """A day in English without locale data: 30 Nov 2026."""
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def date_ru(day: date) -> str:
    """A day as Russians write it: 30.11.2026."""
    return day.strftime("%d.%m.%Y")


def code_ru(task_code: str) -> str:
    """A maintenance code in Cyrillic where it is the ТО series: TO-2 → ТО-2."""
    return re.sub(r"^TO-(?=\d)", "ТО-", task_code)


def task_ru(task_code: str) -> str:
    """A maintenance task as the object of «Просрочено …»: ТО-2, or the code after a colon."""
    russian = code_ru(task_code)
    return russian if russian != task_code else f"обязательное ТО: {task_code}"
