"""What the API takes and gives for sign-in and users."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tightnut.auth.models import Role


class TokenRequest(BaseModel):
    """E-mail and password, exchanged for a bearer token."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=200)


class TokenRead(BaseModel):
    """A bearer token, shown once."""

    token: str
    expires_in_hours: int


class UserCreate(BaseModel):
    """A new user of the caller's operator."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(min_length=3, max_length=320)
    full_name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str | None = Field(default=None, min_length=8, max_length=200)


class UserRead(BaseModel):
    """A user."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    operator_id: int
    email: str
    full_name: str
    role: str
