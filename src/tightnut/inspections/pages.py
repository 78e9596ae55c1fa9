"""The driver's and inspector's daily loop: my depot today, the inspection form, its result.

The form posts every checklist item under names keyed by the item's id (``r.<id>`` pass or
fail, ``count.<id>``, ``positions.<id>``, ``value.<id>``, ``note.<id>``, ``photos.<id>``);
``_parse`` turns them into the API's own ``InspectionCreate``, so the page and the API judge
one way. The hidden ``idempotency_key`` made when the form is drawn goes to the service as the
Idempotency-Key: a double tap, a retry or a draft sent later makes one record. A request that
asks for JSON (the offline-draft script) gets 201 ``{inspection_id, url}`` or the errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from uuid import uuid4

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from tightnut.auth.rights import Actor, Right
from tightnut.deps import AppSettings, Catalog, DbSession, InspectionLead, PageActor
from tightnut.errors import NotFound, TightnutError
from tightnut.fields import ClientTime, PathId, QueryId, QueryText
from tightnut.fleet.meters import limits_of
from tightnut.fleet.models import Depot, Vehicle
from tightnut.fleet.service import get_vehicle, list_depots
from tightnut.gate import service as gate
from tightnut.inspections import service
from tightnut.inspections.models import Inspection
from tightnut.inspections.schemas import InspectionCreate, ItemResultIn
from tightnut.inspections.service import Entry
from tightnut.photos import service as photos
from tightnut.photos.uploads import read_uploads
from tightnut.rules import RuleCatalog
from tightnut.web import forms
from tightnut.web.forms import FormInvalid, Values
from tightnut.web.i18n import N_, Formats
from tightnut.web.render import locale_of, localized, page_router, redirect, render, translate

router = page_router()

PER_PAGE = 30
TODAY_ORDER = ("not_inspected", "blocked", "ready", "released")
STATE_NAMES = {
    "released": N_("released"),
    "ready": N_("ready to go"),
    "blocked": N_("blocked"),
    "not_inspected": N_("not inspected"),
}
GROUP_NAMES = {
    "brakes": N_("Brakes"),
    "steering": N_("Steering"),
    "lights": N_("Lights"),
    "wheels": N_("Wheels"),
    "tyres": N_("Tyres"),
    "fuel": N_("Fuel system"),
    "gas": N_("Gas equipment"),
    "electric": N_("Electrical and traction battery"),
    "exhaust": N_("Exhaust"),
    "engine": N_("Engine"),
    "glass": N_("Glass"),
    "mirrors": N_("Mirrors"),
    "wipers": N_("Wipers and washers"),
    "horn": N_("Horn"),
    "emergency": N_("Emergency equipment"),
    "exits": N_("Doors and emergency exits"),
    "seat_belts": N_("Seat belts"),
    "devices": N_("On-board devices"),
    "coupling": N_("Coupling"),
    "fire": N_("Fire safety"),
    "body": N_("Body and cab"),
}
UNIT_NAMES = {"mm": N_("mm"), "deg": N_("degrees"), "MPa": N_("MPa"), "fasteners": N_("fasteners")}
SEVERITY_NAMES = {"minor": N_("minor"), "major": N_("major"), "dangerous": N_("dangerous")}
CHOOSE = N_("Choose pass or fail.")
COUNT_NEEDED = N_("Enter how many you found.")
VALUE_NEEDED = N_("Enter the measured value.")
POSITIONS_MISMATCH = N_("Tick as many positions as you counted, or none.")
METER_LOWER = N_(
    "Lower than the last reading (%(last)s). If the meter was replaced, "
    "the fleet manager records the replacement first."
)
FIELD_LABELS = {
    "odometer_km": N_("Odometer, km"),
    "engine_hours": N_("Engine hours"),
    "note": N_("Note on the whole inspection"),
}
ITEM_FIELDS = {"passed": "r", "count": "count", "positions": "positions", "value": "value"}
CLIENT_TIME: TypeAdapter[object] = TypeAdapter(ClientTime)
SERVICE_FIELD = re.compile(r"results\[(\d+)\]\.(\w+)")


@router.get("/today", response_class=HTMLResponse)
def today(
    request: Request,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    lead: InspectionLead,
    depot: QueryId = None,
    q: QueryText = None,
    state: QueryText = None,
    offset: int = Query(0, ge=0, le=100_000),
) -> Response:
    """The vehicles of one of the caller's depots this shift, the ones to inspect first."""
    actor.require(Right.INSPECT)
    depots = list_depots(session, actor)
    if not depots:
        raise NotFound("your operator has no depots yet")
    chosen, shift, rows = gate.board(
        session, actor, depot or depots[0].id, catalog=catalog, lead=lead
    )
    wanted = service.plate_key(q or "")
    found = [row for row in rows if wanted in service.plate_key(row.vehicle.plate)]
    counts = {s: sum(row.state == s for row in found) for s in TODAY_ORDER}
    shown = [row for row in found if state in (None, "", row.state)]
    shown.sort(key=lambda row: (TODAY_ORDER.index(row.state), row.vehicle.plate))
    context = {
        "depot": chosen,
        "depots": depots,
        "shift": shift,
        "rows": shown[offset : offset + PER_PAGE],
        "more": offset + PER_PAGE < len(shown),
        "offset": offset,
        "per_page": PER_PAGE,
        "shown": len(shown),
        "counts": counts,
        "q": q or "",
        "state": state or "",
        "states": TODAY_ORDER,
        "state_names": STATE_NAMES,
        "may_release": actor.can(Right.RELEASE),
    }
    partial = request.headers.get("hx-request") and not request.headers.get("hx-boosted")
    name = "inspections/today_list.html" if partial else "inspections/today.html"
    return render(request, name, context)


