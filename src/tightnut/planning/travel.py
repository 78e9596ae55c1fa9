"""Travel time from coordinates: great-circle distance × road circuity ÷ speed.

Defaults, and where they come from:

* Earth radius 6371.0088 km — the IUGG mean radius.
* Circuity 1.3 (road km per great-circle km). Ballou, Rahardja & Sakai, "Selected
  country circuity factors for road travel distance estimation", Transportation Research
  Part A 36 (2002) 843–848, report national factors mostly between 1.2 and 1.4; Kim et
  al. (2015) measured 1.26 for South Korea. 1.3 is a mid-range assumption for the North
  Caucasus road network, not a measurement; pass your own when you have one.
* Speed 60 km/h — an assumed door-to-door average for a service van on regional roads,
  below the 90 km/h limit outside built-up areas and at the 60 km/h limit inside them
  (Russian Traffic Rules, §10.2–10.3). It is a planning assumption, not a measurement.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tightnut.planning.defaults import DEFAULT_CIRCUITY, DEFAULT_SPEED_KMH
from tightnut.planning.errors import PlanningError

FloatArray = npt.NDArray[np.float64]

EARTH_RADIUS_KM = 6371.0088


def _check_coordinates(lat: FloatArray, lon: FloatArray, name: str) -> None:
    """Raise unless latitudes and longitudes are finite, in range and equally long."""
    if lat.shape != lon.shape or lat.ndim != 1:
        raise PlanningError(f"the {name} latitudes and longitudes must be equal-length lists")
    if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
        raise PlanningError(f"the {name} coordinates contain NaN or infinite values")
    if (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
        raise PlanningError(f"the {name} coordinates are out of range (|lat| ≤ 90, |lon| ≤ 180)")


def great_circle_km(
    lat_a: npt.ArrayLike, lon_a: npt.ArrayLike, lat_b: npt.ArrayLike, lon_b: npt.ArrayLike
) -> FloatArray:
    """Return the haversine great-circle distance matrix (km) from points a to points b."""
    la, lo, lb, lob = (np.asarray(v, dtype=np.float64) for v in (lat_a, lon_a, lat_b, lon_b))
    _check_coordinates(la, lo, "client")
    _check_coordinates(lb, lob, "site")
    phi_a, phi_b = np.radians(la)[:, None], np.radians(lb)[None, :]
    d_phi = phi_b - phi_a
    d_lambda = np.radians(lob)[None, :] - np.radians(lo)[:, None]
    h = np.sin(d_phi / 2) ** 2 + np.cos(phi_a) * np.cos(phi_b) * np.sin(d_lambda / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def travel_hours(
    lat_a: npt.ArrayLike,
    lon_a: npt.ArrayLike,
    lat_b: npt.ArrayLike,
    lon_b: npt.ArrayLike,
    *,
    circuity: float = DEFAULT_CIRCUITY,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> FloatArray:
    """Return travel hours: great-circle km × circuity ÷ speed (defaults in the module doc)."""
    if not (np.isfinite(circuity) and circuity >= 1.0):
        raise PlanningError(f"circuity must be at least 1, got {circuity}")
    if not (np.isfinite(speed_kmh) and speed_kmh > 0):
        raise PlanningError(f"speed must be positive, got {speed_kmh} km/h")
    return great_circle_km(lat_a, lon_a, lat_b, lon_b) * circuity / speed_kmh
