"""safeguarding items, progress flags, alerts

Revision ID: 983fb359d1ca
Revises: ccd0713be045
Create Date: 2026-12-02 00:57:58.175824
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "983fb359d1ca"
down_revision: str | None = "ccd0713be045"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing flags: one item per response, confidence unknown (1.0), already seen in the
    # queue (alerted_at = created_at, so upgrading sends no burst of old alerts).
    with op.batch_alter_table("safeguarding_flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("item_key", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("confidence", sa.Float(), nullable=False, server_default="1.0")
        )
        batch_op.add_column(sa.Column("alerted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(), nullable=True))
        batch_op.alter_column("response_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_safeguarding_flag_alerted_at"), ["alerted_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_safeguarding_flag_item_key"), ["item_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_safeguarding_flag_progress_id"), ["progress_id"], unique=False
        )
    op.execute(
        "UPDATE safeguarding_flag SET item_key = 'r' || CAST(response_id AS VARCHAR(20)), "
        "alerted_at = created_at"
    )
    with op.batch_alter_table("safeguarding_flag", schema=None) as batch_op:
        batch_op.alter_column("item_key", server_default=None)
        batch_op.alter_column("confidence", server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM safeguarding_action WHERE flag_id IN "
               "(SELECT id FROM safeguarding_flag WHERE response_id IS NULL)")
    op.execute("DELETE FROM safeguarding_flag WHERE response_id IS NULL")
    with op.batch_alter_table("safeguarding_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safeguarding_flag_progress_id"))
        batch_op.drop_index(batch_op.f("ix_safeguarding_flag_item_key"))
        batch_op.drop_index(batch_op.f("ix_safeguarding_flag_alerted_at"))
        batch_op.alter_column("response_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("alerted_at")
        batch_op.drop_column("confidence")
        batch_op.drop_column("item_key")
        batch_op.drop_column("progress_id")
