"""The inspections pages."""

from __future__ import annotations

from tightnut.web.render import page_router

router = page_router()
