"""Vendor-neutral demo data: a city bus operator and an agricultural holding, 30 days of history."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from tightnut.auth import service as auth
from tightnut.auth.models import Role
from tightnut.auth.rights import Actor
from tightnut.db import utcnow
from tightnut.defects import service as defects
from tightnut.demo.checks import results_for
from tightnut.demo.maintenance import load_maintenance
from tightnut.fleet import service as fleet
from tightnut.fleet.meters import MeterLimits
from tightnut.fleet.models import Depot, MeterReading, Vehicle
from tightnut.fleet.schemas import DepotCreate, VehicleCreate
from tightnut.fleet.vin import check_digit
from tightnut.gate import service as gate
from tightnut.gate.models import ReleaseDecision
from tightnut.inspections import service as inspections
from tightnut.inspections.models import Inspection
from tightnut.inspections.schemas import InspectionCreate
from tightnut.rules import RuleCatalog
from tightnut.workorders import service as workorders

DEMO_PASSWORD = "tightnut-demo"
HISTORY_DAYS = 30
INSPECTED_BEFORE = timedelta(minutes=40)  # a past day's inspection, before the first shift
PLANNED = "wheels.fasteners"  # today's failure the workshop has already planned a repair for
RELEASED_SHARE = 0.93  # of past days' inspected vehicles; the rest stayed at the depot
PLATE_LETTERS = "АВЕКМНОРСТУХ"
LEAD = timedelta(minutes=180)


@dataclass(frozen=True)
class Model:
    """A generic make and model of the demo fleet."""

    name: str
    family: str
    vehicle_class: str
    engine_type: str
    fasteners: int
    km_per_day: float
    hours_per_day: float


DIESEL_BUS = Model("12 m diesel city bus", "city-bus-12m", "bus", "diesel", 10, 210, 11)
CNG_BUS = Model("12 m CNG city bus", "city-bus-12m", "bus", "cng", 10, 200, 11)
E_BUS = Model("12 m battery-electric city bus", "city-bus-12m-e", "bus", "electric", 10, 180, 10)
TRACTOR = Model("80 hp wheeled tractor", "wheeled-tractor-80hp", "tractor", "diesel", 8, 0, 7)
COMBINE = Model("grain combine harvester", "combine-class-5", "combine", "diesel", 8, 0, 0.5)


@dataclass(frozen=True)
class DepotPlan:
    """A depot and how many of each model it holds."""

    name: str
    region: str
    fleet: tuple[tuple[Model, int], ...]
    shifts: tuple[str, ...]


OPERATORS: dict[str, tuple[str, tuple[DepotPlan, ...]]] = {
    "Southline City Transport": (
        "southline.demo",
        (
            DepotPlan(
                "North Depot",
                "23",
                ((DIESEL_BUS, 40), (CNG_BUS, 25), (E_BUS, 15)),
                ("05:00", "14:00"),
            ),
            DepotPlan(
                "Riverside Depot",
                "23",
                ((DIESEL_BUS, 30), (CNG_BUS, 30), (E_BUS, 10)),
                ("05:00", "14:00"),
            ),
        ),
    ),
    "Kuban Fields Agroholding": (
        "kubanfields.demo",
        (
            DepotPlan(
                "Central Machine Yard", "93", ((TRACTOR, 50), (COMBINE, 30)), ("06:00", "18:00")
            ),
            DepotPlan("Eastern Field Camp", "93", ((TRACTOR, 30),), ("06:00", "18:00")),
        ),
    ),
}


def load_demo(
    session: Session, *, catalog: RuleCatalog, limits: MeterLimits, seed: int = 7
) -> list[str]:
    """Create the demo operators with users, fleets, history and today's shift; return logins."""
    rng = random.Random(seed)
    logins: list[str] = []
    for operator_name, (domain, depots) in OPERATORS.items():
        operator = auth.create_operator(session, name=operator_name)
        users = {
            role: auth.create_user(
                session,
                operator_id=operator.id,
                email=f"{role.value.replace('_', '.')}@{domain}",
                full_name=f"Demo {role.value.replace('_', ' ')}",
                role=role,
                password=DEMO_PASSWORD,
            )
            for role in Role
        }
        logins += [user.email for user in users.values()]
        actors = {role: auth.actor_of(user) for role, user in users.items()}
        fleet_of_operator: list[Vehicle] = []
        for plan in depots:
            depot, vehicles = _depot(session, actors[Role.FLEET_MANAGER], plan, rng)
            _history(session, catalog, actors[Role.INSPECTOR], depot, vehicles)
            fleet_of_operator += vehicles
        load_maintenance(
            session,
            actors[Role.FLEET_MANAGER],
            actors[Role.SERVICE_ENGINEER],
            fleet_of_operator,
            rng,
        )
        for depot_id in sorted({v.depot_id for v in fleet_of_operator}):
            depot = session.get_one(Depot, depot_id)
            vehicles = [v for v in fleet_of_operator if v.depot_id == depot_id]
            _today(session, catalog, limits, actors, depot, vehicles, rng)
    return logins


