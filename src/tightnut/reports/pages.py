"""The fleet manager's overview: availability, maintenance on time and open defects, as SVG."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import Request
from fastapi.responses import Response

from tightnut.deps import DbSession, PageActor
from tightnut.reports import charts, service
from tightnut.web.i18n import N_
from tightnut.web.render import page_router, render

router = page_router()

SYSTEM_NAMES = {
    "brakes": N_("Brakes"),
    "steering": N_("Steering"),
    "lights": N_("Lights"),
    "wheels": N_("Wheels"),
    "tyres": N_("Tyres"),
    "fuel": N_("Fuel system"),
    "gas": N_("Gas equipment"),
    "electric": N_("Electrical"),
    "exhaust": N_("Exhaust"),
    "engine": N_("Engine"),
    "glass": N_("Glass"),
    "mirrors": N_("Mirrors"),
    "wipers": N_("Wipers"),
    "horn": N_("Horn"),
    "emergency": N_("Emergency equipment"),
    "exits": N_("Exits"),
    "seat_belts": N_("Seat belts"),
    "devices": N_("Devices"),
    "coupling": N_("Coupling"),
    "fire": N_("Fire safety"),
    "body": N_("Body"),
}
SERIES_CLASSES = 6
LINE_FRAME = charts.Frame(width=480, height=250, left=62, right=28, top=14, bottom=34)
MONTH_FRAME = charts.Frame(width=480, height=230, left=62, right=12, top=24, bottom=34)
ROW_HEIGHT = 52


@router.get("/overview")
def overview_page(request: Request, session: DbSession, actor: PageActor) -> Response:
    """Three pictures: fleet availability per shift, maintenance on time, open defects."""
    figures = service.overview(session, actor)
    days = _weekly_days(figures.since, figures.until)
    availability = _availability_chart(figures, days)
    context = {
        "figures": figures,
        "availability": availability,
        "day_ticks": list(zip(availability.x_ticks, days, strict=True)),
        "on_time": _on_time_chart(figures.on_time),
        "defects": _defects_chart(figures.defects),
        "system_names": SYSTEM_NAMES,
        "series_classes": SERIES_CLASSES,
    }
    return render(request, "reports/overview.html", context)


def _availability_chart(figures: service.Overview, days: list[datetime]) -> charts.LineChart:
    """One line per depot: each shift's share released, over the last 30 days."""
    series = [
        (entry.depot.name, [(s.shift_start.timestamp(), s.share) for s in entry.shifts])
        for entry in figures.availability
    ]
    return charts.lines(
        series,
        LINE_FRAME,
        t_lo=figures.since.timestamp(),
        t_hi=figures.until.timestamp(),
        t_ticks=[day.timestamp() for day in days],
    )


def _weekly_days(since: datetime, until: datetime) -> list[datetime]:
    """Midnights (UTC) a week apart, ending with the last one before ``until``."""
    last = until.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    days = []
    while last >= since:
        days.append(last)
        last -= timedelta(days=7)
    return days[::-1]


def _on_time_chart(months: tuple[service.MonthRate, ...]) -> charts.BarChart:
    labels = [m.month.isoformat()[:7] for m in months]
    return charts.columns(labels, [m.rate or 0.0 for m in months], MONTH_FRAME, hi=1.0)


def _defects_chart(systems: tuple[service.SystemCount, ...]) -> charts.BarChart:
    height = 8 + 34 + ROW_HEIGHT * max(len(systems), 1)
    frame = charts.Frame(width=480, height=height, left=12, right=40, top=8, bottom=34)
    labels = [s.system for s in systems]
    return charts.rows(labels, [float(s.count) for s in systems], frame, gap=0.55, whole=True)
