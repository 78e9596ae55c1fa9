"""The photos pages: a stored photo and its thumbnail, to the caller's operator only."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from tightnut.deps import DbSession, PageActor
from tightnut.fields import PathId
from tightnut.photos import service
from tightnut.photos.models import Photo
from tightnut.web.render import page_router

router = page_router()

# A photo never changes (append-only, ids never reused), so the browser may keep it; only
# the user's own browser, never a shared cache, since it is one operator's record.
CACHE = "private, max-age=86400, immutable"


@router.get("/photos/{photo_id}")
def photo(request: Request, photo_id: PathId, session: DbSession, actor: PageActor) -> Response:
    """The cleaned photo (JPEG, no metadata)."""
    found = service.get_photo(session, actor, photo_id)
    return _image(found, found.data)


@router.get("/photos/{photo_id}/thumb")
def thumbnail(request: Request, photo_id: PathId, session: DbSession, actor: PageActor) -> Response:
    """The photo's thumbnail, at most 320 px on its long side."""
    found = service.get_photo(session, actor, photo_id, thumbnail=True)
    return _image(found, found.thumbnail)


def _image(photo: Photo, data: bytes) -> Response:
    headers = {
        "Cache-Control": CACHE,
        "Content-Disposition": f'inline; filename="photo-{photo.id}.jpg"',
        "X-Content-Type-Options": "nosniff",
    }
    return Response(content=data, media_type=photo.content_type, headers=headers)
