"""Every ORM model, imported in one place so that Alembic and the app see the whole schema."""

from tightnut.auth.models import ApiToken, LoginFailure, Operator, User
from tightnut.db import Base
from tightnut.defects.models import Defect, DefectEvent
from tightnut.fleet.models import Depot, MeterReading, MeterReplacement, Vehicle, VehicleEvent
from tightnut.gate.models import ReleaseDecision
from tightnut.inspections.models import Inspection
from tightnut.maintenance.models import (
    Programme,
    ProgrammeTask,
    TaskCompletion,
    TaskState,
)
from tightnut.people.models import Certification, Technician, Training
from tightnut.photos.models import Photo
from tightnut.workorders.models import (
    Part,
    PartUsage,
    StockLevel,
    WorkOrder,
    WorkOrderDefect,
    WorkOrderTask,
)

__all__ = [
    "ApiToken",
    "Base",
    "Certification",
    "Defect",
    "DefectEvent",
    "Depot",
    "Inspection",
    "LoginFailure",
    "MeterReading",
    "MeterReplacement",
    "Operator",
    "Part",
    "PartUsage",
    "Photo",
    "Programme",
    "ProgrammeTask",
    "ReleaseDecision",
    "StockLevel",
    "TaskCompletion",
    "TaskState",
    "Technician",
    "Training",
    "User",
    "Vehicle",
    "VehicleEvent",
    "WorkOrder",
    "WorkOrderDefect",
    "WorkOrderTask",
]
