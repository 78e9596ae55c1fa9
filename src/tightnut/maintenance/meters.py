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
from tightnut.maintenance.schemas import MAX_BATCH_READINGS, MeterReadingIn


class BatchReport(BaseModel):
    """How many readings went in."""

    recorded: int


def record_batch(
    session: Session, actor: Actor, *, rows: Sequence[MeterReadingIn], limits: MeterLimits
) -> BatchReport:
    """Record readings in order; if any is refused, none is kept and each refusal is listed."""
    actor.require(Right.RECORD_METERS)
    _load_vehicles(session, actor, {row.vehicle_id for row in rows})
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


def _load_vehicles(session: Session, actor: Actor, ids: set[int]) -> None:
    """Load the batch's vehicles in one query, so each row finds its own in the session."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        query = select(Vehicle).where(Vehicle.operator_id == actor.operator_id)
        session.scalars(query.where(Vehicle.id.in_(chunk))).all()


def _record(session: Session, actor: Actor, row: MeterReadingIn, limits: MeterLimits) -> None:
    vehicle = get_vehicle(session, actor, row.vehicle_id)
    record_meter(
        session,
        actor,
        vehicle,
        meter=Meter(row.meter),
        value=row.value,
        source="batch",
        client_time=row.client_time,
        limits=limits,
    )


def import_csv(session: Session, actor: Actor, *, text: str, limits: MeterLimits) -> BatchReport:
    """Import readings from CSV with columns plate (or vehicle_id), meter and value."""
    actor.require(Right.RECORD_METERS)
    names, records = _read_csv(text)
    if not {"meter", "value"} <= names or not names & {"plate", "vehicle_id"}:
        raise Invalid("the header needs plate (or vehicle_id), meter and value", field="file")
    if len(records) > MAX_BATCH_READINGS:
        raise Invalid(
            f"a file takes at most {MAX_BATCH_READINGS} readings; this one has {len(records)}",
            field="file",
        )
    plates = _plates(session, actor)
    errors: list[ImportRowError] = []
    count = 0
    for line, record in records:
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


def _read_csv(text: str) -> tuple[set[str], list[tuple[int, dict[str, str | None]]]]:
    """The header's names and each record with its line; a file CSV cannot read is refused."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        names = set(reader.fieldnames or [])
        return names, [(reader.line_num, record) for record in reader]
    except csv.Error as exc:
        raise Invalid(f"line {reader.line_num}: {exc}", field="file") from None


def _plates(session: Session, actor: Actor) -> dict[str, int]:
    query = select(Vehicle.plate, Vehicle.id).where(Vehicle.operator_id == actor.operator_id)
    return {row.plate: row.id for row in session.execute(query)}


def _parse(record: dict[str, str | None], plates: dict[str, int]) -> MeterReadingIn:
    plate = (record.get("plate") or "").strip().upper().replace(" ", "")
    written_id = (record.get("vehicle_id") or "").strip()
    if written_id and not (written_id.isascii() and written_id.isdigit()):
        raise Invalid(f"vehicle_id '{written_id[:20]}' is not a whole number", field="vehicle_id")
    vehicle_id = int(written_id) if written_id else plates.get(plate)
    if vehicle_id is None:
        raise Invalid(f"no vehicle with plate '{plate}'", field="plate")
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
