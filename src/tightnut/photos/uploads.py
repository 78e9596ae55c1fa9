"""Reading the photos of a multipart form into ``Upload``s, bounded before anything is read."""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile

from tightnut.errors import Invalid
from tightnut.photos.images import MAX_BYTES, Reason
from tightnut.photos.service import FIELD, MAX_PER_ITEM, REASONS, TOO_MANY, Upload


def read_uploads(form: FormData, name: str = FIELD) -> list[Upload]:
    """The files sent under ``name``; an empty file input (no photo chosen) gives none.

    Raises ``Invalid`` (field ``photos``) for more than six files or one over 10 MiB, so a page
    can show the error in place before any service runs. The form is parsed already (its files
    are spooled), so reading here is plain file reading, fit for a handler in the thread pool.
    """
    files = [part for part in form.getlist(name) if isinstance(part, UploadFile)]
    chosen = [part for part in files if part.filename or (part.size or 0) > 0]
    if len(chosen) > MAX_PER_ITEM:
        raise Invalid(TOO_MANY, field=FIELD)
    uploads = []
    for part in chosen:
        part.file.seek(0)
        data = part.file.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise Invalid(REASONS[Reason.TOO_LARGE], field=FIELD)
        content_type = part.content_type or "application/octet-stream"
        uploads.append(Upload(data=data, content_type=content_type, filename=part.filename or ""))
    return uploads
