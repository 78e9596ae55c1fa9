"""Defaults of the planning models, kept apart so the command line can show them cheaply.

Where each comes from is stated beside the model that uses it (`travel`, `plan`, `mip`).
"""

from __future__ import annotations

DEFAULT_TIME_LIMIT_S = 300.0
DEFAULT_MACHINES_PER_TECHNICIAN = 40.0
DEFAULT_CIRCUITY = 1.3
DEFAULT_SPEED_KMH = 60.0
