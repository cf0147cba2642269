"""polls for a meeting's date: candidate slots with their calendar holds, people asked, answers

Revision ID: 0022_polls
Revises: 0021_pages_contact
Create Date: 2026-12-03 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import meetings.core.types


# revision identifiers, used by Alembic.
revision = "0022_polls"
down_revision = "0021_pages_contact"
branch_labels = None
depends_on = None

# The values as this revision knows them.
POLL_STATES = ("open", "closed", "cancelled")
POLL_ANSWERS = ("yes", "if_need_be", "no")


def _condition(column, values):
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade():
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("deadline_at", meetings.core.types.UTCDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("show_answers", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("hold_dates", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("chosen_slot_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", meetings.core.types.UTCDateTime(), nullable=True),
        sa.Column("closed_at", meetings.core.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(_condition("state", POLL_STATES), name=op.f("ck_polls_state")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_polls_meeting_id_meetings"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
    )
    with op.batch_alter_table("polls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_polls_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_polls_state"), ["state"], unique=False)
    op.create_table(
        "poll_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.Column("ends_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("all_day", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("uid", sa.String(length=120), nullable=False),
        sa.Column("sequence", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"], name=op.f("fk_poll_slots_poll_id_polls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_slots")),
        sa.UniqueConstraint("poll_id", "starts_at", "ends_at", name="uq_poll_slots_times"),
        sa.UniqueConstraint("uid", name=op.f("uq_poll_slots_uid")),
    )
    with op.batch_alter_table("poll_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_slots_poll_id"), ["poll_id"], unique=False)
    op.create_table(
        "poll_voters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("responded_at", meetings.core.types.UTCDateTime(), nullable=True),
        sa.Column("last_reminded_at", meetings.core.types.UTCDateTime(), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"], name=op.f("fk_poll_voters_poll_id_polls"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_poll_voters_contact_id_contacts"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_poll_voters_participant_id_participants"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_voters")),
        sa.UniqueConstraint("poll_id", "email", name="uq_poll_voters_poll_email"),
        sa.UniqueConstraint("token", name=op.f("uq_poll_voters_token")),
    )
    with op.batch_alter_table("poll_voters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_voters_poll_id"), ["poll_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_poll_voters_contact_id"), ["contact_id"], unique=False)
    op.create_table(
        "poll_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("voter_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=False),
        sa.CheckConstraint(_condition("answer", POLL_ANSWERS), name=op.f("ck_poll_votes_answer")),
        sa.ForeignKeyConstraint(["voter_id"], ["poll_voters.id"], name=op.f("fk_poll_votes_voter_id_poll_voters"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["slot_id"], ["poll_slots.id"], name=op.f("fk_poll_votes_slot_id_poll_slots"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_votes")),
        sa.UniqueConstraint("voter_id", "slot_id", name="uq_poll_votes_voter_slot"),
    )
    with op.batch_alter_table("poll_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_votes_voter_id"), ["voter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_poll_votes_slot_id"), ["slot_id"], unique=False)


def downgrade():
    op.drop_table("poll_votes")
    op.drop_table("poll_voters")
    op.drop_table("poll_slots")
    op.drop_table("polls")
