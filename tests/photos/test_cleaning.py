"""Cleaning a phone photo: no location or device left, upright, small, and only real images."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from photos.samples import GPS_IFD, MAKE, MODEL, phone_jpeg, png
from tightnut.photos.images import MAX_BYTES, NotAPhoto, Reason, clean


def test_a_phone_photo_loses_its_location_and_device() -> None:
    raw = phone_jpeg()
    assert b"PhoneMakerCo" in raw
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(GPS_IFD)

    cleaned = clean(raw)

    for stored in (cleaned.data, cleaned.thumbnail):
        exif = Image.open(io.BytesIO(stored)).getexif()
        assert dict(exif) == {}
        assert exif.get_ifd(GPS_IFD) == {}
        assert MAKE not in exif
        assert MODEL not in exif
        for secret in (b"GPS", b"PhoneMakerCo", b"Pocket Camera", b"Exif", b"2026:12:01"):
            assert secret not in stored


def test_a_photo_taken_sideways_is_stored_upright() -> None:
    # Orientation 6: the camera stored the pixels turned; a viewer rotates them 90° clockwise.
    raw = phone_jpeg(width=400, height=300, orientation=6)

    cleaned = clean(raw)

    image = Image.open(io.BytesIO(cleaned.data))
    assert (image.width, image.height) == (300, 400)
    assert (cleaned.width_px, cleaned.height_px) == (300, 400)
    # The black band that was the stored top is now on the right-hand side.
    right, left = image.getpixel((290, 200)), image.getpixel((10, 200))
    assert isinstance(right, tuple)
    assert isinstance(left, tuple)
    assert sum(right) < 100
    assert left[0] > 200


def test_a_large_photo_is_downscaled_and_gets_a_small_thumbnail() -> None:
    cleaned = clean(phone_jpeg(width=4000, height=3000))

    assert max(cleaned.width_px, cleaned.height_px) == 2048
    thumb = Image.open(io.BytesIO(cleaned.thumbnail))
    assert max(thumb.size) <= 320
    assert cleaned.content_type == "image/jpeg"


def test_a_png_becomes_a_jpeg() -> None:
    cleaned = clean(png())

    assert Image.open(io.BytesIO(cleaned.data)).format == "JPEG"
    assert len(cleaned.sha256) == 64


def test_a_text_file_named_jpg_is_not_a_photo() -> None:
    with pytest.raises(NotAPhoto) as refused:
        clean(b"this is a shopping list, not a photo\n" * 10)
    assert refused.value.reason is Reason.NOT_AN_IMAGE


def test_a_gif_is_not_accepted() -> None:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(NotAPhoto) as refused:
        clean(out.getvalue())
    assert refused.value.reason is Reason.NOT_AN_IMAGE


def test_a_truncated_jpeg_is_not_a_photo() -> None:
    raw = phone_jpeg()
    with pytest.raises(NotAPhoto):
        clean(raw[: len(raw) // 2])


def test_a_photo_over_ten_mebibytes_is_refused() -> None:
    with pytest.raises(NotAPhoto) as refused:
        clean(phone_jpeg() + b"\0" * MAX_BYTES)
    assert refused.value.reason is Reason.TOO_LARGE


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    # A PNG claiming 20000 × 20000 pixels (400 megapixels) in a few hundred bytes.
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG", optimize=True)
    with pytest.raises(NotAPhoto) as refused:
        clean(out.getvalue())
    assert refused.value.reason is Reason.TOO_MANY_PIXELS
