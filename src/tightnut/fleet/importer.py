"""CSV import and export of vehicles: every row goes in, or none does and each bad row is named.

A refused row carries its message as a template with its values (``RowProblem``), so the API
shows it in English and a page in the reader's language. The export writes the same columns
the import reads, then the vehicle's service state; a cell that a spreadsheet would run as a
formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with
a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.errors import Conflict, Invalid, TightnutError
from tightnut.fleet.models import Depot, Vehicle
from tightnut.fleet.schemas import ImportReport, ImportRowError, VehicleCreate, VehicleFilter
from tightnut.fleet.service import add_vehicle, list_depots, list_vehicles, vehicle_problems
from tightnut.fleet.vin import check_digit
from tightnut.paging import Cursor, PageRequest, decode_cursor
from tightnut.web.i18n import N_

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
EXPORT_COLUMNS = (*COLUMNS, "out_of_service_at", "out_of_service_reason")
EXPORT_CHUNK = 500  # vehicles read per query while the export streams
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MISSING_COLUMN = N_("required column is missing")
UNKNOWN_COLUMN = N_("unknown column")
NO_DEPOT = N_("no depot '%(name)s'")
REPEATS = N_("repeats line %(line)s")
PLATE_TAKEN = N_("plate '%(value)s' is already registered")
VIN_TAKEN = N_("VIN '%(value)s' is already registered")
CHECK_DIGIT = N_("check digit is '%(found)s', expected '%(expected)s'")
OUR_MESSAGES = (
    N_("required for a gas-fuelled vehicle"),
    N_("a VIN has only digits and capital letters other than I, O and Q"),
    N_("a VIN has 17 characters"),
)
REQUIRED = frozenset(
    {"depot", "plate", "vehicle_class", "make", "model", "model_family", "engine_type"}
)


@dataclass(frozen=True)
class RowProblem:
    """One reason one CSV row was refused: a message template and the values it names.

    ``error_type`` and ``context`` are the schema check's own (``missing``, ``enum`` …) when the
    refusal came from one, so a page can word it like its own forms.
    """

    line: int
    column: str
    message: str
    params: Mapping[str, object] = field(default_factory=dict)
    error_type: str | None = None
    context: Mapping[str, object] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """The message in English, its values filled in."""
        return self.message % self.params if self.params else self.message

    def read(self) -> ImportRowError:
        """The problem as the API shows it."""
        return ImportRowError(line=self.line, column=self.column, reason=self.reason)


class ImportRefused(Invalid):
    """Some rows are bad, so nothing was imported; ``problems`` names each."""

    def __init__(self, problems: list[RowProblem]) -> None:
        first = problems[0]
        super().__init__(
            f"{len(problems)} problem(s); nothing was imported. First: line {first.line}, "
            f"column '{first.column}': {first.reason}",
            field="file",
            detail={"errors": [p.read().model_dump() for p in problems]},
        )
        self.problems = problems


def import_vehicles(session: Session, actor: Actor, *, text: str) -> ImportReport:
    """Add every vehicle in ``text`` (CSV with a header) or raise Invalid listing each bad row."""
    actor.require(Right.MANAGE_FLEET)
    fieldnames, records = _read_csv(text)
    _check_header(fieldnames)
    depots = _depots_by_name(session, actor)
    rows: list[VehicleCreate] = []
    errors: list[RowProblem] = []
    seen: dict[tuple[str, str], int] = {}
    for line, record in records:
        data, row_errors = _parse_row(record, line, depots)
        if data is not None:
            row_errors += _row_problems(session, actor, data, line, seen)
        errors += row_errors
        if data is not None and not row_errors:
            rows.append(data)
    if errors:
        raise ImportRefused(errors)
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
        errors = [RowProblem(line=1, column=c, message=MISSING_COLUMN) for c in missing]
        errors += [RowProblem(line=1, column=c, message=UNKNOWN_COLUMN) for c in unknown]
        raise ImportRefused(errors)


def _depots_by_name(session: Session, actor: Actor) -> dict[str, int]:
    query = select(Depot.name, Depot.id).where(Depot.operator_id == actor.operator_id)
    return {row.name: row.id for row in session.execute(query)}


def _parse_row(
    record: dict[str, str | None], line: int, depots: dict[str, int]
) -> tuple[VehicleCreate | None, list[RowProblem]]:
    values = {key: (value or "").strip() for key, value in record.items() if key is not None}
    depot_name = values.pop("depot", "")
    if depot_name not in depots:
        return None, [RowProblem(line, "depot", NO_DEPOT, {"name": depot_name})]
    payload: dict[str, object] = {k: v for k, v in values.items() if v != ""}
    payload["depot_id"] = depots[depot_name]
    try:
        return VehicleCreate.model_validate(payload), []
    except ValidationError as exc:
        return None, [
            RowProblem(
                line,
                str(err["loc"][0]),
                err["msg"],
                error_type=err["type"],
                context=dict(err.get("ctx") or {}),
            )
            for err in exc.errors()
        ]


def _row_problems(
    session: Session, actor: Actor, data: VehicleCreate, line: int, seen: dict[tuple[str, str], int]
) -> list[RowProblem]:
    errors = [
        _service_problem(problem, data, line) for problem in vehicle_problems(session, actor, data)
    ]
    for column, value in (("plate", data.plate), ("vin", data.vin)):
        if value is None:
            continue
        first = seen.setdefault((column, value), line)
        if first != line:
            errors.append(RowProblem(line, column, REPEATS, {"line": first}))
    return errors


def _service_problem(problem: TightnutError, data: VehicleCreate, line: int) -> RowProblem:
    """The service's refusal of a row, as a template where the message names a value."""
    column = problem.field or ""
    if isinstance(problem, Conflict) and column in ("plate", "vin"):
        value = data.plate if column == "plate" else data.vin
        return RowProblem(
            line, column, PLATE_TAKEN if column == "plate" else VIN_TAKEN, {"value": value}
        )
    vin = data.vin or ""
    if column == "vin" and problem.message.startswith("check digit"):
        return RowProblem(
            line, column, CHECK_DIGIT, {"found": vin[8], "expected": check_digit(vin)}
        )
    return RowProblem(line, column, problem.message)


