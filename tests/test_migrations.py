"""The Alembic migrations build exactly the models' schema, from an empty database,
on SQLite and on PostgreSQL; and the steps of ``make run`` work on top of them."""
from __future__ import annotations

import logging
import os
import re
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.exc import IntegrityError

import config
from meetings import create_app
from meetings.extensions import db


@pytest.fixture
def empty_database_url(backend, tmp_path):
    """A database of its own for each test, with nothing in it."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1/test)")
    admin_url = make_url(raw).set(drivername="postgresql+psycopg")
    name = f"meetings_migrate_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def migrate_app(empty_database_url, tmp_path):
    app = create_app(config.testing_config(tmp_path / "instance", empty_database_url))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def keep_logging():
    """Alembic's env.py configures logging from alembic.ini, which switches off every
    logger already made; put them back for the tests that follow."""
    manager = logging.Logger.manager
    disabled = {name: logger.disabled for name, logger in manager.loggerDict.items()
                if isinstance(logger, logging.Logger)}
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for name, logger in manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            logger.disabled = disabled.get(name, False)
    root.handlers[:] = handlers
    root.setLevel(level)


def flask(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result


def test_upgrade_from_empty_gives_exactly_the_models_schema(migrate_app):
    flask(migrate_app, "db", "upgrade")
    with migrate_app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
            assert context.get_current_revision() is not None
        assert set(inspect(db.engine).get_table_names()) == set(db.metadata.tables) | {"alembic_version"}


def test_db_check_finds_nothing_to_migrate(migrate_app):
    flask(migrate_app, "db", "upgrade")
    result = migrate_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_downgrade_to_empty_and_upgrade_again(migrate_app):
    flask(migrate_app, "db", "upgrade")
    flask(migrate_app, "db", "downgrade", "base")
    with migrate_app.app_context():
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    flask(migrate_app, "db", "upgrade")
    with migrate_app.app_context():
        assert set(inspect(db.engine).get_table_names()) == set(db.metadata.tables) | {"alembic_version"}


def test_make_run_steps_on_a_migrated_database(migrate_app):
    """What ``make run`` does before serving: upgrade, load the demo once, print the login."""
    flask(migrate_app, "db", "upgrade")
    assert "Loaded the demo cluster" in flask(migrate_app, "demo", "load", "--if-empty").output
    assert "not loaded" in flask(migrate_app, "demo", "load", "--if-empty").output
    assert "demo@example.org" in flask(migrate_app, "demo", "login").output
    flask(migrate_app, "db", "upgrade")
    client = migrate_app.test_client()
    assert "Robotics Day" in client.get("/events/").get_data(as_text=True)


def test_accounts_made_before_the_session_token_get_one_each(migrate_app):
    """Accounts that exist when 0008 runs get a random token of their own (their open sessions end)."""
    flask(migrate_app, "db", "upgrade", "0006_feed_versions_translations")
    with migrate_app.app_context():
        with db.engine.begin() as conn:
            for n in (1, 2):
                conn.execute(text("INSERT INTO users (email, name, password_hash, is_admin, active, language, created_at)"
                                  " VALUES (:email, 'Someone', 'x', false, true, 'en', CURRENT_TIMESTAMP)"),
                             {"email": f"user{n}@example.org"})
    flask(migrate_app, "db", "upgrade")
    with migrate_app.app_context():
        with db.engine.connect() as conn:
            tokens = conn.execute(text("SELECT session_token FROM users")).scalars().all()
    assert len(tokens) == 2 and len(set(tokens)) == 2
    assert all(token and len(token) >= 43 for token in tokens)


def test_name_keys_are_filled_in_for_existing_rows(migrate_app):
    """0007 folds the names already stored; names SQLite let in twice ("Ökologie",
    "ökologie") both stay, the later with a key of its own, and the keys are unique."""
    flask(migrate_app, "db", "upgrade", "0006_feed_versions_translations")
    with migrate_app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO topics (id, name, slug) VALUES "
                              "(1, 'Ökologie', 'oekologie'), (2, 'ökologie', 'oekologie-2'), (3, 'AI', 'ai')"))
            conn.execute(text("INSERT INTO organisations (id, name, country, kind, is_public, created_at) VALUES "
                              "(1, 'Universität Twente', 'NL', 'university', true, '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO groups (id, name, created_at) VALUES "
                              "(1, 'Core TEAM', '2026-01-01 00:00:00')"))
        db.engine.dispose()
    flask(migrate_app, "db", "upgrade")
    with migrate_app.app_context():
        with db.engine.begin() as conn:
            topics = dict(conn.execute(text("SELECT id, name_key FROM topics")).all())
            assert topics == {1: "ökologie", 2: "ökologie #2", 3: "ai"}
            assert conn.execute(text("SELECT name_key FROM organisations")).scalar() == "universität twente"
            assert conn.execute(text("SELECT name_key FROM groups")).scalar() == "core team"
        with pytest.raises(IntegrityError):
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO topics (name, slug, name_key) VALUES ('AI ', 'ai-2', 'ai')"))
        db.engine.dispose()



def test_rows_pointing_at_a_table_sqlite_copies_survive_the_upgrade(migrate_app):
    """0007 copies topics and groups on SQLite (a UNIQUE added); with foreign keys on, the
    drop of the old table would run the ON DELETE CASCADE of meeting_topics and group_members."""
    flask(migrate_app, "db", "upgrade", "0006_feed_versions_translations")
    with migrate_app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO topics (id, name, slug) VALUES (1, 'AI', 'ai')"))
            conn.execute(text("INSERT INTO groups (id, name, created_at) VALUES (1, 'Core team', '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO contacts (id, name, email, language, created_at) VALUES "
                              "(1, 'Anna', 'anna@example.org', 'en', '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO group_members (group_id, contact_id) VALUES (1, 1)"))
            conn.execute(text("INSERT INTO meetings (id, uid, slug, title, description, language, starts_at, ends_at,"
                              " timezone, visibility, status, sequence, created_at, updated_at) VALUES (1, 'u1',"
                              " 'm', 'M', '', 'en', '2026-01-01 09:00:00', '2026-01-01 10:00:00', 'Europe/Amsterdam',"
                              " 'public', 'scheduled', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO meeting_topics (meeting_id, topic_id) VALUES (1, 1)"))
        db.engine.dispose()
    flask(migrate_app, "db", "upgrade")
    with migrate_app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT meeting_id, topic_id FROM meeting_topics")).all() == [(1, 1)]
            assert conn.execute(text("SELECT group_id, contact_id FROM group_members")).all() == [(1, 1)]
            if db.engine.dialect.name == "sqlite":  # set back for the app's connections
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


STATUS_COLUMNS = [("participants", "kind"), ("participants", "status"), ("participants", "previous_answer"),
                  ("meetings", "status"), ("outbox_messages", "status"), ("posts", "status")]


def row_counts(conn):
    """Rows per table, for the tables of the models that this revision of the database has."""
    present = set(inspect(conn).get_table_names())
    return {name: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar()
            for name in sorted(db.metadata.tables) if name in present}


def test_status_checks_come_with_0016_and_go_with_its_downgrade(migrate_app):
    """After 0016 a value outside the enum is refused; downgraded to 0015 it is let in again;
    neither way loses a row (SQLite copies each table to change its CHECKs)."""
    # The demo is written by today's models, so it is loaded at the head and taken down to 0015.
    flask(migrate_app, "db", "upgrade")
    flask(migrate_app, "demo", "load", "--if-empty")
    flask(migrate_app, "db", "downgrade", "0015_all_day")
    with migrate_app.app_context():
        with db.engine.connect() as conn:
            before = row_counts(conn)
        db.engine.dispose()
    assert before["participants"] and before["meetings"] and before["outbox_messages"] and before["posts"]
    flask(migrate_app, "db", "upgrade")
    with migrate_app.app_context():
        with db.engine.connect() as conn:
            after = row_counts(conn)
            assert {name: after[name] for name in before} == before
        for table_name, column in STATUS_COLUMNS:
            with pytest.raises(IntegrityError, match=f"ck_{table_name}_{column}"):
                with db.engine.begin() as conn:
                    conn.execute(text(f"UPDATE {table_name} SET {column} = 'bogus'"))
        db.engine.dispose()
    flask(migrate_app, "db", "downgrade", "0015_all_day")
    with migrate_app.app_context():
        with db.engine.begin() as conn:
            assert row_counts(conn) == before
            for table_name, column in STATUS_COLUMNS:
                assert conn.execute(text(f"UPDATE {table_name} SET {column} = 'bogus'")).rowcount > 0
        db.engine.dispose()


def test_participants_listed_before_0017_get_a_reply_token_each(migrate_app):
    """0017 gives every participant already on a list a token of their own, lowercase base32."""
    flask(migrate_app, "db", "upgrade")
    flask(migrate_app, "demo", "load", "--if-empty")
    flask(migrate_app, "db", "downgrade", "0016_status_checks")
    with migrate_app.app_context():
        with db.engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM participants")).scalar()
        db.engine.dispose()
    assert count > 1
    flask(migrate_app, "db", "upgrade")
    with migrate_app.app_context():
        with db.engine.connect() as conn:
            tokens = conn.execute(text("SELECT reply_token FROM participants")).scalars().all()
        db.engine.dispose()
    assert len(tokens) == count == len(set(tokens))
    assert all(re.fullmatch(r"[a-z2-7]{32}", token) for token in tokens)
