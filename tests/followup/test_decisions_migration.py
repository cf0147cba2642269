"""0020 moves the decisions typed one per line into rows, one per non-empty line or
bullet, and its downgrade puts them back as lines."""
from __future__ import annotations

from sqlalchemy import text

from meetings.extensions import db
from tests.test_migrations import empty_database_url, flask, keep_logging, migrate_app  # noqa: F401


def test_decision_lines_become_rows_and_back(migrate_app):
    flask(migrate_app, "db", "upgrade")
    flask(migrate_app, "demo", "load", "--if-empty")
    flask(migrate_app, "db", "downgrade", "0018_counter_bounces")
    with migrate_app.app_context():
        with db.engine.begin() as conn:
            meeting_id, lines = conn.execute(text("SELECT meeting_id, decisions FROM meeting_records")).one()
            assert lines.splitlines()[0] == \
                "Each of the five topics gets a lead partner who reports at every Core Team meeting."
            assert len(lines.splitlines()) == 4
            conn.execute(text("UPDATE meeting_records SET decisions = :text"),
                         {"text": "- First decision.\n\n  * Second one  \n3. Third one\nFourth one"})
        db.engine.dispose()
    flask(migrate_app, "db", "upgrade")
    with migrate_app.app_context():
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT meeting_id, position, text, agenda_item_id, superseded_by_id"
                                     " FROM decisions ORDER BY position")).all()
            columns = {c["name"] for c in db.inspect(db.engine).get_columns("meeting_records")}
        db.engine.dispose()
    assert [tuple(r) for r in rows] == [(meeting_id, 0, "First decision.", None, None),
                                        (meeting_id, 1, "Second one", None, None),
                                        (meeting_id, 2, "Third one", None, None),
                                        (meeting_id, 3, "Fourth one", None, None)]
    assert "decisions" not in columns
