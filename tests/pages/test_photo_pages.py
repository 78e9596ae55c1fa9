"""A stored photo and its thumbnail: JPEG without metadata, to its own operator only."""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image
from sqlalchemy import select

from pages.conftest import PageClient, Web
from photos.samples import phone_jpeg
from tightnut.auth.models import Operator
from tightnut.fleet.models import Vehicle
from tightnut.photos.models import Photo

Clients = Callable[[str | None], PageClient]


def _photo(client: PageClient, web: Web, index: int) -> Photo:
    with web.session() as session:
        vehicle = session.scalars(
            select(Vehicle)
            .join(Operator)
            .where(Operator.name.contains("South"))
            .order_by(Vehicle.id)
        ).all()[30 + index]
    answer = client.post(
        "/defects/new",
        {
            "vehicle_id": str(vehicle.id),
            "item_code": "other",
            "unsafe": "no",
            "note": "dent in the rear bumper",
            "idempotency_key": f"photo-page-{index}",
        },
        files={"photos": ("dent.jpg", phone_jpeg(width=3000, height=2000), "image/jpeg")},
    )
    assert answer.status_code == 303, answer.text
    with web.session() as session:
        return session.scalars(select(Photo).where(Photo.vehicle_id == vehicle.id)).one()


def test_the_photo_and_its_thumbnail_are_clean_jpegs(client_of: Clients, web: Web) -> None:
    client = client_of("driver@southline.demo")
    photo = _photo(client, web, 0)

    full = client.get(f"/photos/{photo.id}")
    thumb = client.get(f"/photos/{photo.id}/thumb")

    for answer in (full, thumb):
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/jpeg"
        assert answer.headers["cache-control"] == "private, max-age=86400, immutable"
        assert answer.headers["x-content-type-options"] == "nosniff"
        image = Image.open(io.BytesIO(answer.content))
        assert dict(image.getexif()) == {}
    assert Image.open(io.BytesIO(full.content)).size == (2048, 1365)
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 320


def test_another_operators_photo_is_the_404_page(client_of: Clients, web: Web) -> None:
    photo = _photo(client_of("driver@southline.demo"), web, 1)
    stranger = client_of("driver@kubanfields.demo")

    for path in (f"/photos/{photo.id}", f"/photos/{photo.id}/thumb"):
        answer = stranger.get(path)
        assert answer.status_code == 404
        assert "text/html" in answer.headers["content-type"]
        assert "not yours to see" in answer.text


def test_a_missing_or_malformed_photo_id(client_of: Clients) -> None:
    client = client_of("driver@southline.demo")

    assert client.get("/photos/999999").status_code == 404
    assert client.get("/photos/x").status_code == 422


def test_signed_out_a_photo_sends_to_sign_in(client_of: Clients, web: Web) -> None:
    photo = _photo(client_of("driver@southline.demo"), web, 2)

    answer = client_of(None).get(f"/photos/{photo.id}")

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")
