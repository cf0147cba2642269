"""identities at OpenID Connect providers linked to accounts; email domains let in per provider

Revision ID: 0019_oidc
Revises: 0018_counter_bounces
Create Date: 2026-12-03 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import meetings.core.types


# revision identifiers, used by Alembic.
revision = "0019_oidc"
down_revision = "0018_counter_bounces"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "linked_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", meetings.core.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_linked_identities_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linked_identities")),
        sa.UniqueConstraint("issuer", "subject", name="uq_linked_identities_issuer_subject"),
    )
    with op.batch_alter_table("linked_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_linked_identities_user_id"), ["user_id"], unique=False)
    op.create_table(
        "sign_in_domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("created_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_domains")),
        sa.UniqueConstraint("issuer", "domain", name="uq_sign_in_domains_issuer_domain"),
    )


def downgrade():
    op.drop_table("sign_in_domains")
    op.drop_table("linked_identities")