def _depot(
    session: Session, manager: Actor, plan: DepotPlan, rng: random.Random
) -> tuple[Depot, list[Vehicle]]:
    depot = fleet.create_depot(
        session,
        manager,
        data=DepotCreate(
            name=plan.name,
            timezone="Europe/Moscow",
            jurisdiction="RU",
            shift_starts=list(plan.shifts),
        ),
    )
    vehicles = []
    for model, count in plan.fleet:
        for _ in range(count):
            vehicles.append(
                fleet.create_vehicle(session, manager, data=_vehicle(depot, plan, model, rng))
            )
    return depot, vehicles


def _vehicle(depot: Depot, plan: DepotPlan, model: Model, rng: random.Random) -> VehicleCreate:
    letters = "".join(rng.choice(PLATE_LETTERS) for _ in range(3))
    plate = f"{letters[0]}{rng.randint(1, 999):03d}{letters[1:]}{plan.region}"
    gas = model.engine_type in ("cng", "lng", "lpg")
    age_days = rng.randint(200, 2500)
    return VehicleCreate(
        depot_id=depot.id,
        plate=plate,
        vin=_vin(rng),
        vehicle_class=model.vehicle_class,
        make="Generic Works",
        model=model.name,
        model_family=model.family,
        engine_type=model.engine_type,
        fastener_positions=model.fasteners,
        gas_cylinder_cert_due=date.today() + timedelta(days=rng.randint(20, 900)) if gas else None,
        odometer_km=round(model.km_per_day * age_days, 1) if model.km_per_day else None,
        engine_hours=round(model.hours_per_day * age_days, 1),
    )


def _vin(rng: random.Random) -> str:
    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    body = "XTN" + "".join(rng.choice(alphabet) for _ in range(14))
    return body[:8] + check_digit(body[:8] + "0" + body[9:]) + body[9:]


def _history(
    session: Session,
    catalog: RuleCatalog,
    inspector: Actor,
    depot: Depot,
    vehicles: list[Vehicle],
) -> None:
    """Thirty days of clean inspections with meters and the releases that followed most of them,
    written in bulk (they are in the past): the overview's availability chart has a month."""
    rng = random.Random(depot.id)  # its own draws: the rest of the demo stays as it was
    zone = ZoneInfo(depot.timezone)
    first_shift = time.fromisoformat(depot.shift_starts[0])
    today = utcnow().astimezone(zone).date()
    rows: list[dict[str, object]] = []
    readings: list[dict[str, object]] = []
    for vehicle in vehicles:
        results = _clean(catalog, depot, vehicle)
        km, hours = vehicle.odometer_km, vehicle.engine_hours or 0.0
        for days_ago in range(HISTORY_DAYS, 0, -1):
            shift = datetime.combine(today - timedelta(days=days_ago), first_shift, zone)
            at = shift - INSPECTED_BEFORE
            at_km = None if km is None else round(km - days_ago * 200, 1)
            at_hours = round(hours - days_ago * 8, 1)
            rows.append(
                dict(
                    operator_id=depot.operator_id,
                    vehicle_id=vehicle.id,
                    depot_id=depot.id,
                    inspector_id=inspector.user_id,
                    kind="pre_shift",
                    jurisdiction=depot.jurisdiction,
                    performed_at=at,
                    client_time=at,
                    odometer_km=at_km,
                    engine_hours=at_hours,
                    results=results,
                    failed_count=0,
                    blocking_count=0,
                )
            )
            readings.append(
                dict(
                    vehicle_id=vehicle.id,
                    meter="engine_hours",
                    value=at_hours,
                    read_at=at,
                    source="inspection",
                    user_id=inspector.user_id,
                )
            )
            if at_km is not None:
                readings.append(
                    dict(
                        vehicle_id=vehicle.id,
                        meter="odometer_km",
                        value=at_km,
                        read_at=at,
                        source="inspection",
                        user_id=inspector.user_id,
                    )
                )
        vehicle.km_per_day = 200.0 if km is not None else 0.0
        vehicle.hours_per_day = 8.0
    inserted = session.execute(
        insert(Inspection).returning(Inspection.id, sort_by_parameter_order=True), rows
    )
    releases = [
        _past_release(inspection_id, row, inspector)
        for inspection_id, row in zip(inserted.scalars(), rows, strict=True)
        if rng.random() < RELEASED_SHARE
    ]
    session.execute(insert(MeterReading), readings)
    session.execute(insert(ReleaseDecision), releases)


