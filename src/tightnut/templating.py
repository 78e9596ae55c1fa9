"""Jinja2 templates: the shared layout plus each domain's own templates folder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

_ROOT = Path(__file__).parent
_FOLDERS = [_ROOT / "templates", _ROOT / "auth" / "templates", _ROOT / "gate" / "templates"]


def local_time(value: datetime | None, zone: str, fmt: str = "%H:%M") -> str:
    """A UTC instant shown in a depot's zone."""
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(zone)).strftime(fmt)


_env = Environment(
    loader=FileSystemLoader([str(folder) for folder in _FOLDERS]),
    autoescape=select_autoescape(default=True),
)
_env.filters["local_time"] = local_time
templates = Jinja2Templates(env=_env)
