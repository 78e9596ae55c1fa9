"""The fleet pages: the fleet list with its CSV export and import, a vehicle's page, the depots."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from itertools import groupby
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import UploadFile

from tightnut.auth.rights import Actor, Right
from tightnut.db import transaction, utcnow
from tightnut.deps import Catalog, DbSession, InspectionLead, PageActor
from tightnut.errors import Invalid, TightnutError
from tightnut.fields import PathId, QueryText
from tightnut.fleet import importer, names, service
from tightnut.fleet.models import Depot, Vehicle
from tightnut.fleet.schemas import (
    DepotCreate,
    DepotUpdate,
    OutOfService,
    ReturnToService,
    VehicleFilter,
    known_zones,
)
from tightnut.gate.service import board_state, decide_vehicle, release_history
from tightnut.inspections.service import checklist
from tightnut.maintenance.duelist import DueEntry, compute_entries, facts_of
from tightnut.maintenance.service import ATTENTION
from tightnut.paging import PageQuery, PageRequest
from tightnut.photos import service as photos
from tightnut.rules import RuleCatalog
from tightnut.rules.schema import ENGINE_TYPES, VEHICLE_CLASSES
from tightnut.timeline.service import Timeline, timeline
from tightnut.web import forms
from tightnut.web.forms import MESSAGES, FormInvalid
from tightnut.web.i18n import N_
from tightnut.web.render import locale_of, page_router, redirect, render, translate

router = page_router()

FILTERS = tuple(VehicleFilter.model_fields)
IMPORTED = N_("Imported %(n)s vehicles.")
NOT_UTF8 = N_("The file is not UTF-8 text. Save it from your spreadsheet as CSV UTF-8.")
NO_FILE = N_("Choose a CSV file.")
BAD_ZONE = N_("Unknown time zone. Choose one from the list, e.g. Europe/Moscow.")
BAD_STARTS = N_("Enter up to 6 distinct shift start times as HH:MM, e.g. 05:00, 14:00.")
PHOTOS_SHOWN = 12
DUE_ORDER = {"invalid_input": 0, "overdue": 1, "due": 2, "due_soon": 3, "ok": 4}


@router.get("/vehicles", response_class=HTMLResponse)
def fleet_list(request: Request, session: DbSession, actor: PageActor, page: PageQuery) -> Response:
    """The fleet by plate: search, filters and one page at a time."""
    typed = {k: v for k, v in request.query_params.items() if k in FILTERS}
    context: dict[str, object] = {"values": typed, **_choices(request, session, actor)}
    try:
        filters = forms.parse(request, VehicleFilter, typed)
    except FormInvalid as exc:
        return forms.refuse(request, session, "fleet/list.html", context, exc)
    found = service.list_vehicles(session, actor, page=page, filters=filters)
    context |= {
        "vehicles": found.rows,
        "found": found,
        "total": service.count_vehicles(session, actor, filters=filters),
        "query": _query(typed),
        "first_page": page.after is not None,
    }
    return render(request, "fleet/list.html", context)


@router.get("/vehicles.csv")
def fleet_export(request: Request, session: DbSession, actor: PageActor) -> Response:
    """The filtered fleet as CSV (UTF-8, header row), streamed a chunk at a time."""
    typed = {k: v for k, v in request.query_params.items() if k in FILTERS}
    try:
        filters = forms.parse(request, VehicleFilter, typed)
    except FormInvalid as exc:
        raise Invalid(str(exc), field=f"query.{next(iter(exc.errors))}") from None
    actor.require(Right.READ_FLEET)
    factory: sessionmaker[Session] = request.app.state.session_factory
    disposition = f'attachment; filename="vehicles-{utcnow():%Y-%m-%d}.csv"'
    return StreamingResponse(
        _export(factory, actor, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


def _export(factory: sessionmaker[Session], actor: Actor, filters: VehicleFilter) -> Iterator[str]:
    # The request's session has closed when the body streams: the export reads in its own.
    with transaction(factory, read_only=True) as session:
        yield from importer.export_csv(session, actor, filters=filters)


@router.get("/vehicles/import", response_class=HTMLResponse)
def import_form(request: Request, actor: PageActor) -> Response:
    """Upload a CSV of vehicles: all rows go in, or none."""
    actor.require(Right.MANAGE_FLEET)
    return render(request, "fleet/import.html", _import_context())


@router.get("/vehicles/import/template.csv")
def import_template(session: DbSession, actor: PageActor) -> Response:
    """A CSV to fill in: the columns the import reads and one example row."""
    return Response(
        importer.template_csv(session, actor),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="vehicles-template.csv"'},
    )


@router.post("/vehicles/import")
def import_upload(
    request: Request, session: DbSession, actor: PageActor, form: forms.Posted
) -> Response:
    """Import the uploaded CSV, or show every bad row and import nothing."""
    actor.require(Right.MANAGE_FLEET)
    try:
        text = _csv_text(form.get("file"))
        report = importer.import_vehicles(session, actor, text=text)
    except importer.ImportRefused as exc:
        context = _import_context(problems=[_problem(request, p) for p in exc.problems])
        return forms.refuse(request, session, "fleet/import.html", context, exc)
    except (FormInvalid, TightnutError) as exc:
        return forms.refuse(request, session, "fleet/import.html", _import_context(), exc)
    return redirect(request, "/vehicles", notice=translate(request, IMPORTED, n=report.imported))


def _csv_text(upload: object) -> str:
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise FormInvalid({"file": NO_FILE})
    upload.file.seek(0)
    try:
        return upload.file.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(NOT_UTF8, field="file") from None


def _problem(request: Request, problem: importer.RowProblem) -> dict[str, object]:
    """A refused row's line, column and message in the reader's language."""
    template = MESSAGES.get(problem.error_type or "")
    if template is not None:
        context = {k: v for k, v in problem.context.items() if isinstance(v, int | float | str)}
        message = translate(request, template, **context)
    else:
        message = translate(request, problem.message, **problem.params)
    return {"line": problem.line, "column": problem.column, "message": message}


def _import_context(problems: list[dict[str, object]] | None = None) -> dict[str, object]:
    return {"columns": importer.COLUMNS, "required": importer.REQUIRED, "problems": problems or []}


@router.get("/vehicles/{vehicle_id}", response_class=HTMLResponse)
def vehicle_page(
    request: Request,
    vehicle_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    lead: InspectionLead,
    older: QueryText = None,
) -> Response:
    """A vehicle: its state now and why, checklist, timeline and due maintenance."""
    return render(
        request,
        "fleet/vehicle.html",
        _vehicle_context(
            request, session, actor, vehicle_id, catalog=catalog, lead=lead, older=older
        ),
    )


def _vehicle_context(
    request: Request,
    session: Session,
    actor: Actor,
    vehicle_id: int,
    *,
    catalog: RuleCatalog,
    lead: timedelta,
    older: str | None = None,
) -> dict[str, object]:
    vehicle = service.get_vehicle(session, actor, vehicle_id)
    depot = session.get_one(Depot, vehicle.depot_id)
    decision = decide_vehicle(session, actor, vehicle.id, catalog=catalog, lead=lead)
    latest = release_history(session, vehicle, page=PageRequest(limit=1)).rows
    released_at = next(
        (
            r.decided_at
            for r in latest
            if r.released
            and r.shift_start == decision.shift.start
            and r.inspection_id == decision.inspection_id
        ),
        None,
    )
    state = board_state(decision, released_at)
    if vehicle.out_of_service_at is not None:
        state = "out_of_service"
    items = checklist(catalog, depot, vehicle)
    history = timeline(session, vehicle, older=older)
    return {
        "vehicle": vehicle,
        "depot": depot,
        "decision": decision,
        "state": state,
        "released_at": released_at,
        "systems": [(g, list(i)) for g, i in groupby(items, key=lambda item: item.group)],
        "timeline": history,
        "older": older,
        "defect_texts": _defect_texts(catalog, history, locale_of(request)),
        "photos": photos.for_vehicle(session, actor, vehicle.id, limit=PHOTOS_SHOWN),
        "due": _due(session, vehicle),
        "may_manage": actor.can(Right.MANAGE_FLEET),
        "names": names,
        "values": {},
    }


def _defect_texts(catalog: RuleCatalog, history: Timeline, locale: str) -> dict[int, str]:
    """Each timeline defect's item text in the reader's language, by defect id."""
    texts = {}
    for entry in history.entries:
        if entry.defect is None:
            continue
        item = catalog.find_item(entry.defect.jurisdiction, entry.defect.item_id)
        if item is not None:
            texts[entry.defect.id] = item.text.ru if locale == "ru" else item.text.en
    return texts


def _due(session: Session, vehicle: Vehicle) -> list[DueEntry]:
    """The vehicle's maintenance tasks due soon, due or overdue, the most urgent first."""
    entries = compute_entries(
        session,
        vehicle.operator_id,
        today=utcnow().date(),
        vehicles=[facts_of(vehicle)],
        statuses=ATTENTION,
    )
    return sorted(entries, key=lambda e: (DUE_ORDER[e.status], e.forecast_date or utcnow().date()))


