"""Chart geometry for server-rendered SVG: scales, ticks, bars and lines, as pure functions.

No ORM, no web, no locale: numbers in, coordinates out; the template draws and words them.

A chart lives in a ``Frame`` of ``width × height`` user units (the SVG's viewBox, so it scales
to any screen) with margins around the plot area ``[left, width − right] × [top, height −
bottom]``. SVG's y axis points down, so the value axis runs from the plot's bottom up.

Linear scale from the domain ``[lo, hi]`` onto the range ``[start, end]``::

    pos(v) = start + (v − lo) / (hi − lo) · (end − start)      (the middle when hi = lo)

Nice ticks for ``[lo, hi]`` and about ``n`` intervals: ``raw = (hi − lo) / n``,
``m = 10^⌊log₁₀ raw⌋``, step = the least of ``{1, 2, 2.5, 5, 10} · m`` that is ≥ raw; the ticks
are the multiples of step from ``⌈lo / step⌉ · step`` to ``hi``.

Columns (one per category i of n, vertical bars): the plot's width is cut into n bands of
``band = plot width / n``; a bar is ``band · (1 − gap)`` wide at ``x = left + i · band + band ·
gap / 2``, from ``y(0)`` up to ``y(v)``. Rows (horizontal bars) are the same turned a quarter:
bands of the plot's height, bars from ``x(0)`` to ``x(v)``. Lines: a series' points are
``(x(t), y(v))`` in time order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Frame:
    """The chart's viewBox and the margins that hold its axes' labels."""

    width: float = 640.0
    height: float = 260.0
    left: float = 48.0
    right: float = 16.0
    top: float = 12.0
    bottom: float = 36.0

    @property
    def plot_left(self) -> float:
        """The x of the plot area's left edge."""
        return self.left

    @property
    def plot_right(self) -> float:
        """The x of the plot area's right edge."""
        return self.width - self.right

    @property
    def plot_top(self) -> float:
        """The y of the plot area's top edge."""
        return self.top

    @property
    def plot_bottom(self) -> float:
        """The y of the plot area's bottom edge (the value axis's zero for bars)."""
        return self.height - self.bottom

    @property
    def view_box(self) -> str:
        """The SVG ``viewBox`` attribute."""
        return f"0 0 {_n(self.width)} {_n(self.height)}"


@dataclass(frozen=True)
class Scale:
    """A linear map from values ``[lo, hi]`` onto coordinates ``[start, end]``."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        """The coordinate of ``value``."""
        if self.hi == self.lo:
            return (self.start + self.end) / 2
        return self.start + (value - self.lo) / (self.hi - self.lo) * (self.end - self.start)


@dataclass(frozen=True)
class Tick:
    """A value on an axis and where it sits."""

    value: float
    position: float


@dataclass(frozen=True)
class Bar:
    """One bar: its category, value and rectangle."""

    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    """Bars with the value axis's ticks."""

    frame: Frame
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]


@dataclass(frozen=True)
class Point:
    """One point of a line: its time and value and where it is drawn."""

    t: float
    value: float
    x: float
    y: float


@dataclass(frozen=True)
class Line:
    """One series of a line chart, its points in time order."""

    name: str
    points: tuple[Point, ...]

    @property
    def path(self) -> str:
        """The ``points`` attribute of an SVG polyline."""
        return " ".join(f"{_n(p.x)},{_n(p.y)}" for p in self.points)


@dataclass(frozen=True)
class LineChart:
    """Lines with both axes' ticks."""

    frame: Frame
    lines: tuple[Line, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]


def nice_step(span: float, intervals: int, *, whole: bool = False) -> float:
    """The round step (1, 2, 2.5 or 5 times a power of ten) cutting ``span`` in ~``intervals``.

    ``whole``: the values are counts, so the step is a whole number (at least 1, never 2.5).
    """
    if span <= 0 or intervals < 1:
        return 1.0
    raw = span / intervals
    magnitude = 10.0 ** math.floor(math.log10(raw))
    steps = [f * magnitude for f in NICE_STEPS]
    if whole:
        steps = [s for s in steps if s >= 1 and s == int(s)] or [1.0]
    return next((s for s in steps if s >= raw * (1 - 1e-9)), steps[-1])


