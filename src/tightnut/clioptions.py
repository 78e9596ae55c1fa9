"""Options and output every CLI command shares.

Nothing heavy is imported here (no ORM, no web framework, no solver), so `tightnut --help`
stays quick; commands import what they need when they run.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated

import typer

OperatorOption = Annotated[
    str | None,
    typer.Option(
        "--operator",
        help="operator (tenant) name; needed when the database holds more than one operator "
        "(the error then lists them), unless the depot named belongs to one operator only",
    ),
]
AsOption = Annotated[
    str | None, typer.Option("--as", help="act as this user's e-mail (default: by role)")
]
DepotOption = Annotated[str | None, typer.Option("--depot", help="depot id or name")]


class RoleName(StrEnum):
    """The roles a user may have, as the command line spells them (same as `auth.models.Role`)."""

    DRIVER = "driver"
    INSPECTOR = "inspector"
    DISPATCHER = "dispatcher"
    FLEET_MANAGER = "fleet_manager"
    SERVICE_ENGINEER = "service_engineer"
    NETWORK_MANAGER = "network_manager"
    ADMIN = "admin"


class Format(StrEnum):
    """How to print a list: a table for people, CSV or JSON for programs."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"


FormatOption = Annotated[
    Format, typer.Option("--format", help="table for reading; csv or json carry the API's fields")
]


def print_records(records: Sequence[Mapping[str, object]], fmt: Format, fields: list[str]) -> None:
    """Print records as CSV (header from the first record, else ``fields``) or JSON."""
    if fmt is Format.JSON:
        typer.echo(json.dumps(list(map(dict, records)), ensure_ascii=False, indent=1))
        return
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]) if records else fields)
    writer.writeheader()
    writer.writerows(records)
    typer.echo(out.getvalue().rstrip("\n"))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print rows of text under their headers, each column as wide as its widest cell."""
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]
    for line in (headers, *rows):
        typer.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )
