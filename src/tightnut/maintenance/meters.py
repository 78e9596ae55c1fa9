"""Meter readings in batches and from CSV: every row goes in, or none does and each is named."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.errors import Invalid, TightnutError
from tightnut.fleet.meters import MeterLimits
from tightnut.fleet.models import Meter, Vehicle
from tightnut.fleet.schemas import ImportRowError
from tightnut.fleet.service import get_vehicle, record_meter
from tightnut.maintenance.schemas import MeterReadingIn


class BatchReport(BaseModel):
    """How many readings went in."""

    recorded: int


def record_batch(
    session: Session, actor: Actor, *, rows: Sequence[MeterReadingIn], limits: MeterLimits
) -> BatchReport:
    """Record readings in order; if any is refused, none is kept and each refusal is listed."""
    actor.require(Right.RECORD_METERS)
    errors: list[ImportRowError] = []
    for index, row in enumerate(rows):
        try:
            _record(session, actor, row, limits)
        except TightnutError as error:
            errors.append(
                ImportRowError(line=index, column=error.field or "", reason=error.message)
            )
    if errors:
        raise _batch_error(errors, what="reading")
    return BatchReport(recorded=len(rows))


def _record(session: Session, actor: Actor, row: MeterReadingIn, limits: MeterLimits) -> None:
    vehicle = get_vehicle(session, actor, row.vehicle_id)
    record_meter(
        session,
        actor,
        vehicle,
        meter=Meter(row.meter),
        value=row.value,
        source="batch",
        limits=limits,
    )


def import_csv(session: Session, actor: Actor, *, text: str, limits: MeterLimits) -> BatchReport:
    """Import readings from CSV with columns plate (or vehicle_id), meter and value."""
    actor.require(Right.RECORD_METERS)
    reader = csv.DictReader(io.StringIO(text))
    names = set(reader.fieldnames or [])
    if not {"meter", "value"} <= names or not names & {"plate", "vehicle_id"}:
        raise Invalid("the header needs plate (or vehicle_id), meter and value", field="file")
    plates = _plates(session, actor)
    errors: list[ImportRowError] = []
    count = 0
    for record in reader:
        line = reader.line_num
        try:
            row = _parse(record, plates)
            _record(session, actor, row, limits)
            count += 1
        except ValidationError as exc:
            error = exc.errors()[0]
            errors.append(
                ImportRowError(line=line, column=str(error["loc"][0]), reason=error["msg"])
            )
        except TightnutError as error:
            errors.append(ImportRowError(line=line, column=error.field or "", reason=error.message))
    if errors:
        raise _batch_error(errors, what="line")
    if count == 0:
        raise Invalid("the file has no readings", field="file")
    return BatchReport(recorded=count)


def _plates(session: Session, actor: Actor) -> dict[str, int]:
    query = select(Vehicle.plate, Vehicle.id).where(Vehicle.operator_id == actor.operator_id)
    return {row.plate: row.id for row in session.execute(query)}


def _parse(record: dict[str, str | None], plates: dict[str, int]) -> MeterReadingIn:
    plate = (record.get("plate") or "").strip().upper().replace(" ", "")
    vehicle_id = (record.get("vehicle_id") or "").strip()
    if not vehicle_id:
        if plate not in plates:
            raise Invalid(f"no vehicle with plate '{plate}'", field="plate")
        vehicle_id = str(plates[plate])
    return MeterReadingIn.model_validate(
        {
            "vehicle_id": vehicle_id,
            "meter": (record.get("meter") or "").strip(),
            "value": record.get("value"),
        }
    )


def _batch_error(errors: list[ImportRowError], *, what: str) -> Invalid:
    first = errors[0]
    return Invalid(
        f"{len(errors)} problem(s); nothing was recorded. First: {what} {first.line}, "
        f"{first.column}: {first.reason}",
        field="readings" if what == "reading" else "file",
        detail={"errors": [e.model_dump() for e in errors]},
    )
