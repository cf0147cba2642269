"""the message of the invitee who sent a colleague, kept with the colleague

Revision ID: 0014_delegation_message
Revises: 0013_organisation_partners
Create Date: 2026-12-02 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014_delegation_message"
down_revision = '0013_organisation_partners'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delegation_message", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("delegation_message")
