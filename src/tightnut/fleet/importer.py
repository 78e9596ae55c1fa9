"""CSV import of vehicles: every row goes in, or none does and each bad row is named."""

from __future__ import annotations

import csv
import io
import itertools

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.errors import Invalid
from tightnut.fleet.models import Depot
from tightnut.fleet.schemas import ImportReport, ImportRowError, VehicleCreate
from tightnut.fleet.service import add_vehicle, vehicle_problems

COLUMNS = (
    "depot",
    "plate",
    "vin",
    "vehicle_class",
    "make",
    "model",
    "model_family",
    "engine_type",
    "fastener_positions",
    "gas_cylinder_cert_due",
    "odometer_km",
    "engine_hours",
)
MAX_ROWS = 2_000  # one transaction; a whole depot or a region per file
REQUIRED = frozenset(
    {"depot", "plate", "vehicle_class", "make", "model", "model_family", "engine_type"}
)


def import_vehicles(session: Session, actor: Actor, *, text: str) -> ImportReport:
    """Add every vehicle in ``text`` (CSV with a header) or raise Invalid listing each bad row."""
    actor.require(Right.MANAGE_FLEET)
    fieldnames, records = _read_csv(text)
    _check_header(fieldnames)
    depots = _depots_by_name(session, actor)
    rows: list[VehicleCreate] = []
    errors: list[ImportRowError] = []
    seen: dict[tuple[str, str], int] = {}
    for line, record in records:
        data, row_errors = _parse_row(record, line, depots)
        if data is not None:
            row_errors += _row_problems(session, actor, data, line, seen)
        errors += row_errors
        if data is not None and not row_errors:
            rows.append(data)
    if errors:
        raise _import_error(errors)
    if not rows:
        raise Invalid("the file has no vehicle rows", field="file")
    vehicles = [add_vehicle(session, actor, data) for data in rows]
    session.flush()
    return ImportReport(imported=len(vehicles), vehicle_ids=[v.id for v in vehicles])


def _read_csv(text: str) -> tuple[list[str], list[tuple[int, dict[str, str | None]]]]:
    """The header and each record with its line, at most ``MAX_ROWS``; unreadable CSV is refused."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = list(reader.fieldnames or [])
        records = [(reader.line_num, record) for record in itertools.islice(reader, MAX_ROWS + 1)]
    except csv.Error as exc:
        raise Invalid(f"line {reader.line_num}: {exc}", field="file") from None
    if len(records) > MAX_ROWS:
        raise Invalid(f"a file takes at most {MAX_ROWS} vehicles; split it", field="file")
    return fieldnames, records


def _check_header(fieldnames: list[str]) -> None:
    names = set(fieldnames)
    missing = sorted(REQUIRED - names)
    unknown = sorted(names - set(COLUMNS))
    if missing or unknown:
        errors = [
            ImportRowError(line=1, column=c, reason="required column is missing") for c in missing
        ]
        errors += [ImportRowError(line=1, column=c, reason="unknown column") for c in unknown]
        raise _import_error(errors)


def _depots_by_name(session: Session, actor: Actor) -> dict[str, int]:
    query = select(Depot.name, Depot.id).where(Depot.operator_id == actor.operator_id)
    return {row.name: row.id for row in session.execute(query)}


def _parse_row(
    record: dict[str, str | None], line: int, depots: dict[str, int]
) -> tuple[VehicleCreate | None, list[ImportRowError]]:
    values = {key: (value or "").strip() for key, value in record.items() if key is not None}
    depot_name = values.pop("depot", "")
    if depot_name not in depots:
        return None, [ImportRowError(line=line, column="depot", reason=f"no depot '{depot_name}'")]
    payload: dict[str, object] = {k: v for k, v in values.items() if v != ""}
    payload["depot_id"] = depots[depot_name]
    try:
        return VehicleCreate.model_validate(payload), []
    except ValidationError as exc:
        return None, [
            ImportRowError(line=line, column=str(err["loc"][0]), reason=err["msg"])
            for err in exc.errors()
        ]


def _row_problems(
    session: Session, actor: Actor, data: VehicleCreate, line: int, seen: dict[tuple[str, str], int]
) -> list[ImportRowError]:
    errors = [
        ImportRowError(line=line, column=problem.field or "", reason=problem.message)
        for problem in vehicle_problems(session, actor, data)
    ]
    for column, value in (("plate", data.plate), ("vin", data.vin)):
        if value is None:
            continue
        first = seen.setdefault((column, value), line)
        if first != line:
            errors.append(ImportRowError(line=line, column=column, reason=f"repeats line {first}"))
    return errors


def _import_error(errors: list[ImportRowError]) -> Invalid:
    first = errors[0]
    return Invalid(
        f"{len(errors)} problem(s); nothing was imported. First: line {first.line}, "
        f"column '{first.column}': {first.reason}",
        field="file",
        detail={"errors": [e.model_dump() for e in errors]},
    )
