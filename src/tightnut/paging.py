"""Keyset paging shared by every list: ``limit`` rows after an opaque ``cursor``.

A page is ordered by a sort key and the row id as tie-break (newest first for histories,
plate order for the fleet). The cursor is the URL-safe base64 of the last row's
``[kind, key, id]``, so the next page is ``WHERE (key, id) < (last key, last id)
ORDER BY key DESC, id DESC LIMIT limit + 1``: an index serves it, no page loads the whole
list, and rows inserted meanwhile never shift a page nor repeat one.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, DateTime, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from tightnut.db import UTCDateTime
from tightnut.errors import Invalid
from tightnut.fields import MAX_ID

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_CURSOR_CHARS = 400
CURSOR_FIELD = "query.cursor"
NOT_A_CURSOR = "not a cursor this API gave out"

RowT = TypeVar("RowT")
ItemT = TypeVar("ItemT")
SortKey = datetime | str


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: its last row's sort key and id."""

    key: SortKey
    id: int

    def encode(self) -> str:
        """The opaque text a client sends back as ``cursor``."""
        kind, text = (
            ("t", self.key.isoformat()) if isinstance(self.key, datetime) else ("s", self.key)
        )
        raw = json.dumps([kind, text, self.id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str | None) -> Cursor | None:
    """The cursor a client sent; ValueError when it is not one this API gave out."""
    if text is None:
        return None
    try:
        kind, key, row_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        cursor = Cursor(key=_sort_key(kind, key), id=row_id)
    except (binascii.Error, ValueError, TypeError):
        raise ValueError(NOT_A_CURSOR) from None
    if not (type(cursor.id) is int and 1 <= cursor.id <= MAX_ID):
        raise ValueError(NOT_A_CURSOR)
    return cursor


def _sort_key(kind: object, text: object) -> SortKey:
    if not isinstance(text, str) or "\x00" in text or len(text) > MAX_CURSOR_CHARS:
        raise ValueError(NOT_A_CURSOR)
    if kind == "s":
        return text
    moment = datetime.fromisoformat(text)
    if kind != "t" or moment.utcoffset() != timedelta(0):
        raise ValueError(NOT_A_CURSOR)
    return moment


@dataclass(frozen=True)
class PageRequest:
    """How many rows a client wants, and after which row."""

    limit: int = DEFAULT_LIMIT
    after: Cursor | None = None


def _page_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="rows per page, 1 to 200")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR_CHARS, description="`next_cursor` of the previous page"),
    ] = None,
) -> PageRequest:
    try:
        return PageRequest(limit=limit, after=decode_cursor(cursor))
    except ValueError as exc:
        raise Invalid(str(exc), field=CURSOR_FIELD) from None


PageQuery = Annotated[PageRequest, Depends(_page_request)]
"""The ``limit`` and ``cursor`` query parameters of a paged list."""


class Page(BaseModel, Generic[ItemT]):
    """One page of a list; ``next_cursor`` is null on the last page."""

    items: list[ItemT]
    next_cursor: str | None


@dataclass(frozen=True)
class Slice(Generic[RowT]):
    """The rows of one page as the database gave them, and the cursor of the next."""

    rows: Sequence[RowT]
    next_cursor: str | None


def keyset(
    session: Session,
    query: Select[RowT],
    *,
    key: InstrumentedAttribute[datetime] | InstrumentedAttribute[str],
    row_id: InstrumentedAttribute[int],
    page: PageRequest,
    newest_first: bool = True,
) -> Slice[RowT]:
    """One page of ``query`` ordered by ``(key, row_id)``, fetched with LIMIT in SQL."""
    if page.after is not None:
        query = query.where(_after(key, row_id, page.after, descending=newest_first))
    order = (key.desc(), row_id.desc()) if newest_first else (key.asc(), row_id.asc())
    rows = session.scalars(query.order_by(*order).limit(page.limit + 1)).all()
    if len(rows) <= page.limit:
        return Slice(rows=rows, next_cursor=None)
    rows = rows[: page.limit]
    last = rows[-1]
    cursor = Cursor(key=getattr(last, key.key), id=getattr(last, row_id.key))
    return Slice(rows=rows, next_cursor=cursor.encode())


def _after(
    key: InstrumentedAttribute[datetime] | InstrumentedAttribute[str],
    row_id: InstrumentedAttribute[int],
    cursor: Cursor,
    *,
    descending: bool,
) -> ColumnElement[bool]:
    expected = datetime if isinstance(key.type, DateTime | UTCDateTime) else str
    if not isinstance(cursor.key, expected):
        raise Invalid("the cursor belongs to another list", field=CURSOR_FIELD)
    if descending:
        return or_(key < cursor.key, and_(key == cursor.key, row_id < cursor.id))
    return or_(key > cursor.key, and_(key == cursor.key, row_id > cursor.id))
