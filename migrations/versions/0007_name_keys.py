"""name keys: topic, organisation and group names unique ignoring case on every database

Revision ID: 0007_name_keys
Revises: 0006_feed_versions_translations
Create Date: 2026-12-02 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from meetings.core.names import NAME_KEY_LENGTH, name_key


# revision identifiers, used by Alembic.
revision = '0007_name_keys'
down_revision = '0006_feed_versions_translations'
branch_labels = None
depends_on = None

TABLES = ("topics", "organisations", "groups")


def _backfill(table_name):
    conn = op.get_bind()
    table = sa.table(table_name, sa.column("id", sa.Integer), sa.column("name", sa.String),
                     sa.column("name_key", sa.String))
    used = set()
    for row_id, name in conn.execute(sa.select(table.c.id, table.c.name).order_by(table.c.id)).all():
        base = name_key(name or "")
        key = base
        # SQLite let names differing only in non-ASCII case in ("Ökologie", "ökologie"):
        # both stay, the later one with a key of its own until it is renamed.
        while key in used:
            key = f"{key} #{row_id}"[:NAME_KEY_LENGTH]
        used.add(key)
        conn.execute(sa.update(table).where(table.c.id == row_id).values(name_key=key))


def upgrade():
    for table_name in TABLES:
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('name_key', sa.String(length=NAME_KEY_LENGTH), nullable=True))
        _backfill(table_name)
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.alter_column('name_key', existing_type=sa.String(length=NAME_KEY_LENGTH), nullable=False)
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table_name}_name_key'), ['name_key'])


def downgrade():
    for table_name in reversed(TABLES):
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'uq_{table_name}_name_key'), type_='unique')
            batch_op.drop_column('name_key')