def _past_release(
    inspection_id: int, inspection: dict[str, object], inspector: Actor
) -> dict[str, object]:
    """The release that followed a past day's clean inspection, ten minutes after it."""
    at = inspection["performed_at"]
    assert isinstance(at, datetime)
    return dict(
        operator_id=inspection["operator_id"],
        vehicle_id=inspection["vehicle_id"],
        depot_id=inspection["depot_id"],
        user_id=inspector.user_id,
        inspection_id=inspection_id,
        released=True,
        decided_at=at + timedelta(minutes=10),
        client_time=at + timedelta(minutes=10),
        shift_start=at + INSPECTED_BEFORE,
        reasons=[],
        warnings=[],
    )


def _clean(catalog: RuleCatalog, depot: Depot, vehicle: Vehicle) -> list[dict[str, object]]:
    items = inspections.checklist(catalog, depot, vehicle)
    results = results_for(
        items, vehicle_class=vehicle.vehicle_class, fastener_positions=vehicle.fastener_positions
    )
    return results


def _today(
    session: Session,
    catalog: RuleCatalog,
    limits: MeterLimits,
    actors: dict[Role, Actor],
    depot: Depot,
    vehicles: list[Vehicle],
    rng: random.Random,
) -> None:
    """This shift: most vehicles inspected, some released, a few blocked for real reasons."""
    failures = _todays_failures(vehicles)
    inspector = actors[Role.INSPECTOR]
    for index, vehicle in enumerate(vehicles):
        if vehicle.id not in failures and rng.random() < 0.15:
            continue
        items = inspections.checklist(catalog, depot, vehicle)
        results = results_for(
            items,
            vehicle_class=vehicle.vehicle_class,
            fastener_positions=vehicle.fastener_positions,
            failures=failures.get(vehicle.id),
        )
        data = InspectionCreate.model_validate(
            {"vehicle_id": vehicle.id, "results": results, "client_time": utcnow().isoformat()}
        )
        inspections.submit(session, inspector, data=data, catalog=catalog, limits=limits)
        if index % 5 == 0 and vehicle.id in failures:
            _repair_awaiting_reinspection(session, actors[Role.SERVICE_ENGINEER], vehicle)
        elif vehicle.id not in failures and rng.random() < 0.7:
            gate.release(session, inspector, vehicle.id, catalog=catalog, lead=LEAD)
        elif PLANNED in failures.get(vehicle.id, {}):
            _plan_repair(session, actors[Role.SERVICE_ENGINEER], vehicle)
    _expire_one_gas_certificate(vehicles)


def _todays_failures(vehicles: list[Vehicle]) -> dict[int, dict[str, dict[str, object]]]:
    """A CNG leak, a missing wheel nut, a parking brake and a repaired-but-unchecked defect."""
    failures: dict[int, dict[str, dict[str, object]]] = {}
    gas = [v for v in vehicles if v.engine_type == "cng"]
    others = [v for v in vehicles if v.engine_type != "cng"]
    if gas:
        failures[gas[2 % len(gas)].id] = {
            "gas.leak": {"passed": False, "note": "hiss at cylinder valve, soap test positive"}
        }
    if others:
        failures[others[1].id] = {
            PLANNED: {"count": 1, "positions": [4], "note": "rear left outer wheel"}
        }
        failures[others[5 % len(others)].id] = {
            "brakes.parking": {"passed": False, "note": "rolls on the yard ramp"}
        }
    return failures


def _plan_repair(session: Session, engineer: Actor, vehicle: Vehicle) -> None:
    """The workshop has planned this morning's wheel-nut repair, not yet assigned."""
    defect = defects.unresolved_by_item(session, vehicle.id)[PLANNED]
    workorders.create_from_defect(session, engineer, defect_id=defect.id)


def _repair_awaiting_reinspection(session: Session, engineer: Actor, vehicle: Vehicle) -> None:
    for defect in defects.unresolved_by_item(session, vehicle.id).values():
        defects.mark_repaired(
            session,
            engineer,
            defect,
            work_done="part replaced, tested on the ramp",
            client_time=None,
        )


def _expire_one_gas_certificate(vehicles: list[Vehicle]) -> None:
    gas = [v for v in vehicles if v.engine_type == "cng"]
    if len(gas) > 4:
        gas[4].gas_cylinder_cert_due = date.today() - timedelta(days=3)
