"""Every pages module, in the order their routes are matched; the app mounts them all."""

from __future__ import annotations

from types import ModuleType

from tightnut.auth import pages as auth_pages
from tightnut.defects import pages as defect_pages
from tightnut.fleet import pages as fleet_pages
from tightnut.gate import pages as gate_pages
from tightnut.inspections import pages as inspection_pages
from tightnut.maintenance import pages as maintenance_pages
from tightnut.people import pages as people_pages
from tightnut.photos import pages as photo_pages
from tightnut.reports import pages as report_pages
from tightnut.web import pages as web_pages
from tightnut.workorders import pages as workorder_pages

PAGE_MODULES: tuple[ModuleType, ...] = (
    web_pages,
    auth_pages,
    gate_pages,
    inspection_pages,
    defect_pages,
    fleet_pages,
    maintenance_pages,
    workorder_pages,
    people_pages,
    photo_pages,
    report_pages,
)
