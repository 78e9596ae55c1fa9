"""Photos as evidence: cleaned on the way in, stored with their inspection item and defect.

A photo is as append-only as the record it belongs to: this service adds and reads photos and
has no path that changes or removes one. Every read is scoped to the caller's operator inside
the function, so another operator's photo answers like a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, undefer

from tightnut.auth.rights import Actor, Right
from tightnut.db import utcnow
from tightnut.defects import service as defects
from tightnut.defects.models import Defect
from tightnut.errors import Invalid, NotFound
from tightnut.inspections.service import get_inspection
from tightnut.photos.images import Cleaned, NotAPhoto, Reason, clean
from tightnut.photos.models import Photo
from tightnut.web.i18n import N_

MAX_PER_ITEM = 6
"""The most photos one inspection item or one defect holds."""
FIELD = "photos"
TOO_MANY = N_("At most 6 photos of one item.")
REASONS = {
    Reason.TOO_LARGE: N_("A photo is larger than 10 MiB."),
    Reason.TOO_MANY_PIXELS: N_("A photo has too many pixels."),
    Reason.NOT_AN_IMAGE: N_("A file is not a JPEG, PNG or WebP photo."),
}


@dataclass(frozen=True)
class Upload:
    """One file as the browser sent it."""

    data: bytes
    content_type: str
    filename: str


def attach_to_inspection(
    session: Session,
    actor: Actor,
    *,
    inspection_id: int,
    item_code: str,
    uploads: Sequence[Upload],
) -> list[Photo]:
    """Store photos of one inspection item, with the unresolved defect it left on the vehicle."""
    actor.require(Right.INSPECT)
    inspection = get_inspection(session, actor, inspection_id)
    recorded = {str(result.get("item_id")) for result in inspection.results}
    if item_code not in recorded:
        raise Invalid(f"'{item_code}' is not an item of inspection {inspection_id}", field=FIELD)
    defect = defects.unresolved_by_item(session, inspection.vehicle_id).get(item_code)
    already = _count(session, Photo.inspection_id == inspection.id, Photo.item_code == item_code)
    return _store(
        session,
        actor,
        uploads,
        already=already,
        vehicle_id=inspection.vehicle_id,
        inspection_id=inspection.id,
        item_code=item_code,
        defect_id=defect.id if defect else None,
    )


def attach_to_defect(
    session: Session, actor: Actor, *, defect_id: int, uploads: Sequence[Upload]
) -> list[Photo]:
    """Store photos of a defect (reported, or added later as it is repaired)."""
    defect = defects.get_defect(session, actor, defect_id)
    defects.require_reporter(actor)
    already = _count(session, Photo.defect_id == defect.id)
    return _store(
        session,
        actor,
        uploads,
        already=already,
        vehicle_id=defect.vehicle_id,
        inspection_id=None,
        item_code=defect.item_id,
        defect_id=defect.id,
    )


def get_photo(session: Session, actor: Actor, photo_id: int, *, thumbnail: bool = False) -> Photo:
    """The caller's photo ``photo_id`` with its bytes loaded; 404 for anyone else's."""
    column = Photo.thumbnail if thumbnail else Photo.data
    photo = session.get(Photo, photo_id, options=[undefer(column)])
    if photo is None or photo.operator_id != actor.operator_id:
        raise NotFound(f"no photo {photo_id}")
    return photo


def for_defect(session: Session, actor: Actor, defect: Defect) -> Sequence[Photo]:
    """The photos of ``defect`` (the caller's), oldest first, without their bytes."""
    return _listed(session, actor, Photo.defect_id == defect.id)


def for_inspection(
    session: Session, actor: Actor, inspection_id: int, *, item_code: str | None = None
) -> Sequence[Photo]:
    """The photos of an inspection (or of one of its items), oldest first."""
    inspection = get_inspection(session, actor, inspection_id)
    condition = Photo.inspection_id == inspection.id
    if item_code is not None:
        return _listed(session, actor, condition, Photo.item_code == item_code)
    return _listed(session, actor, condition)


def for_vehicle(session: Session, actor: Actor, vehicle_id: int, *, limit: int) -> Sequence[Photo]:
    """The vehicle's latest ``limit`` photos, newest first, without their bytes."""
    query = (
        select(Photo)
        .where(Photo.operator_id == actor.operator_id, Photo.vehicle_id == vehicle_id)
        .order_by(Photo.created_at.desc(), Photo.id.desc())
        .limit(limit)
    )
    return session.scalars(query).all()


def counts_by_defect(session: Session, defect_ids: Sequence[int]) -> dict[int, int]:
    """How many photos each of ``defect_ids`` has, in one query."""
    if not defect_ids:
        return {}
    query = (
        select(Photo.defect_id, func.count())
        .where(Photo.defect_id.in_(defect_ids))
        .group_by(Photo.defect_id)
    )
    return {defect_id: n for defect_id, n in session.execute(query) if defect_id is not None}


def check_uploads(uploads: Sequence[Upload], *, already: int = 0) -> None:
    """Refuse too many photos, or any that is not one, before anything is written."""
    if already + len(uploads) > MAX_PER_ITEM:
        raise Invalid(TOO_MANY, field=FIELD)
    for upload in uploads:
        _cleaned(upload)


def _store(
    session: Session,
    actor: Actor,
    uploads: Sequence[Upload],
    *,
    already: int,
    vehicle_id: int,
    inspection_id: int | None,
    item_code: str | None,
    defect_id: int | None,
) -> list[Photo]:
    if already + len(uploads) > MAX_PER_ITEM:
        raise Invalid(TOO_MANY, field=FIELD)
    cleaned = [_cleaned(upload) for upload in uploads]
    now = utcnow()
    photos = [
        Photo(
            operator_id=actor.operator_id,
            vehicle_id=vehicle_id,
            inspection_id=inspection_id,
            item_code=item_code,
            defect_id=defect_id,
            content_type=image.content_type,
            data=image.data,
            thumbnail=image.thumbnail,
            width_px=image.width_px,
            height_px=image.height_px,
            size_bytes=len(image.data),
            sha256=image.sha256,
            taken_by=actor.user_id,
            created_at=now,
        )
        for image in cleaned
    ]
    session.add_all(photos)
    session.flush()
    return photos


def _cleaned(upload: Upload) -> Cleaned:
    try:
        return clean(upload.data)
    except NotAPhoto as refused:
        raise Invalid(REASONS[refused.reason], field=FIELD) from None


def _count(session: Session, *conditions: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(Photo).where(*conditions)
    return session.scalar(query) or 0


def _listed(session: Session, actor: Actor, *conditions: ColumnElement[bool]) -> Sequence[Photo]:
    query = select(Photo).where(Photo.operator_id == actor.operator_id, *conditions)
    return session.scalars(query.order_by(Photo.id)).all()