@router.post("/vehicles/{vehicle_id}/out-of-service")
def take_out_of_service(
    request: Request,
    vehicle_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    lead: InspectionLead,
    typed: forms.Typed,
) -> Response:
    """Take the vehicle off the line, with the reason; the gate refuses it until it returns."""
    vehicle = service.get_vehicle(session, actor, vehicle_id)
    try:
        data = forms.parse(request, OutOfService, typed)
        service.take_out_of_service(session, actor, vehicle, reason=data.reason)
    except (FormInvalid, TightnutError) as exc:
        session.rollback()
        context = _vehicle_context(request, session, actor, vehicle_id, catalog=catalog, lead=lead)
        return forms.refuse(request, session, "fleet/vehicle.html", context | _typed(typed), exc)
    notice = translate(request, N_("%(plate)s is out of service."), plate=vehicle.plate)
    return redirect(request, f"/vehicles/{vehicle_id}", notice=notice)


@router.post("/vehicles/{vehicle_id}/return-to-service")
def return_to_service(
    request: Request,
    vehicle_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    lead: InspectionLead,
    typed: forms.Typed,
) -> Response:
    """Put the vehicle back on the line; the gate judges it again."""
    vehicle = service.get_vehicle(session, actor, vehicle_id)
    try:
        data = forms.parse(request, ReturnToService, typed)
        service.return_to_service(session, actor, vehicle, note=data.note)
    except (FormInvalid, TightnutError) as exc:
        session.rollback()
        context = _vehicle_context(request, session, actor, vehicle_id, catalog=catalog, lead=lead)
        return forms.refuse(request, session, "fleet/vehicle.html", context | _typed(typed), exc)
    notice = translate(request, N_("%(plate)s is back in service."), plate=vehicle.plate)
    return redirect(request, f"/vehicles/{vehicle_id}", notice=notice)


