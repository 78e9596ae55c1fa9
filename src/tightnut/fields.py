"""Field types shared by every API: record ids inside 64-bit integers, strict about their type."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

MAX_ID = 2**63 - 1

RecordId = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
"""A record id in a request body: a JSON integer (not ``false``, not ``"1"``), 1 … 2⁶³−1."""

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
"""A record id in the URL path."""

QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
"""An optional record id filter in the query string."""
