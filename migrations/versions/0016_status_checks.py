"""CHECK constraints holding kinds and statuses to the values the code knows

Revision ID: 0016_status_checks
Revises: 0015_all_day
Create Date: 2026-12-03 09:00:00.000000

"""
from contextlib import contextmanager

from alembic import op


# revision identifiers, used by Alembic.
revision = "0016_status_checks"
down_revision = "0015_all_day"
branch_labels = None
depends_on = None

# The values as this revision knows them (the enums may grow in later revisions).
PARTICIPANT_KINDS = ("invitee", "registrant", "walk_in")
PARTICIPANT_STATUSES = ("invited", "accepted", "tentative", "declined", "delegated",
                        "pending", "registered", "waiting", "cancelled")
CHECKS = {
    "participants": {"kind": PARTICIPANT_KINDS, "status": PARTICIPANT_STATUSES,
                     "previous_answer": PARTICIPANT_STATUSES},
    "meetings": {"status": ("draft", "scheduled", "cancelled", "held")},
    "outbox_messages": {"status": ("queued", "sending", "sent", "failed")},
    "posts": {"status": ("draft", "scheduled", "published")},
}


def _condition(column, values):
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


@contextmanager
def _foreign_keys_off():
    """SQLite adds or drops a CHECK by copying the table and dropping the old one; with
    foreign keys on, that drop runs the ON DELETE rules of every table pointing at it
    (dropping the old meetings would empty participants). The pragma only takes effect
    outside a transaction."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    with op.get_context().autocommit_block():
        op.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    with _foreign_keys_off():
        for table_name, columns in CHECKS.items():
            with op.batch_alter_table(table_name, schema=None) as batch_op:
                for column, values in columns.items():
                    batch_op.create_check_constraint(batch_op.f(f"ck_{table_name}_{column}"),
                                                     _condition(column, values))


def downgrade():
    with _foreign_keys_off():
        for table_name, columns in reversed(CHECKS.items()):
            with op.batch_alter_table(table_name, schema=None) as batch_op:
                for column in reversed(columns):
                    batch_op.drop_constraint(batch_op.f(f"ck_{table_name}_{column}"), type_="check")
