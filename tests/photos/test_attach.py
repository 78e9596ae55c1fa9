"""Attaching photos: with the inspection item and its defect, bounded, tenant-checked, atomic."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import Login, inspection_body, make_depot, make_login, make_operator, make_vehicle
from photos.samples import phone_jpeg
from tightnut.auth.models import Operator, Role
from tightnut.config import Settings
from tightnut.errors import Forbidden, Invalid, NotFound
from tightnut.fleet.meters import limits_of
from tightnut.inspections import service as inspections
from tightnut.inspections.schemas import InspectionCreate
from tightnut.photos import service as photos
from tightnut.photos.models import Photo
from tightnut.photos.service import Upload
from tightnut.rules import RuleCatalog

FAILED_ITEM = "brakes.parking"


def _upload(data: bytes | None = None, name: str = "brake.jpg") -> Upload:
    return Upload(
        data=data if data is not None else phone_jpeg(), content_type="image/jpeg", filename=name
    )


def _photos(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Photo)) or 0


@pytest.fixture
def failed(session: Session, catalog: RuleCatalog) -> tuple[Login, int, int]:
    """An inspector, an inspection that failed the parking brake, and the defect it opened."""
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot)
    inspector = make_login(session, operator, Role.INSPECTOR)
    body = inspection_body(catalog, depot, bus, {FAILED_ITEM: {"passed": False, "note": "rolls"}})
    submitted = inspections.submit(
        session,
        inspector.actor,
        data=InspectionCreate.model_validate(body),
        catalog=catalog,
        limits=limits_of(Settings(database_url="sqlite://")),
    )
    [defect_id] = inspections.opened_defect_ids(session, submitted.inspection)
    return inspector, submitted.inspection.id, defect_id


def test_photos_of_a_failed_item_belong_to_the_inspection_and_its_defect(
    session: Session, failed: tuple[Login, int, int]
) -> None:
    inspector, inspection_id, defect_id = failed

    stored = photos.attach_to_inspection(
        session,
        inspector.actor,
        inspection_id=inspection_id,
        item_code=FAILED_ITEM,
        uploads=[_upload(), _upload(name="second.jpg")],
    )

    assert len(stored) == 2
    for photo in stored:
        assert (photo.inspection_id, photo.item_code, photo.defect_id) == (
            inspection_id,
            FAILED_ITEM,
            defect_id,
        )
        assert photo.taken_by == inspector.actor.user_id
        assert b"PhoneMakerCo" not in photo.data
    defect = photos.defects.get_defect(session, inspector.actor, defect_id)
    assert [p.id for p in photos.for_defect(session, inspector.actor, defect)] == [
        p.id for p in stored
    ]
    assert len(photos.for_inspection(session, inspector.actor, inspection_id)) == 2


def test_a_photo_of_a_passed_item_has_no_defect(
    session: Session, failed: tuple[Login, int, int]
) -> None:
    inspector, inspection_id, _ = failed

    [photo] = photos.attach_to_inspection(
        session,
        inspector.actor,
        inspection_id=inspection_id,
        item_code="lights.headlamps",
        uploads=[_upload()],
    )

    assert photo.defect_id is None
    assert photo.item_code == "lights.headlamps"


def test_a_text_file_named_jpg_is_refused_and_nothing_is_written(
    session: Session, failed: tuple[Login, int, int]
) -> None:
    inspector, inspection_id, _ = failed
    before = _photos(session)

    with pytest.raises(Invalid) as refused:
        photos.attach_to_inspection(
            session,
            inspector.actor,
            inspection_id=inspection_id,
            item_code=FAILED_ITEM,
            uploads=[_upload(), _upload(b"not a photo at all", name="notes.jpg")],
        )

    assert refused.value.field == "photos"
    assert _photos(session) == before


def test_more_than_six_photos_of_one_item_are_refused(
    session: Session, failed: tuple[Login, int, int]
) -> None:
    inspector, inspection_id, _ = failed
    photos.attach_to_inspection(
        session,
        inspector.actor,
        inspection_id=inspection_id,
        item_code=FAILED_ITEM,
        uploads=[_upload()] * 4,
    )

    with pytest.raises(Invalid) as refused:
        photos.attach_to_inspection(
            session,
            inspector.actor,
            inspection_id=inspection_id,
            item_code=FAILED_ITEM,
            uploads=[_upload()] * 3,
        )

    assert refused.value.field == "photos"
    assert _photos(session) == 4


def test_an_oversize_photo_is_refused(session: Session, failed: tuple[Login, int, int]) -> None:
    inspector, inspection_id, _ = failed

    with pytest.raises(Invalid) as refused:
        photos.attach_to_inspection(
            session,
            inspector.actor,
            inspection_id=inspection_id,
            item_code=FAILED_ITEM,
            uploads=[_upload(phone_jpeg() + b"\0" * (10 * 1024 * 1024))],
        )

    assert refused.value.field == "photos"
    assert "10 MiB" in refused.value.message


def test_an_item_not_on_the_inspection_is_refused(
    session: Session, failed: tuple[Login, int, int]
) -> None:
    inspector, inspection_id, _ = failed

    with pytest.raises(Invalid):
        photos.attach_to_inspection(
            session,
            inspector.actor,
            inspection_id=inspection_id,
            item_code="no.such.item",
            uploads=[_upload()],
        )


def test_another_operators_inspection_and_photo_are_not_found(
    session: Session, failed: tuple[Login, int, int]
) -> None:
    inspector, inspection_id, _ = failed
    [photo] = photos.attach_to_inspection(
        session,
        inspector.actor,
        inspection_id=inspection_id,
        item_code=FAILED_ITEM,
        uploads=[_upload()],
    )
    stranger = make_login(session, make_operator(session), Role.INSPECTOR)

    with pytest.raises(NotFound):
        photos.attach_to_inspection(
            session,
            stranger.actor,
            inspection_id=inspection_id,
            item_code=FAILED_ITEM,
            uploads=[_upload()],
        )
    with pytest.raises(NotFound):
        photos.get_photo(session, stranger.actor, photo.id)
    assert photos.for_vehicle(session, stranger.actor, photo.vehicle_id, limit=10) == []
    assert photos.get_photo(session, inspector.actor, photo.id, thumbnail=True).thumbnail


def test_a_network_manager_may_not_add_photos_to_a_defect(
    session: Session, failed: tuple[Login, int, int]
) -> None:
    inspector, _, defect_id = failed
    operator = session.get_one(Operator, inspector.actor.operator_id)
    supplier = make_login(session, operator, Role.NETWORK_MANAGER)

    with pytest.raises(Forbidden):
        photos.attach_to_defect(session, supplier.actor, defect_id=defect_id, uploads=[_upload()])
