"""Meter plausibility and utilisation: how fast a vehicle really runs up km and engine hours.

Utilisation estimator: the rate over a trailing window — the newest reading minus the reading
at or just before ``WINDOW_DAYS`` earlier (or the oldest one, when the history is shorter),
divided by the days between them; spans shorter than a day leave the estimate as it was.
Readings from before the last meter replacement are not used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tightnut.config import Settings
from tightnut.errors import Invalid
from tightnut.fleet.models import Meter, MeterReading, MeterReplacement, Vehicle

WINDOW_DAYS = 30


@dataclass(frozen=True)
class MeterLimits:
    """The fastest a meter can plausibly advance."""

    max_km_per_hour: float
    max_engine_hours_per_day: float


def limits_of(settings: Settings) -> MeterLimits:
    """The plausibility limits configured for this installation."""
    return MeterLimits(
        max_km_per_hour=settings.max_km_per_hour,
        max_engine_hours_per_day=settings.max_engine_hours_per_day,
    )


def check_jump(
    session: Session,
    vehicle: Vehicle,
    meter: Meter,
    value: float,
    at: datetime,
    limits: MeterLimits,
) -> None:
    """Refuse a reading that rose faster since the last one than the vehicle could run."""
    last = session.execute(
        select(MeterReading.value, MeterReading.read_at)
        .where(MeterReading.vehicle_id == vehicle.id, MeterReading.meter == meter)
        .order_by(MeterReading.read_at.desc(), MeterReading.id.desc())
        .limit(1)
    ).first()
    if last is None or value <= last.value:
        return
    hours = max((at - last.read_at).total_seconds() / 3600, 0.0)
    if meter is Meter.ODOMETER_KM:
        limit, unit = limits.max_km_per_hour * hours, f"{limits.max_km_per_hour:g} km/h"
    else:
        limit, unit = (
            limits.max_engine_hours_per_day * hours / 24,
            f"{limits.max_engine_hours_per_day:g} h/day",
        )
    if value - last.value > limit + 1e-9:
        raise Invalid(
            f"{meter.value} rose by {value - last.value:g} in {hours:.1f} h since the last reading "
            f"({last.value:g}); faster than {unit} is not plausible",
            field=meter.value,
        )


def refresh_utilisation(
    session: Session, vehicle: Vehicle, meter: Meter, value: float, at: datetime
) -> None:
    """Re-estimate the vehicle's daily rate for ``meter`` after a new reading."""
    replaced = session.scalar(
        select(func.max(MeterReplacement.replaced_at)).where(
            MeterReplacement.vehicle_id == vehicle.id, MeterReplacement.meter == meter
        )
    )
    base = (
        select(MeterReading.value, MeterReading.read_at)
        .where(MeterReading.vehicle_id == vehicle.id, MeterReading.meter == meter)
        .where(MeterReading.read_at < at)
    )
    if replaced is not None:
        base = base.where(MeterReading.read_at >= replaced)
    cut = at - timedelta(days=WINDOW_DAYS)
    earlier = (
        session.execute(
            base.where(MeterReading.read_at <= cut).order_by(MeterReading.read_at.desc()).limit(1)
        ).first()
        or session.execute(base.order_by(MeterReading.read_at).limit(1)).first()
    )
    if earlier is None:
        return
    days = (at - earlier.read_at).total_seconds() / 86400
    if days < 1:
        return
    rate = max(value - earlier.value, 0.0) / days
    if meter is Meter.ODOMETER_KM:
        vehicle.km_per_day = rate
    else:
        vehicle.hours_per_day = rate
