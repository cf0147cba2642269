"""organisations marked as partners of the cluster

Revision ID: 0013_organisation_partners
Revises: 0009_calendar_state
Create Date: 2026-12-02 06:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_organisation_partners"
down_revision = '0009_calendar_state'
branch_labels = None
depends_on = None


def upgrade():
    # Being shown on the Network page does not make an organisation a partner, so
    # existing rows start unmarked: the organisers mark their partners.
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_partner", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("is_partner")