def _typed(typed: forms.Values) -> dict[str, object]:
    return {"values": typed}


@router.get("/admin/depots", response_class=HTMLResponse)
def depots_page(
    request: Request, session: DbSession, actor: PageActor, catalog: Catalog
) -> Response:
    """The operator's depots with their zone, jurisdiction and shifts; a form to add one."""
    actor.require(Right.MANAGE_FLEET)
    return render(request, "fleet/depots.html", _depots_context(session, actor, catalog, {}))


@router.post("/admin/depots")
def create_depot(
    request: Request, session: DbSession, actor: PageActor, catalog: Catalog, typed: forms.Typed
) -> Response:
    """Add a depot."""
    try:
        data = forms.parse(request, DepotCreate, _depot_data(typed))
        depot = service.create_depot(session, actor, data=data)
    except (FormInvalid, TightnutError) as exc:
        context = _depots_context(session, actor, catalog, typed)
        return forms.refuse(request, session, "fleet/depots.html", context, _worded(exc))
    notice = translate(request, N_("Depot %(name)s added."), name=depot.name)
    return redirect(request, "/admin/depots", notice=notice)


@router.get("/admin/depots/{depot_id}", response_class=HTMLResponse)
def depot_form(
    request: Request, depot_id: PathId, session: DbSession, actor: PageActor, catalog: Catalog
) -> Response:
    """One depot's settings to edit."""
    actor.require(Right.MANAGE_FLEET)
    depot = service.get_depot(session, actor, depot_id)
    values = {
        "name": depot.name,
        "timezone": depot.timezone,
        "jurisdiction": depot.jurisdiction,
        "shift_starts": ", ".join(depot.shift_starts),
    }
    return render(request, "fleet/depot.html", _depot_context(depot, catalog, values))