@router.get("/vehicles/{vehicle_id}/inspect", response_class=HTMLResponse)
def inspection_form(
    request: Request, vehicle_id: PathId, session: DbSession, actor: PageActor, catalog: Catalog
) -> Response:
    """The pre-shift inspection form of one vehicle, grouped by system."""
    actor.require(Right.INSPECT)
    vehicle = get_vehicle(session, actor, vehicle_id)
    values: Values = {"idempotency_key": str(uuid4())}
    return _form(request, session, vehicle, catalog, values, {})


@router.post("/vehicles/{vehicle_id}/inspections")
def submit_inspection(
    request: Request,
    vehicle_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    settings: AppSettings,
    form: forms.Posted,
) -> Response:
    """Record the inspection once (the form's key), with photos of failed items; or refuse."""
    actor.require(Right.INSPECT)
    vehicle = get_vehicle(session, actor, vehicle_id)
    typed = forms.values_of(form)
    entries = service.entries(catalog, session.get_one(Depot, vehicle.depot_id), vehicle)
    key = _text(typed, "idempotency_key")[:200] or None
    try:
        data = _parse(request, vehicle, entries, typed)
        submission = service.submit(
            session,
            actor,
            data=data,
            catalog=catalog,
            idempotency_key=key,
            limits=limits_of(settings),
        )
        if not submission.replayed:
            _attach_photos(session, actor, submission.inspection, form)
    except (FormInvalid, TightnutError) as exc:
        session.rollback()
        errors = _errors(request, exc, entries)
        status = exc.status_code if isinstance(exc, TightnutError) else 422
        if _wants_json(request):
            return JSONResponse({"errors": _labelled(request, errors, entries)}, status)
        lost = any(isinstance(v, UploadFile) and v.filename for _, v in form.multi_items())
        return _form(
            request, session, vehicle, catalog, typed, errors, status=status, photos_lost=lost
        )
    inspection = submission.inspection
    url = f"/inspections/{inspection.id}"
    if _wants_json(request):
        body = {"inspection_id": inspection.id, "url": url, "replayed": submission.replayed}
        return JSONResponse(body, status_code=200 if submission.replayed else 201)
    return redirect(request, url, notice=translate(request, N_("Inspection recorded.")))


