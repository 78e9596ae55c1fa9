"""Photos built in the test, the way a phone writes them: EXIF with location and device."""

from __future__ import annotations

import io

from PIL import Image

GPS_IFD = 0x8825
MAKE, MODEL, ORIENTATION, DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4


def phone_jpeg(
    *, width: int = 400, height: int = 300, orientation: int = 1, color: str = "red"
) -> bytes:
    """A JPEG with GPS coordinates, the device's make and model, a timestamp and orientation."""
    image = Image.new("RGB", (width, height), color)
    # A black band at the top of the stored pixels shows where "up" ends after rotation.
    image.paste(Image.new("RGB", (width, height // 5), "black"), (0, 0))
    exif = Image.Exif()
    exif[MAKE] = "PhoneMakerCo"
    exif[MODEL] = "Pocket Camera 12"
    exif[DATETIME] = "2026:12:01 07:55:00"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update(
        {
            GPS_LATITUDE_REF: "N",
            GPS_LATITUDE: (55.0, 45.0, 21.0),
            GPS_LONGITUDE_REF: "E",
            GPS_LONGITUDE: (37.0, 37.0, 4.0),
        }
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(*, width: int = 64, height: int = 48) -> bytes:
    """A small transparent PNG."""
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 128, 0, 100)).save(out, format="PNG")
    return out.getvalue()
