"""users.session_token: the part of the login id that logout, password changes and deactivation renew

Revision ID: 0008_user_session_token
Revises: 0007_name_keys
Create Date: 2026-12-02 06:45:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_user_session_token'
down_revision = '0007_name_keys'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=43), nullable=True))

    # One random value per account: the sessions open before the upgrade end with it.
    users = sa.table('users', sa.column('id', sa.Integer()), sa.column('session_token', sa.String(43)))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(users.update().where(users.c.id == user_id)
                           .values(session_token=secrets.token_urlsafe(32)))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=43), nullable=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_token')
