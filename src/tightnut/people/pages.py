"""The technicians pages: who may sign which work, until when, and the training behind it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.deps import DbSession, PageActor
from tightnut.errors import TightnutError
from tightnut.fields import MAX_ID, Day, PathId, TrainingHours
from tightnut.paging import PageQuery
from tightnut.people import service
from tightnut.people.models import Certification, Technician
from tightnut.people.names import ENGINE_NAMES
from tightnut.people.schemas import CertificationCreate
from tightnut.rules.schema import EngineType
from tightnut.web import forms
from tightnut.web.i18n import N_
from tightnut.web.render import page_router, redirect, render, translate

router = page_router()

ADDED = N_("Technician added.")
CERTIFIED = N_("Certification added.")
TRAINED = N_("Training recorded.")
IN_FUTURE = N_("This day is in the future.")
NOT_AFTER = N_("The certificate must expire after it was issued.")
USER_TAKEN = N_("This user is already another technician.")
CHOOSE = N_("Choose one of the options.")


class TechnicianForm(BaseModel):
    """A new technician as the page sends it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    full_name: str = Field(min_length=1, max_length=200)
    hub: str | None = Field(default=None, max_length=200)
    user_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None


class TrainingForm(BaseModel):
    """A completed course; its fields are named apart from the certificate form's."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    provider: str = Field(min_length=1, max_length=200)
    model_family: str = Field(min_length=1, max_length=100, alias="course_family")
    engine_type: EngineType = Field(alias="course_engine")
    completed_on: Day
    hours: TrainingHours = 0.0
    grants_years: int | None = Field(default=None, ge=1, le=20)


def state_of(certification: Certification, today: date) -> str:
    """valid, expired or not_yet_valid on ``today``."""
    if certification.expires_on < today:
        return "expired"
    if certification.issued_on > today:
        return "not_yet_valid"
    return "valid"


CERT_STATES = {
    "valid": N_("valid"),
    "expired": N_("expired"),
    "not_yet_valid": N_("not yet valid"),
}


def _shared(request: Request, actor: Actor) -> dict[str, object]:
    return {
        "engine_names": ENGINE_NAMES,
        "engine_options": [(k, translate(request, v)) for k, v in ENGINE_NAMES.items()],
        "cert_states": CERT_STATES,
        "state_of": state_of,
        "today": date.today(),
        "can_manage": actor.can(Right.MANAGE_PEOPLE),
    }


@router.get("/technicians")
def list_page(request: Request, session: DbSession, actor: PageActor, page: PageQuery) -> Response:
    """The caller's technicians with their certifications, paged through the database."""
    found = service.page_technicians(session, actor, page=page)
    certifications = service.certifications_for(session, [t.id for t in found.rows])
    context = {**_shared(request, actor), "page": found, "certifications": certifications}
    return render(request, "people/list.html", context)


@router.get("/technicians/new")
def new_page(request: Request, session: DbSession, actor: PageActor) -> Response:
    """The form for a new technician."""
    actor.require(Right.MANAGE_PEOPLE)
    return render(request, "people/new.html", _new_context(session, actor, {}))


def _new_context(session: Session, actor: Actor, values: forms.Values) -> dict[str, object]:
    users = [(u.id, f"{u.full_name} · {u.email}") for u in service.linkable_users(session, actor)]
    return {"values": values, "users": users}


@router.post("/technicians/new")
def create(request: Request, session: DbSession, actor: PageActor, typed: forms.Typed) -> Response:
    """Add the technician; refusals in place."""
    return _create(request, session, actor, typed)


def _create(request: Request, session: Session, actor: Actor, typed: forms.Values) -> Response:
    actor.require(Right.MANAGE_PEOPLE)
    try:
        data = forms.parse(request, TechnicianForm, typed)
        technician = service.create_technician(session, actor, **data.model_dump())
    except (forms.FormInvalid, TightnutError) as exc:
        session.rollback()
        context = _new_context(session, actor, typed)
        return forms.refuse(request, session, "people/new.html", context, _worded(request, exc))
    return redirect(request, f"/technicians/{technician.id}", notice=translate(request, ADDED))


