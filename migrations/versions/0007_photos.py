"""photos: evidence from the phone camera, stored with its inspection item and defect

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tightnut.db
from tightnut.migrate import append_only_statements

APPEND_ONLY = ("photos",)

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("item_code", sa.String(length=100), nullable=True),
        sa.Column("defect_id", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=False),
        sa.Column("width_px", sa.Integer(), nullable=False),
        sa.Column("height_px", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("taken_by", sa.Integer(), nullable=False),
        sa.Column("created_at", tightnut.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["defect_id"], ["defects.id"], name=op.f("fk_photos_defect_id_defects")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_photos_inspection_id_inspections")
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_photos_operator_id_operators")
        ),
        sa.ForeignKeyConstraint(["taken_by"], ["users.id"], name=op.f("fk_photos_taken_by_users")),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_photos_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
    )
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.create_index("ix_photos_defect", ["defect_id"])
        batch_op.create_index("ix_photos_inspection_item", ["inspection_id", "item_code"])
        batch_op.create_index("ix_photos_vehicle_created", ["vehicle_id", "created_at"])
        batch_op.create_index(batch_op.f("ix_photos_operator_id"), ["operator_id"])
    # A photo is evidence like the inspection it belongs to: the database refuses to change it.
    for statement in append_only_statements(op.get_bind().dialect.name, APPEND_ONLY):
        op.execute(statement)


def downgrade() -> None:
    for statement in append_only_statements(op.get_bind().dialect.name, APPEND_ONLY, drop=True):
        op.execute(statement)
    op.drop_table("photos")
