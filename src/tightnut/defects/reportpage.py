"""Reporting a defect at any time, not only during an inspection.

The form carries an idempotency key made when it is drawn, so a double tap makes one defect,
and photos from the phone go with it in the same transaction. A fault no checklist item
covers ("something else") asks whether the vehicle is safe to operate.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import uuid4

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from tightnut.auth.rights import Actor
from tightnut.defects import service
from tightnut.deps import Catalog, DbSession, PageActor
from tightnut.errors import Invalid, TightnutError
from tightnut.fields import MAX_ID
from tightnut.fleet.models import Depot, Vehicle
from tightnut.fleet.schemas import VehicleFilter
from tightnut.fleet.service import get_vehicle, list_vehicles
from tightnut.inspections.pages import GROUP_NAMES
from tightnut.paging import PageRequest
from tightnut.photos import service as photos
from tightnut.photos.uploads import read_uploads
from tightnut.rules import RuleCatalog, RuleItem
from tightnut.web import forms
from tightnut.web.i18n import N_
from tightnut.web.render import page_router, redirect, render, translate

report_router: APIRouter = page_router()

VEHICLE_CHOICES = 20
OTHER = "other"
REPORTED = N_("Defect reported. The gate takes it into account from now on.")
ADDED = N_("This fault was already reported; your note and photos were added to it.")
REPLAYED = N_("This report was already received.")
CHOOSE_ITEM = N_("Choose what is wrong.")
WORDS = {
    service.OTHER_NEEDS_WORDS: N_("Say what is wrong: at least 3 characters."),
    service.OTHER_NEEDS_SAFETY: N_("Say whether the vehicle is safe to operate."),
    service.NOT_ON_CHECKLIST: N_("This item is not on the vehicle's checklist."),
}
Plate = Annotated[str | None, Query(max_length=100)]


class ReportForm(BaseModel):
    """What the report form sends (besides its photos)."""

    vehicle_id: int = Field(ge=1, le=MAX_ID)
    item_code: str = Field(min_length=1, max_length=100)
    note: str = Field(default="", max_length=2000)
    unsafe: Literal["yes", "no"] | None = None
    idempotency_key: str = Field(min_length=8, max_length=200)


@report_router.get("/defects/new", response_class=HTMLResponse)
def report_form(
    request: Request,
    session: DbSession,
    actor: PageActor,
    catalog: Catalog,
    vehicle: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    plate: Plate = None,
) -> Response:
    """Report a defect: find the vehicle, say what is wrong, add photos."""
    service.require_reporter(actor)
    values: forms.Values = {"idempotency_key": str(uuid4()), "plate": (plate or "").strip()}
    if vehicle is not None:
        values["vehicle_id"] = str(get_vehicle(session, actor, vehicle).id)
    return render(request, "defects/new.html", _report_context(session, actor, catalog, values))


@report_router.post("/defects/new", response_class=HTMLResponse)
def report(
    request: Request, session: DbSession, actor: PageActor, catalog: Catalog, form: forms.Posted
) -> Response:
    """Open the defect (once per form), with its photos; or show the form again, nothing kept."""
    service.require_reporter(actor)
    typed = forms.values_of(form)
    try:
        data = _report_data(request, typed)
        uploads = read_uploads(form)
        reported = service.report_defect(
            session,
            actor,
            vehicle_id=data.vehicle_id,
            item_code=None if data.item_code == OTHER else data.item_code,
            note=data.note.strip(),
            unsafe=None if data.unsafe is None else data.unsafe == "yes",
            catalog=catalog,
            idempotency_key=data.idempotency_key,
        )
        if not reported.replayed and uploads:
            photos.attach_to_defect(session, actor, defect_id=reported.defect.id, uploads=uploads)
    except (forms.FormInvalid, TightnutError) as exc:
        if isinstance(exc, TightnutError) and exc.status_code in (403, 404):
            raise
        context = _report_context(session, actor, catalog, typed)
        context["photos_lost"] = _photos_sent(form)
        return forms.refuse(request, session, "defects/new.html", context, _worded(exc))
    message = REPORTED if reported.opened else REPLAYED if reported.replayed else ADDED
    return redirect(request, f"/defects/{reported.defect.id}", notice=translate(request, message))


def _report_context(
    session: Session, actor: Actor, catalog: RuleCatalog, values: forms.Values
) -> dict[str, object]:
    vehicle = _chosen_vehicle(session, actor, values.get("vehicle_id"))
    plate = str(values.get("plate", ""))
    found = (
        list_vehicles(
            session,
            actor,
            page=PageRequest(limit=VEHICLE_CHOICES),
            filters=VehicleFilter(q=plate[:100] or None),
        ).rows
        if vehicle is None
        else []
    )
    groups: dict[str, list[RuleItem]] = {}
    if vehicle is not None:
        depot = session.get_one(Depot, vehicle.depot_id)
        for item in service.reportable_items(catalog, depot, vehicle):
            groups.setdefault(item.group, []).append(item)
    return {
        "vehicle": vehicle,
        "vehicles": found,
        "groups": groups,
        "group_names": GROUP_NAMES,
        "values": values,
        "photos_lost": False,
    }


def _chosen_vehicle(session: Session, actor: Actor, raw: object) -> Vehicle | None:
    text = str(raw or "")
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        return None
    vehicle = session.get(Vehicle, int(text))
    return vehicle if vehicle is not None and vehicle.operator_id == actor.operator_id else None


def _report_data(request: Request, typed: forms.Values) -> ReportForm:
    if not typed.get("item_code"):
        raise forms.FormInvalid({"item_code": translate(request, CHOOSE_ITEM)})
    return forms.parse(request, ReportForm, typed)


def _worded(exc: forms.FormInvalid | TightnutError) -> forms.FormInvalid | TightnutError:
    """A service refusal with the page's own words for it, when it has them."""
    if isinstance(exc, TightnutError) and exc.message in WORDS:
        return Invalid(WORDS[exc.message], field=exc.field)
    return exc


def _photos_sent(form: FormData) -> bool:
    return any(isinstance(v, UploadFile) and v.filename for _, v in form.multi_items())
