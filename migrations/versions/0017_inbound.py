"""inbound_messages: mail that came in and what it did; reply tokens; the SEQUENCE of the last move

Revision ID: 0017_inbound
Revises: 0016_status_checks
Create Date: 2026-12-03 12:00:00.000000

"""
import base64
import secrets

from alembic import op
import sqlalchemy as sa

import meetings.core.types


# revision identifiers, used by Alembic.
revision = "0017_inbound"
down_revision = "0016_status_checks"
branch_labels = None
depends_on = None

# The values as this revision knows them.
INBOUND_STATES = ("received", "applied", "recorded", "held", "forwarded", "failed")


def _reply_token():
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").lower()


def upgrade():
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("door", sa.String(length=10), nullable=False),
        sa.Column("received_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.Column("sender", sa.String(length=254), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=998), nullable=True),
        sa.Column("method", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("applied_at", meetings.core.types.UTCDateTime(), nullable=True),
        sa.CheckConstraint("state IN ({})".format(", ".join(repr(v) for v in INBOUND_STATES)),
                           name=op.f("ck_inbound_messages_state")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"],
                                name=op.f("fk_inbound_messages_meeting_id_meetings"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_inbound_messages_participant_id_participants"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_inbound_messages_message_id")),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_messages_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_messages_participant_id"), ["participant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_messages_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_messages_state"), ["state"], unique=False)

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moved_sequence", sa.Integer(), server_default="0", nullable=False))

    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("answered_in_calendar_at", meetings.core.types.UTCDateTime(), nullable=True))

    # One random token per participant already on a list.
    participants = sa.table("participants", sa.column("id", sa.Integer()), sa.column("reply_token", sa.String(32)))
    connection = op.get_bind()
    for (participant_id,) in connection.execute(sa.select(participants.c.id)).all():
        connection.execute(participants.update().where(participants.c.id == participant_id)
                           .values(reply_token=_reply_token()))

    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.alter_column("reply_token", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_participants_reply_token"), ["reply_token"])


def downgrade():
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_participants_reply_token"), type_="unique")
        batch_op.drop_column("answered_in_calendar_at")
        batch_op.drop_column("reply_token")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("moved_sequence")
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_messages_state"))
        batch_op.drop_index(batch_op.f("ix_inbound_messages_received_at"))
        batch_op.drop_index(batch_op.f("ix_inbound_messages_participant_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_messages_meeting_id"))
    op.drop_table("inbound_messages")
