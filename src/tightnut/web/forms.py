"""Forms: read what was typed, check it with the API's own schemas, show errors in place.

A page's POST handler takes the form as a dict (``Typed``; ``Posted`` with its files) and is
a plain ``def``, so its database work runs off the event loop. It validates it with the same
Pydantic schema the API uses (``parse``) and calls the same service. When either refuses,
``refuse`` rolls back anything the service flushed and renders the form again with status
422, every field's error beside it and everything typed still there. Success ends in a
redirect (``render.redirect``), so a reload never posts twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from tightnut.errors import TightnutError
from tightnut.web.csrf import CSRF_FIELD
from tightnut.web.i18n import N_
from tightnut.web.render import render, translate

Model = TypeVar("Model", bound=BaseModel)
Values = dict[str, str | list[str]]

MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is required."),
    "string_too_long": N_("At most %(max_length)s characters."),
    "greater_than_equal": N_("At least %(ge)s."),
    "greater_than": N_("More than %(gt)s."),
    "less_than_equal": N_("At most %(le)s."),
    "less_than": N_("Less than %(lt)s."),
    "int_parsing": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "finite_number": N_("Enter a number."),
    "enum": N_("Choose one of the options."),
    "literal_error": N_("Choose one of the options."),
    "date_from_datetime_parsing": N_("Enter a date."),
    "date_parsing": N_("Enter a date."),
    "datetime_parsing": N_("Enter a date and time."),
    "too_long": N_("Too many entries."),
}


class FormInvalid(Exception):
    """A form's fields were refused; ``errors`` maps each field to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


async def values(request: Request) -> Values:
    """The submitted form as text fields (lists for repeated names), without the CSRF token."""
    return values_of(await request.form())


async def _form(request: Request) -> FormData:
    return await request.form()


# Handlers that write take these and stay plain ``def``: FastAPI runs them in the thread pool,
# so a request waiting on a row lock never holds up the event loop (and the lock's holder).
Typed = Annotated[Values, Depends(values)]
Posted = Annotated[FormData, Depends(_form)]


def values_of(form: FormData) -> Values:
    """Text fields of a parsed form; file parts are left to the caller."""
    collected: Values = {}
    for key in form:
        if key == CSRF_FIELD:
            continue
        texts = [v for v in form.getlist(key) if not isinstance(v, UploadFile)]
        if texts:
            collected[key] = texts[0] if len(texts) == 1 else texts
    return collected


def parse(request: Request, model: type[Model], data: Mapping[str, object]) -> Model:
    """``data`` checked by ``model``; empty text counts as not given. Raises ``FormInvalid``."""
    cleaned = {k: v for k, v in data.items() if v != ""}
    try:
        return model.model_validate(cleaned)
    except ValidationError as exc:
        raise FormInvalid(
            {_field(err): _message(request, err) for err in reversed(exc.errors())}
        ) from None


def errors_of(request: Request, exc: FormInvalid | TightnutError) -> dict[str, str]:
    """Field errors to show: a form's own, or a service's refusal under its field (or ``""``)."""
    if isinstance(exc, FormInvalid):
        return exc.errors
    field = (exc.field or "").split(".")[-1]
    return {field: translate(request, exc.message)}


def refuse(
    request: Request,
    session: Session,
    name: str,
    context: Mapping[str, object],
    exc: FormInvalid | TightnutError,
) -> Response:
    """Roll back, then show the form again with its errors in place and its values kept."""
    session.rollback()
    status = exc.status_code if isinstance(exc, TightnutError) else 422
    return render(request, name, {**context, "errors": errors_of(request, exc)}, status_code=status)


def _field(err: ErrorDetails) -> str:
    parts = [str(p) for p in err["loc"] if not isinstance(p, int)]
    return parts[-1] if parts else ""


def _message(request: Request, err: ErrorDetails) -> str:
    template = MESSAGES.get(err["type"])
    if template is None:
        return str(err["msg"])
    context = {k: v for k, v in (err.get("ctx") or {}).items() if isinstance(v, int | float | str)}
    return translate(request, template, **context)