@router.get("/technicians/{technician_id}")
def detail_page(
    request: Request,
    technician_id: PathId,
    session: DbSession,
    actor: PageActor,
) -> Response:
    """One technician: certifications (expired ones marked), trainings, and forms to add them."""
    technician = service.get_technician(session, actor, technician_id)
    return render(request, "people/detail.html", _detail(request, session, actor, technician))


def _detail(
    request: Request, session: Session, actor: Actor, technician: Technician, *, failed: str = ""
) -> dict[str, object]:
    trainings = service.trainings_of(session, technician)
    families = service.model_families(session, actor)
    return {
        **_shared(request, actor),
        "technician": technician,
        "certifications": service.certifications_of(session, technician),
        "trainings": [(t, service.granted_by(session, t)) for t in trainings],
        "family_options": [(f, f) for f in families],
        "failed": failed,
    }


@router.post("/technicians/{technician_id}/certifications")
def add_certification(
    request: Request,
    technician_id: PathId,
    session: DbSession,
    actor: PageActor,
    typed: forms.Typed,
) -> Response:
    """Enter a certificate the technician already holds."""
    return _certify(request, session, actor, technician_id, typed)


def _certify(
    request: Request, session: Session, actor: Actor, technician_id: int, typed: forms.Values
) -> Response:
    technician = service.get_technician(session, actor, technician_id)
    try:
        data = forms.parse(request, CertificationCreate, typed)
        service.add_certification(session, actor, technician_id=technician.id, **data.model_dump())
    except (forms.FormInvalid, TightnutError) as exc:
        return _refuse(request, session, actor, technician, "certification", typed, exc)
    return redirect(request, f"/technicians/{technician.id}", notice=translate(request, CERTIFIED))


@router.post("/technicians/{technician_id}/trainings")
def record_training(
    request: Request,
    technician_id: PathId,
    session: DbSession,
    actor: PageActor,
    typed: forms.Typed,
) -> Response:
    """Record a completed course and the certification it grants, if any."""
    return _train(request, session, actor, technician_id, typed)


def _train(
    request: Request, session: Session, actor: Actor, technician_id: int, typed: forms.Values
) -> Response:
    technician = service.get_technician(session, actor, technician_id)
    try:
        data = forms.parse(request, TrainingForm, typed)
        service.record_training(session, actor, technician_id=technician.id, **data.model_dump())
    except (forms.FormInvalid, TightnutError) as exc:
        return _refuse(request, session, actor, technician, "training", typed, exc)
    return redirect(request, f"/technicians/{technician.id}", notice=translate(request, TRAINED))


def _refuse(
    request: Request,
    session: Session,
    actor: Actor,
    technician: Technician,
    failed: str,
    typed: forms.Values,
    exc: forms.FormInvalid | TightnutError,
) -> Response:
    if isinstance(exc, TightnutError) and exc.status_code == 403:
        raise exc
    session.rollback()
    shown = _worded(request, exc)
    if failed == "training" and isinstance(shown, TightnutError) and shown.field:
        aliases = {"model_family": "course_family", "engine_type": "course_engine"}
        shown = type(shown)(shown.message, field=aliases.get(shown.field, shown.field))
    context = {**_detail(request, session, actor, technician, failed=failed), "values": typed}
    return forms.refuse(request, session, "people/detail.html", context, shown)


def _worded(
    request: Request, exc: forms.FormInvalid | TightnutError
) -> forms.FormInvalid | TightnutError:
    """The service's refusals the page knows, in the reader's language."""
    if isinstance(exc, forms.FormInvalid):
        return exc
    message = exc.message
    if "in the future" in message:
        message = translate(request, IN_FUTURE)
    elif exc.field == "expires_on":
        message = translate(request, NOT_AFTER)
    elif exc.field == "user_id":
        message = translate(request, USER_TAKEN if exc.status_code == 409 else CHOOSE)
    else:
        return exc
    return type(exc)(message, field=exc.field, detail=exc.detail)
