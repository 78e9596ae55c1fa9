"""Depots, vehicles and meters, always scoped to the caller's operator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from tightnut.auth.rights import Actor, Right
from tightnut.db import utcnow
from tightnut.errors import Conflict, Invalid, NotFound, TightnutError
from tightnut.fleet.meters import MeterLimits, check_jump, refresh_utilisation
from tightnut.fleet.models import (
    Depot,
    Meter,
    MeterReading,
    MeterReplacement,
    Vehicle,
    VehicleEvent,
)
from tightnut.fleet.schemas import (
    GAS_ENGINES,
    DepotCreate,
    DepotUpdate,
    MeterReplacementCreate,
    VehicleCreate,
    VehicleFilter,
    VehicleUpdate,
)
from tightnut.fleet.vin import vin_problem
from tightnut.paging import PageRequest, Slice, keyset

QueryT = TypeVar("QueryT")


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


def update_depot(session: Session, actor: Actor, depot: Depot, *, data: DepotUpdate) -> Depot:
    """Rename a depot, or change its time zone, rule jurisdiction or shift start times."""
    actor.require(Right.MANAGE_FLEET)
    if depot.operator_id != actor.operator_id:
        raise NotFound(f"no depot {depot.id}")
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(depot, name, value)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"a depot named '{data.name}' exists", field="name") from None
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
    session: Session,
    actor: Actor,
    *,
    page: PageRequest,
    depot_id: int | None = None,
    filters: VehicleFilter | None = None,
) -> Slice[Vehicle]:
    """One page of the caller's vehicles by plate, optionally of one depot or filtered."""
    query = _filtered(select(Vehicle), actor, filters or VehicleFilter())
    if depot_id is not None:
        query = query.where(Vehicle.depot_id == depot_id)
    return keyset(
        session, query, key=Vehicle.plate, row_id=Vehicle.id, page=page, newest_first=False
    )


def count_vehicles(session: Session, actor: Actor, *, filters: VehicleFilter) -> int:
    """How many of the caller's vehicles ``filters`` lets through."""
    query = _filtered(select(func.count()).select_from(Vehicle), actor, filters)
    return session.scalar(query) or 0


def _filtered(query: Select[QueryT], actor: Actor, filters: VehicleFilter) -> Select[QueryT]:
    """``query`` over the caller's vehicles narrowed by each filter given."""
    query = query.where(Vehicle.operator_id == actor.operator_id)
    if filters.q:
        plate = filters.q.upper().replace(" ", "")
        query = query.where(
            Vehicle.plate.contains(plate, autoescape=True)
            | Vehicle.vin.contains(plate, autoescape=True)
            | Vehicle.model.icontains(filters.q, autoescape=True)
        )
    if filters.depot_id is not None:
        query = query.where(Vehicle.depot_id == filters.depot_id)
    if filters.vehicle_class is not None:
        query = query.where(Vehicle.vehicle_class == filters.vehicle_class)
    if filters.engine_type is not None:
        query = query.where(Vehicle.engine_type == filters.engine_type)
    if filters.service == "in":
        query = query.where(Vehicle.out_of_service_at.is_(None))
    elif filters.service == "out":
        query = query.where(Vehicle.out_of_service_at.is_not(None))
    return query


def meter_history(session: Session, vehicle: Vehicle, *, page: PageRequest) -> Slice[MeterReading]:
    """One page of the vehicle's meter readings, newest first."""
    query = select(MeterReading).where(MeterReading.vehicle_id == vehicle.id)
    return keyset(session, query, key=MeterReading.read_at, row_id=MeterReading.id, page=page)


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
    session: Session,
    operator_id: int,
    column: InstrumentedAttribute[str | None],
    value: str,
    *,
    other_than: int | None = None,
) -> bool:
    query = select(Vehicle.id).where(Vehicle.operator_id == operator_id, column == value)
    if other_than is not None:
        query = query.where(Vehicle.id != other_than)
    return session.scalar(query.limit(1)) is not None


def update_vehicle(
    session: Session, actor: Actor, vehicle: Vehicle, *, data: VehicleUpdate
) -> Vehicle:
    """Change a vehicle's depot, plate or descriptive fields; each change is a vehicle event."""
    actor.require(Right.MANAGE_FLEET)
    changes = {
        name: value
        for name, value in data.model_dump(exclude_unset=True).items()
        if getattr(vehicle, name) != value
    }
    problems = _update_problems(session, actor, vehicle, changes)
    if problems:
        raise problems[0]
    now = utcnow()
    for name, value in changes.items():
        detail = {"from": _plain(getattr(vehicle, name)), "to": _plain(value)}
        session.add(
            _event(
                vehicle,
                actor,
                kind=_CHANGE_KINDS.get(name, f"{name}_changed"),
                at=now,
                detail=detail,
            )
        )
        setattr(vehicle, name, value)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("plate or VIN already registered", field="plate") from None
    return vehicle


