"""CHECK constraints holding kinds and statuses to the values the code knows

Revision ID: 0016_status_checks
Revises: 0015_all_day
Create Date: 2026-12-03 09:00:00.000000

"""
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


def upgrade():
    # On SQLite each table is copied; env.py runs this with foreign keys off, so the copy
    # does not set off the ON DELETE rules of the tables pointing at it.
    for table_name, columns in CHECKS.items():
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            for column, values in columns.items():
                batch_op.create_check_constraint(batch_op.f(f"ck_{table_name}_{column}"),
                                                 _condition(column, values))


def downgrade():
    for table_name, columns in reversed(CHECKS.items()):
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            for column in reversed(columns):
                batch_op.drop_constraint(batch_op.f(f"ck_{table_name}_{column}"), type_="check")
