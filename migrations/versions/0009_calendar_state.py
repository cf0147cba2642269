"""what calendars hold: the place last sent, an invitee's answer before it was asked again

Revision ID: 0009_calendar_state
Revises: 0008_user_session_token
Create Date: 2026-12-02 06:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009_calendar_state"
down_revision = '0008_user_session_token'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_place", sa.String(length=64), nullable=True))

    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_answer", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("previous_answer")

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("sent_place")
