"""Every ORM model, imported in one place so that Alembic and the app see the whole schema."""

from tightnut.auth.models import ApiToken, Operator, User
from tightnut.db import Base
from tightnut.defects.models import Defect, DefectEvent
from tightnut.fleet.models import Depot, MeterReading, MeterReplacement, Vehicle
from tightnut.gate.models import ReleaseDecision
from tightnut.inspections.models import Inspection

__all__ = [
    "ApiToken",
    "Base",
    "Defect",
    "DefectEvent",
    "Depot",
    "Inspection",
    "MeterReading",
    "MeterReplacement",
    "Operator",
    "ReleaseDecision",
    "User",
    "Vehicle",
]