@router.get("/inspections/{inspection_id}", response_class=HTMLResponse)
def inspection_result(
    request: Request,
    inspection_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    lead: InspectionLead,
) -> Response:
    """What the inspection found, the defects it opened and the gate's answer now."""
    inspection = service.get_inspection(session, actor, inspection_id)
    vehicle = get_vehicle(session, actor, inspection.vehicle_id)
    depot = session.get_one(Depot, inspection.depot_id)
    decision = gate.decide_vehicle(session, actor, vehicle.id, catalog=catalog, lead=lead)
    failed = [
        (
            service.entry_of(catalog, inspection.jurisdiction, str(result["item_id"]), vehicle),
            result,
        )
        for result in inspection.results
        if result.get("failed")
    ]
    context = {
        "inspection": inspection,
        "vehicle": vehicle,
        "depot": depot,
        "failed": failed,
        "defects": [
            (defect, service.entry_of(catalog, defect.jurisdiction, defect.item_id, vehicle))
            for defect in service.opened_defects(session, inspection)
        ],
        "severity_names": SEVERITY_NAMES,
        "decision": decision,
        "may_release": actor.can(Right.RELEASE),
        "photos": photos.for_inspection(session, actor, inspection.id),
    }
    return render(request, "inspections/result.html", context)


def _form(
    request: Request,
    session: Session,
    vehicle: Vehicle,
    catalog: RuleCatalog,
    values: Values,
    errors: Mapping[str, str],
    *,
    status: int = 200,
    photos_lost: bool = False,
) -> Response:
    depot = session.get_one(Depot, vehicle.depot_id)
    context = {
        "photos_lost": photos_lost,
        "vehicle": vehicle,
        "depot": depot,
        "groups": service.grouped(service.entries(catalog, depot, vehicle)),
        "group_names": GROUP_NAMES,
        "unit_names": UNIT_NAMES,
        "values": values,
        "errors": errors,
    }
    return render(request, "inspections/form.html", context, status_code=status)


def _text(typed: Values, name: str) -> str:
    value = typed.get(name, "")
    return (value[0] if isinstance(value, list) else value).strip()


def _parse(
    request: Request, vehicle: Vehicle, entries: Sequence[Entry], typed: Values
) -> InspectionCreate:
    """The form as the API's ``InspectionCreate``; every field's error at once."""
    errors: dict[str, str] = {}
    results = [_item(request, entry, typed, errors) for entry in entries]
    top = {
        "vehicle_id": vehicle.id,
        "results": results,
        "odometer_km": _number(_text(typed, "odometer_km")),
        "engine_hours": _number(_text(typed, "engine_hours")),
        "note": _text(typed, "note"),
        "client_time": _client_time(_text(typed, "client_time")),
    }
    for meter in ("odometer_km", "engine_hours"):
        _check_meter(request, vehicle, meter, top[meter], errors)
    try:
        data = forms.parse(request, InspectionCreate, top)
    except FormInvalid as exc:
        for name, message in exc.errors.items():
            field = name if name in FIELD_LABELS else ""  # the rest echo an item's own error
            if field or not errors:
                errors.setdefault(field, message)
    if errors:
        raise FormInvalid(errors)
    return data


def _item(
    request: Request, entry: Entry, typed: Values, errors: dict[str, str]
) -> dict[str, object]:
    """One item's result as the API takes it; what is missing goes to ``errors``."""
    raw: dict[str, object] = {"item_id": entry.id, "note": _text(typed, f"note.{entry.id}")}
    choice = _text(typed, f"r.{entry.id}")
    if entry.kind != "measurement" and choice not in ("pass", "fail"):
        errors[f"r.{entry.id}"] = translate(request, CHOOSE)
    if entry.kind == "pass_fail":
        raw["passed"] = choice == "pass"
    elif entry.kind == "count":
        raw.update(_count(request, entry, typed, errors) if choice == "fail" else {"count": 0})
    else:
        value = _text(typed, f"value.{entry.id}")
        if not value:
            errors[f"value.{entry.id}"] = translate(request, VALUE_NEEDED)
        raw["value"] = _number(value)
    try:
        return forms.parse(request, ItemResultIn, raw).model_dump(exclude_none=True)
    except FormInvalid as exc:
        for name, message in exc.errors.items():
            errors.setdefault(f"{ITEM_FIELDS.get(name, name)}.{entry.id}", message)
        return raw


