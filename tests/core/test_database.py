"""SQLite's pragmas are set on the app's own engine, and on no other engine in the process."""
from __future__ import annotations

from sqlalchemy import create_engine

import config
from meetings import create_app
from meetings.extensions import db


def _pragmas(engine) -> dict[str, object]:
    with engine.connect() as conn:
        return {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("foreign_keys", "journal_mode", "synchronous")}


def test_the_apps_file_database_runs_in_wal_mode_with_foreign_keys(tmp_path):
    app = create_app(config.testing_config(tmp_path / "instance", f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    with app.app_context():
        pragmas = _pragmas(db.engine)
        db.engine.dispose()
    assert pragmas == {"foreign_keys": 1, "journal_mode": "wal", "synchronous": 1}  # 1: NORMAL


def test_every_connection_of_the_apps_engine_gets_the_pragmas(tmp_path):
    app = create_app(config.testing_config(tmp_path / "instance", f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    with app.app_context():
        with db.engine.connect() as first, db.engine.connect() as second:
            seen = [conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                    for conn in (first, second) for name in ("foreign_keys", "synchronous")]
        db.engine.dispose()
    assert seen == [1, 1, 1, 1]


def test_an_engine_in_memory_keeps_foreign_keys_and_no_write_ahead_log(tmp_path):
    app = create_app(config.testing_config(tmp_path / "instance", "sqlite://"))
    with app.app_context():
        pragmas = _pragmas(db.engine)
        db.engine.dispose()
    assert pragmas["foreign_keys"] == 1
    assert pragmas["journal_mode"] == "memory"


def test_another_engine_in_the_same_process_is_left_as_sqlite_makes_it(tmp_path):
    app = create_app(config.testing_config(tmp_path / "instance", f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    with app.app_context():
        assert _pragmas(db.engine)["foreign_keys"] == 1
        db.engine.dispose()
    other = create_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    try:
        pragmas = _pragmas(other)
    finally:
        other.dispose()
    assert pragmas == {"foreign_keys": 0, "journal_mode": "delete", "synchronous": 2}  # 2: FULL
