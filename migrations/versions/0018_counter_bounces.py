"""proposals of another time (iTIP COUNTER); bouncing addresses; emails passed on with the original

Revision ID: 0018_counter_bounces
Revises: 0017_inbound
Create Date: 2026-12-03 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import meetings.core.types


# revision identifiers, used by Alembic.
revision = "0018_counter_bounces"
down_revision = "0017_inbound"
branch_labels = None
depends_on = None

# The values as this revision knows them.
PROPOSAL_STATES = ("open", "accepted", "declined", "recorded")
PROPOSAL_REASONS = ("stale", "meeting_cancelled", "meeting_past", "superseded", "meeting_moved")


def _condition(column, values):
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade():
    op.create_table(
        "time_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.Column("ends_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("received_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.Column("decided_at", meetings.core.types.UTCDateTime(), nullable=True),
        sa.Column("inbound_message_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(_condition("state", PROPOSAL_STATES), name=op.f("ck_time_proposals_state")),
        sa.CheckConstraint(_condition("reason", PROPOSAL_REASONS), name=op.f("ck_time_proposals_reason")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_time_proposals_meeting_id_meetings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_time_proposals_participant_id_participants"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["inbound_message_id"], ["inbound_messages.id"],
                                name=op.f("fk_time_proposals_inbound_message_id_inbound_messages"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_proposals")),
    )
    with op.batch_alter_table("time_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_time_proposals_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_time_proposals_participant_id"), ["participant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_time_proposals_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_time_proposals_inbound_message_id"), ["inbound_message_id"],
                              unique=False)
    for table in ("participants", "contacts"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("bounced_at", meetings.core.types.UTCDateTime(), nullable=True))
            batch_op.add_column(sa.Column("bounce_detail", sa.String(length=300), nullable=True))
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attached_message", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("attached_message")
    for table in ("contacts", "participants"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("bounce_detail")
            batch_op.drop_column("bounced_at")
    op.drop_table("time_proposals")
