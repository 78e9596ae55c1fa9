"""Cross-domain wiring done once per process: gate reasons from the other domains."""

from __future__ import annotations

from tightnut.gate.service import register_reason_provider
from tightnut.maintenance.service import overdue_reasons


def wire() -> None:
    """Plug overdue safety-critical maintenance into the release gate (idempotent)."""
    register_reason_provider(overdue_reasons)
