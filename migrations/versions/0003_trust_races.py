"""trust: unique rows that races must not double (gate, defects), defect escalation detail

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 17:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNRESOLVED = "status IN ('open', 'in_repair', 'repaired')"


def upgrade() -> None:
    # ADD COLUMN needs no table rebuild on SQLite, so the append-only triggers stay in place.
    op.add_column("defect_events", sa.Column("detail", sa.JSON(), nullable=True))
    op.create_index(
        "uq_release_decisions_released_shift",
        "release_decisions",
        ["vehicle_id", "shift_start"],
        unique=True,
        sqlite_where=sa.text("released = 1"),
        postgresql_where=sa.text("released"),
    )
    op.create_index(
        "uq_defects_unresolved_item",
        "defects",
        ["vehicle_id", "item_id"],
        unique=True,
        sqlite_where=sa.text(UNRESOLVED),
        postgresql_where=sa.text(UNRESOLVED),
    )


def downgrade() -> None:
    op.drop_index("uq_defects_unresolved_item", table_name="defects")
    op.drop_index("uq_release_decisions_released_shift", table_name="release_decisions")
    with op.batch_alter_table("defect_events") as batch_op:
        batch_op.drop_column("detail")
