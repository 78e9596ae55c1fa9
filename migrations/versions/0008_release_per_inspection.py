"""one release per vehicle, shift and inspection: a vehicle blocked after release goes out again

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Indexes only: the table is not rebuilt, so its append-only triggers stay in place.
    op.drop_index("uq_release_decisions_released_shift", table_name="release_decisions")
    op.create_index(
        "uq_release_decisions_released_inspection",
        "release_decisions",
        ["vehicle_id", "shift_start", "inspection_id"],
        unique=True,
        sqlite_where=sa.text("released = 1"),
        postgresql_where=sa.text("released"),
    )


def downgrade() -> None:
    # Fails if a shift holds two releases of one vehicle; they are evidence and stay.
    op.drop_index("uq_release_decisions_released_inspection", table_name="release_decisions")
    op.create_index(
        "uq_release_decisions_released_shift",
        "release_decisions",
        ["vehicle_id", "shift_start"],
        unique=True,
        sqlite_where=sa.text("released = 1"),
        postgresql_where=sa.text("released"),
    )