@router.post("/admin/depots/{depot_id}")
def update_depot(
    request: Request,
    depot_id: PathId,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    typed: forms.Typed,
) -> Response:
    """Save a depot's name, time zone, jurisdiction and shift start times."""
    depot = service.get_depot(session, actor, depot_id)
    try:
        data = forms.parse(request, DepotUpdate, _depot_data(typed))
        service.update_depot(session, actor, depot, data=data)
    except (FormInvalid, TightnutError) as exc:
        context = _depot_context(depot, catalog, typed)
        return forms.refuse(request, session, "fleet/depot.html", context, _worded(exc))
    notice = translate(request, N_("Depot %(name)s saved."), name=depot.name)
    return redirect(request, "/admin/depots", notice=notice)


def _depot_data(typed: forms.Values) -> dict[str, object]:
    """The form's fields as the schema takes them: the shift starts are one text, split."""
    data: dict[str, object] = {k: typed.get(k, "") for k in ("name", "timezone", "jurisdiction")}
    starts = typed.get("shift_starts", "")
    text = starts if isinstance(starts, str) else ",".join(starts)
    data["shift_starts"] = [s for s in text.replace(";", ",").replace(" ", ",").split(",") if s]
    return data


def _worded(exc: FormInvalid | TightnutError) -> FormInvalid | TightnutError:
    """The schema's English for a zone or shift times, replaced by the page's own words."""
    if not isinstance(exc, FormInvalid):
        return exc
    own = {"timezone": BAD_ZONE, "shift_starts": BAD_STARTS}
    return FormInvalid({k: own.get(k, v) for k, v in exc.errors.items()})


def _depots_context(
    session: Session, actor: Actor, catalog: RuleCatalog, values: Mapping[str, object]
) -> dict[str, object]:
    return {
        "depots": service.list_depots(session, actor),
        "values": values,
        **_zone_choices(catalog),
    }


def _depot_context(
    depot: Depot, catalog: RuleCatalog, values: Mapping[str, object]
) -> dict[str, object]:
    return {"depot": depot, "values": values, **_zone_choices(catalog)}


def _zone_choices(catalog: RuleCatalog) -> dict[str, object]:
    return {"zones": sorted(known_zones()), "jurisdictions": sorted(catalog.packs)}


def _choices(request: Request, session: Session, actor: Actor) -> dict[str, object]:
    """The filters' options, in the reader's language, and the depots by id."""
    depots = service.list_depots(session, actor)

    def options(everything: str, pairs: Iterable[tuple[object, str]]) -> list[tuple[object, str]]:
        return [("", translate(request, everything))] + [
            (k, translate(request, v)) for k, v in pairs
        ]

    return {
        "depot_names": {d.id: d.name for d in depots},
        "depot_options": [("", translate(request, N_("All depots")))]
        + [(d.id, d.name) for d in depots],
        "class_options": options(
            N_("All classes"), ((c, names.VEHICLE_CLASSES[c]) for c in VEHICLE_CLASSES)
        ),
        "engine_options": options(
            N_("All engines"), ((e, names.ENGINE_TYPES[e]) for e in ENGINE_TYPES)
        ),
        "service_options": options(
            N_("In and out of service"), (("in", N_("In service")), ("out", N_("Out of service")))
        ),
        "names": names,
        "may_manage": actor.can(Right.MANAGE_FLEET),
    }


def _query(typed: Mapping[str, str]) -> str:
    """The filters as a query string, for the next page's and the export's links."""
    return urlencode({k: v for k, v in typed.items() if v})
