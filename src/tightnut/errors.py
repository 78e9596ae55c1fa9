"""Domain errors that carry their HTTP status; services raise these, never HTTPException."""

from __future__ import annotations

from collections.abc import Mapping


class TightnutError(Exception):
    """A refusal the caller can act on: it has a status, a code and a message."""

    status_code = 400
    code = "error"

    def __init__(
        self, message: str, *, field: str | None = None, detail: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.detail = dict(detail or {})

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the response carries besides the body."""
        return {}

    def as_dict(self) -> dict[str, object]:
        """The error as the JSON body the API returns."""
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.detail:
            body["detail"] = self.detail
        return body


class Invalid(TightnutError):
    """The input is wrong; ``field`` names where."""

    status_code = 422
    code = "invalid"


class Unauthorized(TightnutError):
    """No valid credentials."""

    status_code = 401
    code = "unauthorized"

    @property
    def headers(self) -> dict[str, str]:
        """Tell the client which credentials to send."""
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(TightnutError):
    """The caller is known but lacks the right."""

    status_code = 403
    code = "forbidden"


class NotFound(TightnutError):
    """No such record for this caller (another operator's record is not found either)."""

    status_code = 404
    code = "not_found"


class Conflict(TightnutError):
    """The request clashes with the current state."""

    status_code = 409
    code = "conflict"


class TooLarge(TightnutError):
    """The request body is over the limit."""

    status_code = 413
    code = "too_large"


class TooManyRequests(TightnutError):
    """Too many attempts; the client may try again after ``retry_after_seconds``."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after_seconds: int, field: str | None = None) -> None:
        super().__init__(message, field=field, detail={"retry_after_seconds": retry_after_seconds})
        self.retry_after_seconds = retry_after_seconds

    @property
    def headers(self) -> dict[str, str]:
        """When to try again, in whole seconds."""
        return {"Retry-After": str(self.retry_after_seconds)}


class Unavailable(TightnutError):
    """A component the request needs is down; the caller may retry later."""

    status_code = 503
    code = "unavailable"


class Internal(TightnutError):
    """Something broke on our side; the details go to the log, never to the caller."""

    status_code = 500
    code = "internal"
