"""Depots, vehicles and meters, always scoped to the caller's operator."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from tightnut.auth.rights import Actor, Right
from tightnut.db import utcnow
from tightnut.errors import Conflict, Invalid, NotFound, TightnutError
from tightnut.fleet.meters import DEFAULT_LIMITS, MeterLimits, check_jump, refresh_utilisation
from tightnut.fleet.models import Depot, Meter, MeterReading, MeterReplacement, Vehicle
from tightnut.fleet.schemas import GAS_ENGINES, DepotCreate, MeterReplacementCreate, VehicleCreate
from tightnut.fleet.vin import vin_problem


def create_depot(session: Session, actor: Actor, *, data: DepotCreate) -> Depot:
    """A new depot of the caller's operator."""
    actor.require(Right.MANAGE_FLEET)
    depot = Depot(operator_id=actor.operator_id, **data.model_dump())
    session.add(depot)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a depot named '{data.name}' exists", field="name") from None
    return depot


def get_depot(session: Session, actor: Actor, depot_id: int) -> Depot:
    """The caller's depot ``depot_id``; 404 for anyone else's."""
    depot = session.get(Depot, depot_id)
    if depot is None or depot.operator_id != actor.operator_id:
        raise NotFound(f"no depot {depot_id}")
    return depot


def list_depots(session: Session, actor: Actor) -> Sequence[Depot]:
    """The caller's depots by name."""
    query = select(Depot).where(Depot.operator_id == actor.operator_id).order_by(Depot.name)
    return session.scalars(query).all()


def get_vehicle(session: Session, actor: Actor, vehicle_id: int) -> Vehicle:
    """The caller's vehicle ``vehicle_id``; 404 for anyone else's."""
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None or vehicle.operator_id != actor.operator_id:
        raise NotFound(f"no vehicle {vehicle_id}")
    return vehicle


def list_vehicles(
    session: Session, actor: Actor, *, depot_id: int | None = None
) -> Sequence[Vehicle]:
    """The caller's vehicles, optionally of one depot, by plate."""
    query = select(Vehicle).where(Vehicle.operator_id == actor.operator_id)
    if depot_id is not None:
        query = query.where(Vehicle.depot_id == depot_id)
    return session.scalars(query.order_by(Vehicle.plate)).all()


def vehicle_problems(session: Session, actor: Actor, data: VehicleCreate) -> list[TightnutError]:
    """Every refusal that stops ``data`` from becoming a vehicle; empty when none."""
    depot = session.get(Depot, data.depot_id)
    if depot is None or depot.operator_id != actor.operator_id:
        return [NotFound(f"no depot {data.depot_id}", field="depot_id")]
    problems: list[TightnutError] = []
    if data.vin and (problem := vin_problem(data.vin, jurisdiction=depot.jurisdiction)):
        problems.append(Invalid(problem, field="vin"))
    if data.engine_type in GAS_ENGINES and data.gas_cylinder_cert_due is None:
        problems.append(
            Invalid("required for a gas-fuelled vehicle", field="gas_cylinder_cert_due")
        )
    if _taken(session, actor.operator_id, Vehicle.plate, data.plate):
        problems.append(Conflict(f"plate '{data.plate}' is already registered", field="plate"))
    if data.vin and _taken(session, actor.operator_id, Vehicle.vin, data.vin):
        problems.append(Conflict(f"VIN '{data.vin}' is already registered", field="vin"))
    return problems


def _taken(
    session: Session, operator_id: int, column: InstrumentedAttribute[str | None], value: str
) -> bool:
    query = select(Vehicle.id).where(Vehicle.operator_id == operator_id, column == value)
    return session.scalar(query.limit(1)) is not None


def create_vehicle(session: Session, actor: Actor, *, data: VehicleCreate) -> Vehicle:
    """A new vehicle; a duplicate plate or VIN is a conflict, a bad VIN is invalid."""
    actor.require(Right.MANAGE_FLEET)
    problems = vehicle_problems(session, actor, data)
    if problems:
        raise problems[0]
    return add_vehicle(session, actor, data)


def add_vehicle(session: Session, actor: Actor, data: VehicleCreate) -> Vehicle:
    """Insert a vehicle already checked by ``vehicle_problems``."""
    vehicle = Vehicle(operator_id=actor.operator_id, **data.model_dump())
    session.add(vehicle)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("plate or VIN already registered", field="plate") from None
    for meter in Meter:
        value = getattr(data, meter.value)
        if value is not None:
            session.add(
                MeterReading(vehicle_id=vehicle.id, meter=meter, value=value, source="register")
            )
    return vehicle


def record_meter(
    session: Session,
    actor: Actor,
    vehicle: Vehicle,
    *,
    meter: Meter,
    value: float,
    source: str,
    client_time: datetime | None = None,
    limits: MeterLimits = DEFAULT_LIMITS,
) -> MeterReading:
    """Append a reading; lower than the last or an implausible jump is refused."""
    actor.require(Right.RECORD_METERS)
    current = getattr(vehicle, meter.value)
    if current is not None and value < current:
        raise Invalid(
            f"{meter.value} reading {value:g} is lower than the last reading {current:g}; "
            "record a meter replacement if the meter was changed",
            field=meter.value,
        )
    now = utcnow()
    check_jump(session, vehicle, meter, value, now, limits)
    refresh_utilisation(session, vehicle, meter, value, now)
    setattr(vehicle, meter.value, value)
    reading = MeterReading(
        vehicle_id=vehicle.id,
        meter=meter,
        value=value,
        source=source,
        client_time=client_time,
        user_id=actor.user_id,
        read_at=now,
    )
    session.add(reading)
    session.flush()
    return reading


def replace_meter(
    session: Session, actor: Actor, vehicle: Vehicle, *, data: MeterReplacementCreate
) -> MeterReplacement:
    """Record a replaced meter: its final value, the new one's start, and keep lifetime totals."""
    actor.require(Right.MANAGE_FLEET)
    current = getattr(vehicle, data.meter.value)
    if current is not None and data.old_final_value < current:
        raise Invalid(
            f"final reading {data.old_final_value:g} is below the last reading {current:g}",
            field="old_final_value",
        )
    offset_name = "odometer_offset_km" if data.meter is Meter.ODOMETER_KM else "engine_hours_offset"
    offset = getattr(vehicle, offset_name) + data.old_final_value - data.new_start_value
    setattr(vehicle, offset_name, offset)
    setattr(vehicle, data.meter.value, data.new_start_value)
    event = MeterReplacement(vehicle_id=vehicle.id, user_id=actor.user_id, **data.model_dump())
    session.add(event)
    session.add(
        MeterReading(
            vehicle_id=vehicle.id,
            meter=data.meter,
            value=data.new_start_value,
            source="replacement",
            user_id=actor.user_id,
        )
    )
    session.flush()
    return event
