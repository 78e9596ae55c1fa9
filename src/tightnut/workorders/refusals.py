"""The work-order service's refusals in the reader's language, under the field they concern.

The services speak English to the API; a page maps each refusal it knows to a catalogue
message (the same facts, in words a mechanic reads), keeping the refusal's class and status.
A refusal it does not know is shown as the service wrote it.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor
from tightnut.errors import Conflict, Forbidden, NotFound, TightnutError
from tightnut.fleet.models import Vehicle
from tightnut.people import service as people
from tightnut.people.names import ENGINE_NAMES
from tightnut.web.i18n import N_, Formats
from tightnut.web.render import locale_of, translate
from tightnut.workorders.models import WorkOrder

STATUS_NAMES = {
    "open": N_("planned"),
    "assigned": N_("assigned"),
    "in_progress": N_("in progress"),
    "done": N_("signed"),
    "cancelled": N_("cancelled"),
}
STATUS_CLASSES = {
    "open": "open",
    "assigned": "planned",
    "in_progress": "in_progress",
    "done": "signed",
    "cancelled": "cancelled",
}
STALE = N_("Someone else changed this work order since you opened it. Reload it and try again.")
WRONG_STATE = N_("This work order is now %(status)s, so this cannot be done. Reload it.")
NOT_CERTIFIED = N_(
    "%(name)s may not sign: there is no certification for %(family)s with a %(engine)s engine."
)
EXPIRED = N_(
    "%(name)s may not sign: the certification for %(family)s with a %(engine)s engine "
    "expired on %(day)s."
)
NOT_YET = N_(
    "%(name)s may not sign: the certification for %(family)s with a %(engine)s engine "
    "is valid only from %(day)s."
)
NOT_A_TECHNICIAN = N_(
    "Only a technician certified for %(family)s with a %(engine)s engine may sign; "
    "your user is not linked to an active technician."
)
SHORT_STOCK = N_("Only %(in_stock)s in stock at this depot; %(requested)s asked for.")
CHOOSE = N_("Choose one of the options.")
INACTIVE = N_("This technician is no longer active.")
METER_MISSING = N_("The vehicle's meter reads %(current)s; enter the reading at sign-off.")
METER_LOWER = N_("Lower than the last reading, %(current)s: a meter only goes up.")
METER_JUMP = N_("Too far above the last reading, %(current)s, for the time since it was read.")
BUSY = N_("Something you chose is already on another open work order; reload the page.")


def translated(
    request: Request,
    session: Session,
    actor: Actor,
    exc: TightnutError,
    *,
    order: WorkOrder | None = None,
    typed: dict[str, str | list[str]] | None = None,
) -> TightnutError:
    """``exc`` reworded for the page; version and state clashes move to the form's top."""
    field = (exc.field or "").split(".")[-1]
    message = _message(request, session, actor, exc, field, order, typed or {})
    if message is None:
        return exc
    top = field in ("version", "status") or isinstance(exc, Forbidden)
    return type(exc)(message, field=None if top else field, detail=exc.detail)


def _message(
    request: Request,
    session: Session,
    actor: Actor,
    exc: TightnutError,
    field: str,
    order: WorkOrder | None,
    typed: dict[str, str | list[str]],
) -> str | None:
    if isinstance(exc, Forbidden) and "reason" in exc.detail:
        return _not_certified(request, session, actor, exc)
    if isinstance(exc, Conflict) and field == "version":
        return translate(request, STALE)
    if isinstance(exc, Conflict) and field == "status" and order is not None:
        session.refresh(order)
        return translate(
            request, WRONG_STATE, status=translate(request, STATUS_NAMES[order.status])
        )
    if isinstance(exc, Conflict) and field == "quantity" and "in_stock" in exc.detail:
        return _short_stock(request, exc)
    if isinstance(exc, NotFound) and field in ("technician_id", "part_id", "vehicle_id"):
        return translate(request, CHOOSE)
    if isinstance(exc, Conflict) and field == "technician_id":
        return translate(request, INACTIVE)
    if isinstance(exc, Conflict) and field in ("task_ids", "defect_ids"):
        return translate(request, BUSY)
    if field in ("completion_km", "completion_hours") and order is not None:
        return _meter(request, session, order, field, typed)
    return None


def _not_certified(request: Request, session: Session, actor: Actor, exc: TightnutError) -> str:
    family = str(exc.detail.get("model_family", ""))
    engine = str(exc.detail.get("engine_type", ""))
    words = {"family": family, "engine": translate(request, ENGINE_NAMES.get(engine, engine))}
    reason = exc.detail["reason"]
    technician = people.technician_of_user(session, actor)
    if reason == "not_a_technician" or technician is None:
        return translate(request, NOT_A_TECHNICIAN, **words)
    latest = people.find_latest_certification(
        session, technician_id=technician.id, model_family=family, engine_type=engine
    )
    day = None if latest is None else latest.expires_on if reason == "expired" else latest.issued_on
    fmt_day = Formats(locale_of(request)).date(day)
    template = {"expired": EXPIRED, "not_yet_valid": NOT_YET}.get(str(reason), NOT_CERTIFIED)
    return translate(request, template, name=technician.full_name, day=fmt_day, **words)


def _short_stock(request: Request, exc: TightnutError) -> str:
    fmt = Formats(locale_of(request))
    in_stock = float(str(exc.detail["in_stock"]))
    requested = float(str(exc.detail.get("requested", 0)))
    return translate(
        request, SHORT_STOCK, in_stock=quantity(fmt, in_stock), requested=quantity(fmt, requested)
    )


def quantity(fmt: Formats, value: float) -> str:
    """A stock quantity: whole numbers without decimals, parts with two."""
    return fmt.number(value, 0 if float(value).is_integer() else 2)


def _meter(
    request: Request,
    session: Session,
    order: WorkOrder,
    field: str,
    typed: dict[str, str | list[str]],
) -> str:
    vehicle = session.get_one(Vehicle, order.vehicle_id)
    session.refresh(vehicle)
    fmt = Formats(locale_of(request))
    if field == "completion_km":
        current = fmt.unit(vehicle.odometer_km, "length-kilometer", 1)
    else:
        current = fmt.unit(vehicle.engine_hours, "duration-hour", 1)
    value = typed.get(field, "")
    reading = getattr(vehicle, "odometer_km" if field == "completion_km" else "engine_hours")
    if not value:
        return translate(request, METER_MISSING, current=current)
    try:
        lower = reading is not None and float(str(value)) < reading
    except ValueError:
        lower = False
    return translate(request, METER_LOWER if lower else METER_JUMP, current=current)
