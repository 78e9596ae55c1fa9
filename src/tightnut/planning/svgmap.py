"""An SVG map of a hub plan drawn from coordinates alone (no tiles): points, hubs, links,
a scale bar and a legend. Built with xml.etree, which escapes every name it writes."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tightnut.planning.plan import HubPlan
from tightnut.planning.regions import Points
from tightnut.planning.travel import EARTH_RADIUS_KM

FloatArray = npt.NDArray[np.float64]
WIDTH, HEIGHT, MARGIN, LEGEND_W = 900, 700, 40, 260
PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")


class _Projection:
    """Equirectangular projection scaled to fit the drawing area (north up)."""

    def __init__(self, lat: FloatArray, lon: FloatArray) -> None:
        self.lat0 = float(np.radians(lat.mean()))
        x, y = np.radians(lon) * math.cos(self.lat0), np.radians(lat)
        self.x0, self.y1 = float(x.min()), float(y.max())
        span = max(float(x.max() - x.min()), float(y.max() - y.min()), 1e-9)
        self.scale = min(WIDTH - LEGEND_W - 2 * MARGIN, HEIGHT - 2 * MARGIN) / span

    def __call__(self, lat: float, lon: float) -> tuple[float, float]:
        x = math.radians(lon) * math.cos(self.lat0)
        return MARGIN + (x - self.x0) * self.scale, MARGIN + (
            self.y1 - math.radians(lat)
        ) * self.scale

    def pixels_per_km(self) -> float:
        return float(self.scale / EARTH_RADIUS_KM)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    """Append an SVG element with stringified attributes (underscores become dashes)."""
    element = ET.SubElement(
        parent, tag, {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items()}
    )
    if text is not None:
        element.text = text
    return element


def _nice_km(target: float) -> float:
    """Round a length down to 1, 2 or 5 × a power of ten."""
    power = 10.0 ** math.floor(math.log10(max(target, 1e-9)))
    return max(float(step) * power for step in (1, 2, 5) if step * power <= target)


def _scale_bar(svg: ET.Element, proj: _Projection) -> None:
    """Draw a scale bar of a round number of kilometres, bottom left."""
    km = _nice_km(150 / proj.pixels_per_km())
    length = km * proj.pixels_per_km()
    y = HEIGHT - 20
    _el(svg, "line", x1=MARGIN, y1=y, x2=MARGIN + length, y2=y, stroke="#000", stroke_width=3)
    _el(svg, "text", f"{km:g} km", x=MARGIN, y=y - 6, font_size=12, font_family="sans-serif")


def _legend(svg: ET.Element, plan: HubPlan, sites: Points) -> None:
    """Draw the legend: one colour per hub with its load, then the symbols."""
    x, y = WIDTH - LEGEND_W + 10, MARGIN
    group = _el(svg, "g", id="legend")
    _el(
        group,
        "text",
        "Legend",
        x=x,
        y=y,
        font_size=15,
        font_weight="bold",
        font_family="sans-serif",
    )
    for k, row in enumerate(plan.rows):
        y += 22
        _el(group, "rect", x=x, y=y - 11, width=12, height=12, fill=PALETTE[k % len(PALETTE)])
        # Two short lines, so that long place names stay inside the legend column.
        _el(group, "text", f"Hub {row.name}", x=x + 18, y=y, font_size=11, font_family="sans-serif")
        y += 14
        load = f"{row.machines:,.0f} machines, {row.technicians} technicians"
        _el(group, "text", load, x=x + 18, y=y, font_size=11, font_family="sans-serif")
    for symbol, label in (("star", "hub"), ("dot", "demand point (area ∝ demand)")):
        y += 22
        if symbol == "star":
            _el(
                group,
                "rect",
                x=x,
                y=y - 11,
                width=12,
                height=12,
                fill="#fff",
                stroke="#000",
                stroke_width=2,
            )
        else:
            _el(group, "circle", cx=x + 6, cy=y - 5, r=5, fill="#999")
        _el(group, "text", label, x=x + 18, y=y, font_size=11, font_family="sans-serif")
    y += 22
    note = f"{plan.covered_share:.1%} of machines within {plan.max_hours:g} h of a hub"
    _el(group, "text", note, x=x, y=y, font_size=11, font_family="sans-serif")


def render_plan_svg(plan: HubPlan, sites: Points, clients: Points, title: str) -> str:
    """Return the plan as an SVG document string."""
    svg = ET.Element(
        "svg", xmlns="http://www.w3.org/2000/svg", width=str(WIDTH), height=str(HEIGHT)
    )
    _el(svg, "rect", x=0, y=0, width=WIDTH, height=HEIGHT, fill="#fcfcf8")
    _el(svg, "title", title)
    _el(svg, "text", title, x=MARGIN, y=24, font_size=16, font_family="sans-serif")
    proj = _Projection(
        np.concatenate((sites.lat, clients.lat)), np.concatenate((sites.lon, clients.lon))
    )
    colour = {hub: PALETTE[k % len(PALETTE)] for k, hub in enumerate(plan.result.open_hubs)}
    biggest = max(float(clients.demand.max()), 1e-9)
    links, dots, hubs = (_el(svg, "g", id=name) for name in ("links", "points", "hubs"))
    for i, hub in enumerate(plan.result.assignment):
        cx, cy = proj(float(clients.lat[i]), float(clients.lon[i]))
        if hub >= 0:
            hx, hy = proj(float(sites.lat[hub]), float(sites.lon[hub]))
            _el(
                links,
                "line",
                x1=f"{cx:.1f}",
                y1=f"{cy:.1f}",
                x2=f"{hx:.1f}",
                y2=f"{hy:.1f}",
                stroke=colour[int(hub)],
                stroke_width=0.8,
                stroke_opacity=0.6,
            )
        radius = 2 + 8 * math.sqrt(float(clients.demand[i]) / biggest)
        dot = _el(
            dots,
            "circle",
            cx=f"{cx:.1f}",
            cy=f"{cy:.1f}",
            r=f"{radius:.1f}",
            fill=colour.get(int(hub), "#999"),
            fill_opacity=0.7,
        )
        _el(dot, "title", f"{clients.names[i]}: {clients.demand[i]:,.0f}")
    for hub in plan.result.open_hubs:
        hx, hy = proj(float(sites.lat[hub]), float(sites.lon[hub]))
        _el(
            hubs,
            "rect",
            x=f"{hx - 7:.1f}",
            y=f"{hy - 7:.1f}",
            width=14,
            height=14,
            fill="#fff",
            stroke=colour[hub],
            stroke_width=3,
            class_="hub",
        )
        _el(
            hubs,
            "text",
            sites.names[hub],
            x=f"{hx + 10:.1f}",
            y=f"{hy - 8:.1f}",
            font_size=13,
            font_weight="bold",
            font_family="sans-serif",
        )
    _scale_bar(svg, proj)
    _legend(svg, plan, sites)
    return ET.tostring(svg, encoding="unicode")


def write_plan_svg(path: Path, plan: HubPlan, sites: Points, clients: Points, title: str) -> Path:
    """Write the plan's SVG map to `path` and return it."""
    path.write_text(render_plan_svg(plan, sites, clients, title), encoding="utf-8")
    return path
