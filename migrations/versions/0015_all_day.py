"""all-day meetings, and the day of an agenda item in a meeting over several days

Revision ID: 0015_all_day
Revises: 0014_delegation_message
Create Date: 2026-12-02 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015_all_day"
down_revision = "0014_delegation_message"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("all_day", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("day", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_column("day")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("all_day")
