"""What the API takes and gives for sign-in, users and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from tightnut.auth.models import ApiToken, Role, User
from tightnut.fields import Body, Patch, no_nul

Email = Annotated[str, Field(min_length=3, max_length=320), AfterValidator(no_nul)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Label = Annotated[str, Field(min_length=1, max_length=100)]
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=8, max_length=200)]
"""A new password, kept exactly as typed: sign-in compares it untrimmed."""


class TokenRequest(BaseModel):
    """E-mail and password, exchanged for a bearer token (the password is taken as typed)."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    password: str = Field(min_length=1, max_length=200)


class TokenRead(BaseModel):
    """A bearer token, shown once."""

    token: str
    expires_in_hours: int


class UserCreate(Body):
    """A new user of the caller's operator."""

    email: Email
    full_name: Name
    role: Role
    password: Password | None = None


class UserUpdate(Patch):
    """What an administrator may change about a user; leave a field out to keep it."""

    role: Role | None = None
    full_name: Name | None = None


class UserRead(BaseModel):
    """A user."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    operator_id: int
    email: str
    full_name: str
    role: str
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserRead:
        """The API's view of ``user``."""
        return cls.model_validate(user)


class ApiTokenCreate(Body):
    """A new API token of the caller: a label to know it by and, if it should end, its lifetime."""

    label: Label
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiTokenRead(BaseModel):
    """An API token without its secret, which is never stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> ApiTokenRead:
        """The API's view of ``token``."""
        return cls.model_validate(token)


class ApiTokenCreated(ApiTokenRead):
    """A new API token with its secret, shown this once."""

    token: str

    @classmethod
    def of_new(cls, token: ApiToken, secret: str) -> ApiTokenCreated:
        """The API's view of a token just made, with its secret."""
        return cls.model_validate({**ApiTokenRead.of(token).model_dump(), "token": secret})
