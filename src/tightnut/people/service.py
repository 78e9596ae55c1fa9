"""Technicians, their training and certifications, always scoped to the caller's operator."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tightnut.auth.models import User
from tightnut.auth.rights import GRANTS, Actor, Right
from tightnut.errors import Conflict, Forbidden, Invalid, NotFound
from tightnut.fleet.models import Vehicle
from tightnut.paging import PageRequest, Slice, keyset
from tightnut.people.models import Certification, Technician, Training


def create_technician(
    session: Session,
    actor: Actor,
    *,
    full_name: str,
    user_id: int | None = None,
    hub: str | None = None,
) -> Technician:
    """A new technician of the caller's operator, optionally linked to a user who signs in."""
    actor.require(Right.MANAGE_PEOPLE)
    full_name = full_name.strip()
    if not full_name:
        raise Invalid("a technician needs a name", field="full_name")
    if user_id is not None:
        _check_user_free(session, actor, user_id)
    technician = Technician(
        operator_id=actor.operator_id, full_name=full_name, user_id=user_id, hub=hub or None
    )
    session.add(technician)
    session.flush()
    return technician


def _check_user_free(session: Session, actor: Actor, user_id: int) -> None:
    user = session.get(User, user_id)
    if user is None or user.operator_id != actor.operator_id:
        raise NotFound(f"no user {user_id}", field="user_id")
    taken = session.scalar(select(Technician.id).where(Technician.user_id == user_id))
    if taken is not None:
        raise Conflict(f"user {user_id} is already technician {taken}", field="user_id")


def get_technician(session: Session, actor: Actor, technician_id: int) -> Technician:
    """The caller's technician ``technician_id``; 404 for anyone else's."""
    technician = session.get(Technician, technician_id)
    if technician is None or technician.operator_id != actor.operator_id:
        raise NotFound(f"no technician {technician_id}", field="technician_id")
    return technician


def list_technicians(
    session: Session, actor: Actor, *, hub: str | None = None, active_only: bool = False
) -> Sequence[Technician]:
    """The caller's technicians by name, optionally of one hub."""
    query = select(Technician).where(Technician.operator_id == actor.operator_id)
    if hub is not None:
        query = query.where(Technician.hub == hub)
    if active_only:
        query = query.where(Technician.active.is_(True))
    return session.scalars(query.order_by(Technician.full_name, Technician.id)).all()


def technician_of_user(session: Session, actor: Actor) -> Technician | None:
    """The active technician record the caller signs in as, if any."""
    query = select(Technician).where(
        Technician.user_id == actor.user_id,
        Technician.operator_id == actor.operator_id,
        Technician.active.is_(True),
    )
    return session.scalar(query)


def record_training(
    session: Session,
    actor: Actor,
    *,
    technician_id: int,
    title: str,
    provider: str,
    model_family: str,
    engine_type: str,
    completed_on: date,
    hours: float,
    grants_years: int | None = 3,
) -> Training:
    """A completed course; it grants a certification valid ``grants_years`` (None: none)."""
    actor.require(Right.MANAGE_PEOPLE)
    technician = get_technician(session, actor, technician_id)
    _check_training(completed_on=completed_on, hours=hours, grants_years=grants_years)
    training = Training(
        technician_id=technician.id,
        title=title,
        provider=provider,
        model_family=model_family,
        engine_type=engine_type,
        completed_on=completed_on,
        hours=hours,
    )
    session.add(training)
    session.flush()
    if grants_years is not None:
        _certify(
            session,
            technician,
            model_family=model_family,
            engine_type=engine_type,
            issued_on=completed_on,
            expires_on=add_years(completed_on, grants_years),
            training_id=training.id,
        )
    return training


def _check_training(*, completed_on: date, hours: float, grants_years: int | None) -> None:
    if completed_on > date.today():
        raise Invalid(f"{completed_on} is in the future", field="completed_on")
    if hours < 0:
        raise Invalid("hours cannot be negative", field="hours")
    if grants_years is not None and grants_years < 1:
        raise Invalid("a training grants at least one year, or nothing", field="grants_years")


def add_certification(
    session: Session,
    actor: Actor,
    *,
    technician_id: int,
    model_family: str,
    engine_type: str,
    issued_on: date,
    expires_on: date,
) -> Certification:
    """Enter a certificate the technician already holds; it must expire after its issue."""
    actor.require(Right.MANAGE_PEOPLE)
    technician = get_technician(session, actor, technician_id)
    if expires_on <= issued_on:
        raise Invalid(
            f"expires on {expires_on}, which is not after its issue on {issued_on}",
            field="expires_on",
        )
    if issued_on > date.today():
        raise Invalid(f"{issued_on} is in the future", field="issued_on")
    return _certify(
        session,
        technician,
        model_family=model_family,
        engine_type=engine_type,
        issued_on=issued_on,
        expires_on=expires_on,
        training_id=None,
    )


def _certify(
    session: Session,
    technician: Technician,
    *,
    model_family: str,
    engine_type: str,
    issued_on: date,
    expires_on: date,
    training_id: int | None,
) -> Certification:
    certification = Certification(
        technician_id=technician.id,
        model_family=model_family,
        engine_type=engine_type,
        issued_on=issued_on,
        expires_on=expires_on,
        training_id=training_id,
    )
    session.add(certification)
    session.flush()
    return certification


def add_years(day: date, years: int) -> date:
    """``day`` moved ``years`` on; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def trainings_of(session: Session, technician: Technician) -> Sequence[Training]:
    """The technician's trainings, newest first."""
    query = select(Training).where(Training.technician_id == technician.id)
    return session.scalars(query.order_by(Training.completed_on.desc(), Training.id.desc())).all()


