"""Programmes as data: shipped YAML files imported per operator, editable in the database."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, TypeVar

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.db import utcnow
from tightnut.errors import Conflict, Invalid, NotFound
from tightnut.maintenance.models import Programme, ProgrammeTask
from tightnut.maintenance.schemas import (
    ProgrammeIn,
    ProgrammeRead,
    TaskRead,
    TaskUpdate,
    find_nesting_cycle,
)

SHIPPED_DIR = Path(__file__).parent / "programmes"


def shipped_programmes(directory: Path = SHIPPED_DIR) -> list[ProgrammeIn]:
    """Every programme file in ``directory``, validated; an error names the file and field."""
    found = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            found.append(
                ProgrammeIn.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
            )
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"]) or "programme"
            raise Invalid(f"{path.name}: {where}: {error['msg']}", field=where) from None
    return found


def import_programme(session: Session, actor: Actor, *, data: ProgrammeIn) -> Programme:
    """Add a programme and its tasks to the caller's operator."""
    actor.require(Right.MANAGE_PROGRAMMES)
    taken = select(Programme.id).where(
        Programme.operator_id == actor.operator_id, Programme.code == data.code
    )
    if session.scalar(taken) is not None:
        raise Conflict(f"programme '{data.code}' exists", field="code")
    programme = Programme(
        operator_id=actor.operator_id,
        **data.model_dump(exclude={"tasks"}),
    )
    session.add(programme)
    session.flush()
    for task in data.tasks:
        session.add(ProgrammeTask(programme_id=programme.id, **task.model_dump()))
    session.flush()
    return programme


def import_shipped(session: Session, actor: Actor) -> list[Programme]:
    """Add every shipped programme the operator does not have yet."""
    actor.require(Right.MANAGE_PROGRAMMES)
    have = set(
        session.scalars(select(Programme.code).where(Programme.operator_id == actor.operator_id))
    )
    return [
        import_programme(session, actor, data=data)
        for data in shipped_programmes()
        if data.code not in have
    ]


def list_programmes(session: Session, actor: Actor) -> Sequence[Programme]:
    """The caller's programmes."""
    query = select(Programme).where(Programme.operator_id == actor.operator_id)
    return session.scalars(query.order_by(Programme.code)).all()


def get_programme(session: Session, actor: Actor, programme_id: int) -> Programme:
    """The caller's programme ``programme_id``."""
    programme = session.get(Programme, programme_id)
    if programme is None or programme.operator_id != actor.operator_id:
        raise NotFound(f"no programme {programme_id}")
    return programme


def tasks_of(session: Session, programme_ids: Sequence[int]) -> Sequence[ProgrammeTask]:
    """The tasks of these programmes."""
    query = select(ProgrammeTask).where(ProgrammeTask.programme_id.in_(programme_ids))
    return session.scalars(query.order_by(ProgrammeTask.programme_id, ProgrammeTask.id)).all()


def read_programme(session: Session, programme: Programme) -> ProgrammeRead:
    """The API view of a programme with its tasks."""
    return ProgrammeRead(
        id=programme.id,
        code=programme.code,
        name=programme.name,
        model_families=programme.model_families,
        vehicle_class=programme.vehicle_class,
        engine_types=programme.engine_types,
        source=programme.source,
        illustrative=programme.illustrative,
        tasks=[TaskRead.model_validate(t) for t in tasks_of(session, [programme.id])],
    )


def update_task(
    session: Session, actor: Actor, programme: Programme, task_id: int, *, data: TaskUpdate
) -> ProgrammeTask:
    """Edit a task; nesting must stay acyclic and point at tasks of the same programme."""
    actor.require(Right.MANAGE_PROGRAMMES)
    tasks = {task.id: task for task in tasks_of(session, [programme.id])}
    task = tasks.get(task_id)
    if task is None:
        raise NotFound(f"no task {task_id} in programme {programme.code}")
    changes = data.model_dump(exclude_unset=True)
    if "includes" in changes:
        _check_includes(task, changes["includes"], list(tasks.values()))
    for name, value in changes.items():
        setattr(task, name, value)
    if task.kind == "periodic" and not (
        task.interval_km or task.interval_hours or task.interval_days
    ):
        raise Invalid("a periodic task needs at least one interval", field="interval_km")
    programme.updated_at = utcnow()
    session.flush()
    return task


def _check_includes(task: ProgrammeTask, includes: list[str], tasks: list[ProgrammeTask]) -> None:
    codes = {t.code for t in tasks}
    unknown = sorted(set(includes) - codes)
    if unknown:
        raise Invalid(f"unknown task {unknown[0]}", field="includes")
    graph = {t.code: list(t.includes) for t in tasks}
    graph[task.code] = includes
    cycle = find_nesting_cycle(graph)
    if cycle:
        raise Invalid(f"task nesting cycle: {' → '.join(cycle)}", field="includes")


class Classified(Protocol):
    """Anything with a model family, a vehicle class and an engine type."""

    @property
    def model_family(self) -> str: ...
    @property
    def vehicle_class(self) -> str: ...
    @property
    def engine_type(self) -> str: ...


class Covering(Protocol):
    """Anything that says which vehicles a programme covers."""

    @property
    def model_families(self) -> Sequence[str]: ...
    @property
    def vehicle_class(self) -> str | None: ...
    @property
    def engine_types(self) -> Sequence[str]: ...


P = TypeVar("P", bound=Covering)


def programme_for(vehicle: Classified, programmes: Sequence[P]) -> P | None:
    """The programme that covers ``vehicle``: by model family first, then class and engine."""
    for programme in programmes:
        if vehicle.model_family in programme.model_families:
            return programme
    for programme in programmes:
        if programme.vehicle_class == vehicle.vehicle_class and (
            not programme.engine_types or vehicle.engine_type in programme.engine_types
        ):
            return programme
    return None
