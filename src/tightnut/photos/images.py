"""Cleaning a photo from a phone: check it is an image, turn it upright, strip what it reveals.

A phone's photo carries EXIF metadata: where it was taken (GPS), which device took it (make,
model, serial), when, and often a thumbnail of the uncropped original. None of that belongs in
a defect record, so the image is decoded, turned upright by its EXIF orientation, downscaled
to ``MAX_SIDE_PX`` on its long side and re-encoded as a plain JPEG with no metadata at all.
Decoding is bounded: a file over ``MAX_BYTES`` is refused before Pillow reads it, and an image
of more than ``MAX_PIXELS`` (a decompression bomb: a small file that decodes to gigabytes) is
refused from its header, before its pixels are decoded.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
"""The largest photo accepted, as uploaded (10 MiB: a 48-megapixel phone JPEG fits)."""
MAX_PIXELS = 60_000_000
"""The most pixels a photo may decode to (a 48-megapixel phone camera fits)."""
MAX_SIDE_PX = 2048
"""The long side of the stored image."""
THUMB_SIDE_PX = 320
"""The long side of the stored thumbnail."""
JPEG_QUALITY = 85
FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
"""What a phone or a desktop sends; HEIC needs a plug-in Pillow does not ship with."""


class Reason(StrEnum):
    """Why an upload is not kept."""

    TOO_LARGE = "larger than 10 MiB"
    TOO_MANY_PIXELS = "too many pixels"
    NOT_AN_IMAGE = "not a JPEG, PNG or WebP image"


class NotAPhoto(ValueError):
    """The upload is not an image this app accepts; ``reason`` says why."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Cleaned:
    """A photo ready to store: JPEG bytes without metadata, and a thumbnail."""

    data: bytes
    thumbnail: bytes
    width_px: int
    height_px: int
    sha256: str
    content_type: str = "image/jpeg"


def clean(raw: bytes) -> Cleaned:
    """The upright, downscaled, metadata-free JPEG of ``raw``; raises ``NotAPhoto``."""
    if len(raw) > MAX_BYTES:
        raise NotAPhoto(Reason.TOO_LARGE)
    image = _decoded(raw)
    upright = ImageOps.exif_transpose(image) or image
    rgb = _flattened(upright)
    rgb.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX), Image.Resampling.LANCZOS)
    data = _jpeg(rgb)
    thumb = rgb.copy()
    thumb.thumbnail((THUMB_SIDE_PX, THUMB_SIDE_PX), Image.Resampling.LANCZOS)
    return Cleaned(
        data=data,
        thumbnail=_jpeg(thumb),
        width_px=rgb.width,
        height_px=rgb.height,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _decoded(raw: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(raw), formats=sorted(FORMATS))
            _check_header(probe)
            probe.verify()
            image = Image.open(io.BytesIO(raw), formats=sorted(FORMATS))
            # A JPEG decodes at 1/2, 1/4 or 1/8 scale when that still covers the stored size.
            image.draft("RGB", (MAX_SIDE_PX, MAX_SIDE_PX))
            image.load()
    except NotAPhoto:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NotAPhoto(Reason.TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise NotAPhoto(Reason.NOT_AN_IMAGE) from None
    return image


def _check_header(image: Image.Image) -> None:
    if image.format not in FORMATS:
        raise NotAPhoto(Reason.NOT_AN_IMAGE)
    if image.width * image.height > MAX_PIXELS:
        raise NotAPhoto(Reason.TOO_MANY_PIXELS)


def _flattened(image: Image.Image) -> Image.Image:
    """RGB pixels only: transparency goes onto white, palettes and 16-bit modes to 8-bit RGB."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        ground = Image.new("RGB", rgba.size, "white")
        ground.paste(rgba, mask=rgba.getchannel("A"))
        return ground
    return image.convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    """A baseline JPEG of the pixels alone: a fresh image, so no info, EXIF or ICC rides along."""
    bare = Image.new("RGB", image.size)
    bare.paste(image)
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