def template_csv(session: Session, actor: Actor) -> str:
    """A CSV to fill in: the import's header and one example row at the caller's first depot."""
    actor.require(Right.MANAGE_FLEET)
    depots = list_depots(session, actor)
    example = {
        "depot": depots[0].name if depots else "North Depot",
        "plate": "A123BC23",
        "vin": "",
        "vehicle_class": "bus",
        "make": "Generic Works",
        "model": "12 m CNG city bus",
        "model_family": "city-bus-12m",
        "engine_type": "cng",
        "fastener_positions": "10",
        "gas_cylinder_cert_due": "2028-01-31",
        "odometer_km": "120000",
        "engine_hours": "",
    }
    return _csv_lines([list(COLUMNS), [example[c] for c in COLUMNS]])


def export_csv(session: Session, actor: Actor, *, filters: VehicleFilter) -> Iterator[str]:
    """The caller's vehicles that ``filters`` lets through, as CSV text, a chunk at a time."""
    actor.require(Right.READ_FLEET)
    names = {depot.id: depot.name for depot in list_depots(session, actor)}
    yield _csv_lines([list(EXPORT_COLUMNS)])
    after: Cursor | None = None
    while True:
        found = list_vehicles(
            session, actor, page=PageRequest(limit=EXPORT_CHUNK, after=after), filters=filters
        )
        yield _csv_lines([_export_row(vehicle, names) for vehicle in found.rows])
        session.expunge_all()
        if found.next_cursor is None:
            return
        after = decode_cursor(found.next_cursor)


def _export_row(vehicle: Vehicle, depot_names: Mapping[int, str]) -> list[str]:
    values: dict[str, object] = {c: getattr(vehicle, c, None) for c in EXPORT_COLUMNS}
    values["depot"] = depot_names.get(vehicle.depot_id, "")
    if vehicle.out_of_service_at is not None:
        values["out_of_service_at"] = vehicle.out_of_service_at.isoformat()
    return [_cell(values[c]) for c in EXPORT_COLUMNS]


def _cell(value: object) -> str:
    """A value as a CSV cell that no spreadsheet runs as a formula."""
    if value is None:
        return ""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_lines(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()
