"""the cluster's own pages (About us, privacy statement) per language; contact form messages

Revision ID: 0021_pages_contact
Revises: 0020_minutes
Create Date: 2026-12-03 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import meetings.core.types


# revision identifiers, used by Alembic.
revision = "0021_pages_contact"
down_revision = "0020_minutes"
branch_labels = None
depends_on = None

# The values as this revision knows them.
PAGE_KEYS = ("about", "privacy")


def _condition(column, values):
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade():
    op.create_table(
        "site_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(_condition("page", PAGE_KEYS), name=op.f("ck_site_pages_page")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_pages")),
        sa.UniqueConstraint("page", "language", name=op.f("uq_site_pages_page")),
    )
    op.create_table(
        "contact_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("created_at", meetings.core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_messages")),
    )
    with op.batch_alter_table("contact_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_messages_created_at"), ["created_at"], unique=False)


def downgrade():
    op.drop_table("contact_messages")
    op.drop_table("site_pages")