def certifications_of(session: Session, technician: Technician) -> Sequence[Certification]:
    """The technician's certifications, latest expiry first."""
    query = select(Certification).where(Certification.technician_id == technician.id)
    order = (Certification.expires_on.desc(), Certification.id.desc())
    return session.scalars(query.order_by(*order)).all()


def granted_by(session: Session, training: Training) -> Certification | None:
    """The certification ``training`` granted, if any."""
    query = select(Certification).where(Certification.training_id == training.id)
    return session.scalar(query)


def find_valid_certification(
    session: Session, *, technician_id: int, model_family: str, engine_type: str, on: date
) -> Certification | None:
    """The technician's certification for the family and engine valid on ``on``; latest expiry."""
    query = (
        _matching(model_family, engine_type)
        .where(
            Certification.technician_id == technician_id,
            Certification.issued_on <= on,
            Certification.expires_on >= on,
        )
        .order_by(Certification.expires_on.desc(), Certification.id.desc())
    )
    return session.scalars(query.limit(1)).first()


def find_latest_certification(
    session: Session, *, technician_id: int, model_family: str, engine_type: str
) -> Certification | None:
    """The technician's certification for the family and engine that expires last, if any."""
    query = (
        _matching(model_family, engine_type)
        .where(Certification.technician_id == technician_id)
        .order_by(Certification.expires_on.desc(), Certification.id.desc())
    )
    return session.scalars(query.limit(1)).first()


def certified_signer(
    session: Session, actor: Actor, *, model_family: str, engine_type: str, on: date | None = None
) -> Technician:
    """The caller's technician if certified for the pair on ``on``; else Forbidden saying why."""
    on = on or date.today()
    wanted = f"model family '{model_family}' and engine type '{engine_type}'"
    detail: dict[str, object] = {"model_family": model_family, "engine_type": engine_type}
    technician = technician_of_user(session, actor)
    if technician is None:
        raise Forbidden(
            f"only a technician certified for {wanted} may sign; "
            "your user is not linked to an active technician",
            detail={**detail, "reason": "not_a_technician"},
        )
    key = {"model_family": model_family, "engine_type": engine_type}
    if find_valid_certification(session, technician_id=technician.id, on=on, **key):
        return technician
    latest = find_latest_certification(session, technician_id=technician.id, **key)
    reason, why = _why_not(latest, on)
    raise Forbidden(
        f"{technician.full_name} may not sign: the certification for {wanted} {why}",
        detail={**detail, "reason": reason, "technician_id": technician.id},
    )


def _why_not(latest: Certification | None, on: date) -> tuple[str, str]:
    if latest is None:
        return "missing", "is missing"
    if latest.expires_on < on:
        return "expired", f"expired on {latest.expires_on}"
    return "not_yet_valid", f"is valid only from {latest.issued_on}"


def certified_technicians(
    session: Session, operator_id: int, *, model_family: str, engine_type: str, on: date
) -> list[Technician]:
    """The operator's active technicians certified for the family and engine on ``on``."""
    holders = (
        _matching(model_family, engine_type)
        .where(Certification.issued_on <= on, Certification.expires_on >= on)
        .with_only_columns(Certification.technician_id)
    )
    query = select(Technician).where(
        Technician.operator_id == operator_id,
        Technician.active.is_(True),
        Technician.id.in_(holders),
    )
    return list(session.scalars(query.order_by(Technician.full_name, Technician.id)))


def _matching(model_family: str, engine_type: str) -> Select[Certification]:
    return select(Certification).where(
        Certification.model_family == model_family, Certification.engine_type == engine_type
    )


def page_technicians(session: Session, actor: Actor, *, page: PageRequest) -> Slice[Technician]:
    """One page of the caller's technicians by name."""
    query = select(Technician).where(Technician.operator_id == actor.operator_id)
    return keyset(
        session,
        query,
        key=Technician.full_name,
        row_id=Technician.id,
        page=page,
        newest_first=False,
    )


def certifications_for(
    session: Session, technician_ids: Sequence[int]
) -> dict[int, list[Certification]]:
    """Each technician's certifications, latest expiry first, in one query."""
    found: dict[int, list[Certification]] = {t: [] for t in technician_ids}
    if not technician_ids:
        return found
    query = select(Certification).where(Certification.technician_id.in_(technician_ids))
    order = (Certification.expires_on.desc(), Certification.id.desc())
    for certification in session.scalars(query.order_by(*order)):
        found[certification.technician_id].append(certification)
    return found


def linkable_users(session: Session, actor: Actor) -> Sequence[User]:
    """The caller's active users who may sign work and are no technician yet, by name."""
    signers = [role.value for role in GRANTS[Right.DO_WORK]]
    linked = select(Technician.user_id).where(Technician.user_id.is_not(None))
    query = select(User).where(
        User.operator_id == actor.operator_id,
        User.active.is_(True),
        User.role.in_(signers),
        User.id.not_in(linked),
    )
    return session.scalars(query.order_by(User.full_name, User.id).limit(200)).all()


def model_families(session: Session, actor: Actor) -> list[str]:
    """The model families of the caller's fleet, for choosing what a certificate covers."""
    query = (
        select(Vehicle.model_family)
        .where(Vehicle.operator_id == actor.operator_id)
        .distinct()
        .order_by(Vehicle.model_family)
    )
    return list(session.scalars(query.limit(200)))