_CHANGE_KINDS = {"depot_id": "depot_changed"}


def _update_problems(
    session: Session, actor: Actor, vehicle: Vehicle, changes: Mapping[str, object]
) -> list[TightnutError]:
    """Every refusal that stops ``changes`` from applying to ``vehicle``; empty when none."""
    depot_id = changes.get("depot_id", vehicle.depot_id)
    depot = session.get(Depot, depot_id)
    if depot is None or depot.operator_id != actor.operator_id:
        return [NotFound(f"no depot {depot_id}", field="depot_id")]
    after = {**_descriptive(vehicle), **changes}
    plate, vin = changes.get("plate"), after["vin"]
    problems: list[TightnutError] = []
    moved_or_renamed = {"vin", "depot_id"} & changes.keys()
    if isinstance(vin, str) and moved_or_renamed and (problem := _vin_problem(vin, depot)):
        problems.append(Invalid(problem, field="vin"))
    if vehicle.engine_type in GAS_ENGINES and after["gas_cylinder_cert_due"] is None:
        problems.append(
            Invalid("required for a gas-fuelled vehicle", field="gas_cylinder_cert_due")
        )
    if isinstance(plate, str) and _taken(
        session, actor.operator_id, Vehicle.plate, plate, other_than=vehicle.id
    ):
        problems.append(Conflict(f"plate '{plate}' is already registered", field="plate"))
    if (
        "vin" in changes
        and isinstance(vin, str)
        and _taken(session, actor.operator_id, Vehicle.vin, vin, other_than=vehicle.id)
    ):
        problems.append(Conflict(f"VIN '{vin}' is already registered", field="vin"))
    return problems


def _vin_problem(vin: str, depot: Depot) -> str | None:
    return vin_problem(vin, jurisdiction=depot.jurisdiction)


def _descriptive(vehicle: Vehicle) -> dict[str, object]:
    return {name: getattr(vehicle, name) for name in VehicleUpdate.model_fields}


def _plain(value: object) -> object:
    """A value as JSON keeps it in an event's detail."""
    return value.isoformat() if isinstance(value, date) else value


def take_out_of_service(
    session: Session, actor: Actor, vehicle: Vehicle, *, reason: str
) -> Vehicle:
    """Take a vehicle off the line: it leaves the board and the gate refuses it."""
    actor.require(Right.MANAGE_FLEET)
    now = utcnow()
    taken = session.scalar(
        update(Vehicle)
        .where(Vehicle.id == vehicle.id, Vehicle.out_of_service_at.is_(None))
        .values(out_of_service_at=now, out_of_service_reason=reason)
        .returning(Vehicle.id)
    )
    if taken is None:
        session.refresh(vehicle)
        raise Conflict(
            f"vehicle {vehicle.plate} is out of service already: {vehicle.out_of_service_reason}"
        )
    session.add(_event(vehicle, actor, kind="out_of_service", at=now, detail={"reason": reason}))
    session.flush()
    return vehicle


def return_to_service(session: Session, actor: Actor, vehicle: Vehicle, *, note: str) -> Vehicle:
    """Put a vehicle back on the line; the event keeps why it was off."""
    actor.require(Right.MANAGE_FLEET)
    since, reason = vehicle.out_of_service_at, vehicle.out_of_service_reason
    returned = session.scalar(
        update(Vehicle)
        .where(Vehicle.id == vehicle.id, Vehicle.out_of_service_at.is_not(None))
        .values(out_of_service_at=None, out_of_service_reason=None)
        .returning(Vehicle.id)
    )
    if returned is None:
        raise Conflict(f"vehicle {vehicle.plate} is in service")
    detail = {"out_of_service_at": _plain(since), "reason": reason, "note": note}
    session.add(_event(vehicle, actor, kind="returned_to_service", at=utcnow(), detail=detail))
    session.flush()
    return vehicle


def _event(
    vehicle: Vehicle, actor: Actor, *, kind: str, at: datetime, detail: dict[str, object]
) -> VehicleEvent:
    return VehicleEvent(
        vehicle_id=vehicle.id,
        kind=kind,
        at=at,
        odometer_km=vehicle.odometer_km,
        engine_hours=vehicle.engine_hours,
        detail=detail,
        user_id=actor.user_id,
    )


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
    limits: MeterLimits,
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


def lock_vehicle(session: Session, vehicle: Vehicle) -> Vehicle:
    """Hold the vehicle's row to the end of the transaction, so its writers take turns.

    PostgreSQL takes a row lock (``FOR UPDATE``) and the vehicle is read afresh; SQLite has no
    row locks, its write transactions already take turns.
    """
    query = (
        select(Vehicle)
        .where(Vehicle.id == vehicle.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(query).scalar_one()
