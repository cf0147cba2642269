"""minutes that get approved: versions, readers and their comments; decisions as rows

Revision ID: 0020_minutes
Revises: 0019_oidc
Create Date: 2026-12-03 15:00:00.000000

"""
import re
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

import meetings.core.types


# revision identifiers, used by Alembic.
revision = "0020_minutes"
down_revision = "0019_oidc"
branch_labels = None
depends_on = None

# The values as this revision knows them.
MINUTES_STATES = ("draft", "circulated", "approved")
# A bullet or number in front of a decision ("- ", "* ", "• ", "1. ", "2) ").
BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")


def _condition(column, values):
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def decision_lines(text):
    """One decision per non-empty line, bullets and numbers taken off."""
    lines = []
    for line in (text or "").splitlines():
        cleaned = BULLET.sub("", line).strip()
        if cleaned:
            lines.append(cleaned)
    return lines


def upgrade():
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_decisions_meeting_id_meetings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agenda_item_id"], ["agenda_items.id"],
                                name=op.f("fk_decisions_agenda_item_id_agenda_items"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["superseded_by_id"], ["decisions.id"],
                                name=op.f("fk_decisions_superseded_by_id_decisions"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_agenda_item_id"), ["agenda_item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_superseded_by_id"), ["superseded_by_id"], unique=False)
    op.create_table(
        "minutes_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.Column("circulated_at", meetings.core.types.UTCDateTime(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at_meeting_id", sa.Integer(), nullable=True),
        sa.Column("corrections", sa.Text(), nullable=True),
        sa.CheckConstraint(_condition("state", MINUTES_STATES), name=op.f("ck_minutes_versions_state")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"],
                                name=op.f("fk_minutes_versions_meeting_id_meetings"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["approved_by_id"], ["users.id"],
                                name=op.f("fk_minutes_versions_approved_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["approved_at_meeting_id"], ["meetings.id"],
                                name=op.f("fk_minutes_versions_approved_at_meeting_id_meetings"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minutes_versions")),
        sa.UniqueConstraint("meeting_id", "number", name="uq_minutes_versions_meeting_number"),
    )
    with op.batch_alter_table("minutes_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_minutes_versions_meeting_id"), ["meeting_id"], unique=False)
    op.create_table(
        "minutes_readers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"],
                                name=op.f("fk_minutes_readers_meeting_id_meetings"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_minutes_readers_participant_id_participants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minutes_readers")),
        sa.UniqueConstraint("meeting_id", "participant_id", name="uq_minutes_readers_meeting_participant"),
        sa.UniqueConstraint("token", name=op.f("uq_minutes_readers_token")),
    )
    with op.batch_alter_table("minutes_readers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_minutes_readers_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_minutes_readers_participant_id"), ["participant_id"], unique=False)
    op.create_table(
        "minutes_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("reader_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["minutes_versions.id"],
                                name=op.f("fk_minutes_comments_version_id_minutes_versions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reader_id"], ["minutes_readers.id"],
                                name=op.f("fk_minutes_comments_reader_id_minutes_readers"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minutes_comments")),
    )
    with op.batch_alter_table("minutes_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_minutes_comments_version_id"), ["version_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_minutes_comments_reader_id"), ["reader_id"], unique=False)

    # The decisions typed one per line become one row each, in their order.
    bind = op.get_bind()
    records = sa.table("meeting_records", sa.column("meeting_id", sa.Integer), sa.column("decisions", sa.Text))
    decisions = sa.table("decisions", sa.column("meeting_id", sa.Integer), sa.column("position", sa.Integer),
                         sa.column("text", sa.Text), sa.column("created_at", meetings.core.types.UTCDateTime()))
    rows = []
    for meeting_id, text in bind.execute(sa.select(records.c.meeting_id, records.c.decisions)):
        for position, line in enumerate(decision_lines(text)):
            rows.append({"meeting_id": meeting_id, "position": position, "text": line})
    if rows:
        stamp = datetime.now(timezone.utc)
        for row in rows:
            row["created_at"] = stamp
        bind.execute(decisions.insert(), rows)
    with op.batch_alter_table("meeting_records", schema=None) as batch_op:
        batch_op.drop_column("decisions")


def downgrade():
    with op.batch_alter_table("meeting_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decisions", sa.Text(), nullable=False, server_default=""))
    bind = op.get_bind()
    records = sa.table("meeting_records", sa.column("meeting_id", sa.Integer), sa.column("decisions", sa.Text))
    decisions = sa.table("decisions", sa.column("meeting_id", sa.Integer), sa.column("position", sa.Integer),
                         sa.column("id", sa.Integer), sa.column("text", sa.Text))
    texts = {}
    for meeting_id, text in bind.execute(sa.select(decisions.c.meeting_id, decisions.c.text)
                                         .order_by(decisions.c.meeting_id, decisions.c.position, decisions.c.id)):
        texts.setdefault(meeting_id, []).append(text)
    for meeting_id, lines in texts.items():
        bind.execute(records.update().where(records.c.meeting_id == meeting_id).values(decisions="\n".join(lines)))
    op.drop_table("minutes_comments")
    op.drop_table("minutes_readers")
    op.drop_table("minutes_versions")
    op.drop_table("decisions")