def _count(
    request: Request, entry: Entry, typed: Values, errors: dict[str, str]
) -> dict[str, object]:
    text = _text(typed, f"count.{entry.id}")
    raw_positions = typed.get(f"positions.{entry.id}", [])
    positions = [raw_positions] if isinstance(raw_positions, str) else raw_positions
    ticked = [int(p) for p in positions if p.isdigit() and len(p) <= 2]
    if not text:
        errors[f"count.{entry.id}"] = translate(request, COUNT_NEEDED)
        return {"positions": ticked}
    if not text.isdigit() or len(text) > 6:
        errors[f"count.{entry.id}"] = translate(request, forms.MESSAGES["int_parsing"])
        return {"positions": ticked}
    count = int(text)
    if count < 1:
        errors[f"count.{entry.id}"] = translate(request, forms.MESSAGES["greater_than_equal"], ge=1)
    elif ticked and len(ticked) != count:
        errors[f"positions.{entry.id}"] = translate(request, POSITIONS_MISMATCH)
    return {"count": count, "positions": ticked}


def _number(text: str) -> str | float:
    """A decimal typed with a comma or a point; what is no number stays text for the schema."""
    try:
        return float(text.replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except ValueError:
        return text


def _client_time(text: str) -> str | None:
    """The phone's clock when it is a sane one; a wrong phone clock never refuses a record."""
    if not text:
        return None
    try:
        CLIENT_TIME.validate_python(text)
    except ValidationError:
        return None
    return text


def _check_meter(
    request: Request, vehicle: Vehicle, meter: str, value: object, errors: dict[str, str]
) -> None:
    """A reading below the last one, said in the reader's words before the service refuses it."""
    last = getattr(vehicle, meter)
    if isinstance(value, float) and last is not None and value < last:
        shown = Formats(locale_of(request)).number(last, 1 if last % 1 else 0)
        errors[meter] = translate(request, METER_LOWER, last=shown)


def _attach_photos(
    session: Session,
    actor: Actor,
    inspection: Inspection,
    form: FormData,
) -> None:
    """Photos of each failed item, stored with the item and the defect it left open."""
    for result in inspection.results:
        if not result.get("failed"):
            continue
        code = str(result["item_id"])
        try:
            uploads = read_uploads(form, f"photos.{code}")
            if uploads:
                photos.attach_to_inspection(
                    session, actor, inspection_id=inspection.id, item_code=code, uploads=uploads
                )
        except TightnutError as exc:
            exc.field = f"photos.{code}"
            raise


def _errors(
    request: Request, exc: FormInvalid | TightnutError, entries: Sequence[Entry]
) -> dict[str, str]:
    """Errors keyed by the form's own field names."""
    if isinstance(exc, FormInvalid):
        return exc.errors
    field = exc.field or ""
    if match := SERVICE_FIELD.fullmatch(field):
        index, name = int(match.group(1)), match.group(2)
        if index < len(entries) and name in (*ITEM_FIELDS, "note"):
            field = f"{ITEM_FIELDS.get(name, name)}.{entries[index].id}"
    elif not field.startswith("photos.") and field not in FIELD_LABELS:
        field = ""
    return {field: translate(request, exc.message)}


def _labelled(
    request: Request, errors: Mapping[str, str], entries: Sequence[Entry]
) -> list[dict[str, str]]:
    """Errors for a script: each with the words of its field, in the reader's language."""
    texts = {entry.id: entry for entry in entries}
    labelled = []
    for field, message in errors.items():
        _, _, item_id = field.partition(".")
        if item_id in texts:
            label = localized(texts[item_id], "text", locale_of(request))
        else:
            label = translate(request, FIELD_LABELS[field]) if field in FIELD_LABELS else ""
        labelled.append({"field": field, "label": label, "message": message})
    return labelled


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")