def nice_ticks(lo: float, hi: float, intervals: int = 4, *, whole: bool = False) -> list[float]:
    """Round values from ``lo`` to ``hi`` about ``intervals`` apart."""
    step = nice_step(hi - lo, intervals, whole=whole)
    first = math.ceil(lo / step - 1e-9)
    count = math.floor(hi / step + 1e-9) - first + 1
    return [round((first + i) * step, 10) for i in range(max(count, 0))]


def nice_max(values: Sequence[float], intervals: int = 4, *, whole: bool = False) -> float:
    """The smallest tick at or above the largest value (1 when there is nothing above 0)."""
    top = max(values, default=0.0)
    if top <= 0:
        return 1.0
    step = nice_step(top, intervals, whole=whole)
    return math.ceil(top / step - 1e-9) * step


def value_scale(frame: Frame, hi: float, *, vertical: bool = True) -> Scale:
    """The value axis from 0 to ``hi``: bottom to top, or left to right."""
    if vertical:
        return Scale(0.0, hi, frame.plot_bottom, frame.plot_top)
    return Scale(0.0, hi, frame.plot_left, frame.plot_right)


def columns(
    labels: Sequence[str],
    values: Sequence[float],
    frame: Frame,
    *,
    hi: float | None = None,
    gap: float = 0.3,
) -> BarChart:
    """Vertical bars, one per category, on a value axis from 0 to ``hi`` (nice by default)."""
    top = nice_max(values) if hi is None else hi
    scale = value_scale(frame, top)
    band = (frame.plot_right - frame.plot_left) / max(len(values), 1)
    bars = tuple(
        Bar(
            label=label,
            value=value,
            x=frame.plot_left + i * band + band * gap / 2,
            y=scale(value),
            width=band * (1 - gap),
            height=scale(0.0) - scale(value),
        )
        for i, (label, value) in enumerate(zip(labels, values, strict=True))
    )
    return BarChart(frame=frame, bars=bars, ticks=_ticks(scale, nice_ticks(0.0, top)))


def rows(
    labels: Sequence[str],
    values: Sequence[float],
    frame: Frame,
    *,
    gap: float = 0.3,
    whole: bool = False,
) -> BarChart:
    """Horizontal bars, one per category, top to bottom, on a value axis from 0 (nice).

    ``whole``: the values are counts; the axis ticks are whole numbers.
    """
    top = nice_max(values, whole=whole)
    scale = value_scale(frame, top, vertical=False)
    band = (frame.plot_bottom - frame.plot_top) / max(len(values), 1)
    bars = tuple(
        Bar(
            label=label,
            value=value,
            x=scale(0.0),
            y=frame.plot_top + i * band + band * gap / 2,
            width=scale(value) - scale(0.0),
            height=band * (1 - gap),
        )
        for i, (label, value) in enumerate(zip(labels, values, strict=True))
    )
    return BarChart(frame=frame, bars=bars, ticks=_ticks(scale, nice_ticks(0.0, top, whole=whole)))


def lines(
    series: Sequence[tuple[str, Sequence[tuple[float, float]]]],
    frame: Frame,
    *,
    t_lo: float,
    t_hi: float,
    t_ticks: Sequence[float],
    hi: float = 1.0,
) -> LineChart:
    """Lines of ``(t, value)`` points over time ``[t_lo, t_hi]``, values from 0 to ``hi``."""
    x = Scale(t_lo, t_hi, frame.plot_left, frame.plot_right)
    y = value_scale(frame, hi)
    drawn = tuple(
        Line(
            name=name,
            points=tuple(Point(t, v, x(t), y(v)) for t, v in sorted(points)),
        )
        for name, points in series
    )
    return LineChart(
        frame=frame,
        lines=drawn,
        x_ticks=_ticks(x, t_ticks),
        y_ticks=_ticks(y, nice_ticks(0.0, hi)),
    )


def _ticks(scale: Scale, values: Sequence[float]) -> tuple[Tick, ...]:
    return tuple(Tick(value=v, position=scale(v)) for v in values)


def _n(value: float) -> str:
    """A coordinate written short: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
