"""fleet: vehicles taken out of service; indexes for readings and defects newest first

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 17:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tightnut.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("out_of_service_at", tightnut.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("out_of_service_reason", sa.String(length=500), nullable=True)
        )
    with op.batch_alter_table("meter_readings", schema=None) as batch_op:
        batch_op.create_index("ix_meter_readings_vehicle_at", ["vehicle_id", "read_at"])
    with op.batch_alter_table("defects", schema=None) as batch_op:
        batch_op.create_index("ix_defects_operator_opened", ["operator_id", "opened_at"])


def downgrade() -> None:
    with op.batch_alter_table("defects", schema=None) as batch_op:
        batch_op.drop_index("ix_defects_operator_opened")
    with op.batch_alter_table("meter_readings", schema=None) as batch_op:
        batch_op.drop_index("ix_meter_readings_vehicle_at")
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of ``vehicles`` would trip
    # the foreign keys of every table that points at it.
    op.drop_column("vehicles", "out_of_service_reason")
    op.drop_column("vehicles", "out_of_service_at")
