"""Shift windows of a depot, computed in its own time zone and returned in UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ShiftWindow:
    """The shift running at some instant, and from when an inspection counts for it."""

    start: datetime
    end: datetime
    valid_from: datetime


def current_shift(
    now: datetime, *, timezone: str, shift_starts: list[str], lead: timedelta
) -> ShiftWindow:
    """The shift of a depot that contains ``now``; an inspection counts from ``lead`` before it."""
    zone = ZoneInfo(timezone)
    local_day = now.astimezone(zone).date()
    starts = sorted(
        datetime.combine(
            local_day + timedelta(days=offset), time.fromisoformat(clock), zone
        ).astimezone(UTC)
        for offset in (-1, 0, 1)
        for clock in shift_starts
    )
    index = max(i for i, start in enumerate(starts) if start <= now)
    start, end = starts[index], starts[index + 1]
    return ShiftWindow(start=start, end=end, valid_from=start - lead)
