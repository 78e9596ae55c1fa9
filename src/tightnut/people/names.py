"""Names the people pages show for stored codes: engine types, in the reader's language."""

from __future__ import annotations

from tightnut.web.i18n import N_

ENGINE_NAMES = {
    "diesel": N_("diesel"),
    "petrol": N_("petrol"),
    "cng": N_("CNG"),
    "lng": N_("LNG"),
    "lpg": N_("LPG"),
    "hybrid": N_("hybrid"),
    "electric": N_("electric"),
}
