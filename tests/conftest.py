"""Fixtures for the whole suite: an app per test on a fresh database (SQLite, and
PostgreSQL when TEST_DATABASE_URL is set), clients, a logged-in organiser, a live
server and Chromium for browser tests.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

import pytest
from flask import Flask, g, request_started
from jinja2 import FileSystemBytecodeCache
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import make_server

from config import testing_config
from meetings import create_app
from meetings.extensions import db
from tests import factories, routing_cache
from tests.helpers import login

BACKENDS = ("sqlite", "postgresql")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_generate_tests(metafunc):
    # Every test that touches the database runs on each backend, unless marked
    # single_backend (browser tests: the backend is covered by the rest).
    if "backend" in metafunc.fixturenames:
        if metafunc.definition.get_closest_marker("single_backend"):
            metafunc.parametrize("backend", ["sqlite"], scope="session")
        else:
            metafunc.parametrize("backend", BACKENDS, scope="session")


def pytest_configure(config):
    config.addinivalue_line("markers", "single_backend: run on SQLite only")
    # Each test's app compiles the same URL rules: compile each once per process.
    routing_cache.install()
    # Each test makes its own app, and each app its own Jinja environment, which would parse
    # and compile every template it renders again: Jinja's bytecode cache, shared by the
    # process's apps, compiles each template once per run (the templates do not change).
    global _template_cache
    _template_cache = tempfile.mkdtemp(prefix="meetings-templates-")
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": FileSystemBytecodeCache(_template_cache)}


def pytest_unconfigure(config):
    if _template_cache:
        shutil.rmtree(_template_cache, ignore_errors=True)


_template_cache: str | None = None


def _pg_admin_url():
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        return None
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory):
    """A database made for this test session, with the models' tables."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        yield f"sqlite:///{path}"
        return
    admin = _pg_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1/test)")
    name = f"meetings_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    app = create_app(testing_config(tmp_path_factory.mktemp("instance"), database_url))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return database_url


def _empty_tables(app):
    """Every table emptied, ids starting from 1 again. DELETE, not TRUNCATE, on PostgreSQL
    too: the tables hold a few rows, and TRUNCATE's new files cost about three times as much."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
            if db.engine.dialect.name == "postgresql":
                sequences = conn.scalars(text("SELECT oid::regclass::text FROM pg_class WHERE relkind = 'S'")).all()
                if sequences:
                    conn.exec_driver_sql("; ".join(f"ALTER SEQUENCE {name} RESTART" for name in sequences))
        db.engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashing():
    """argon2id with light parameters: the tests need its format, not its cost
    (about 0.2 s per hash and per login with the production parameters)."""
    from argon2 import PasswordHasher

    from meetings.auth import models

    production = models._hasher
    models._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    models._hasher = production


def _fresh_globals(sender, **extra):
    g.__dict__.clear()


@pytest.fixture
def app_settings():
    """Settings that tests of one folder or module add to the test config (override it there)."""
    return {}


@pytest.fixture
def app(_schema, tmp_path, app_settings):
    """The app on an empty database, with an app context pushed for the test."""
    application = create_app(testing_config(tmp_path / "instance", _schema, **app_settings))
    # Requests reuse the app context pushed here, and with it ``g``, where Flask-Login
    # keeps the user: start each request with an empty ``g``, as in production.
    request_started.connect(_fresh_globals, application)
    with application.app_context():
        yield application
        db.session.remove()
    _empty_tables(application)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def organiser(app):
    return factories.make_user(email="organiser@example.org", name="Olga Organiser", password=factories.PASSWORD)


@pytest.fixture
def admin_user(app):
    return factories.make_user(email="admin@example.org", name="Ada Admin", password=factories.PASSWORD, is_admin=True)


@pytest.fixture
def organiser_client(client, organiser):
    """A test client logged in as an organiser through the real login form."""
    login(client, organiser.email, factories.PASSWORD)
    return client


@pytest.fixture
def admin_client(client, admin_user):
    login(client, admin_user.email, factories.PASSWORD)
    return client


# --- browser tests -------------------------------------------------------------

@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free loopback port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url():
    """pytest-playwright's own base_url fixture is deprecated; tests use ``live_server`` addresses."""
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (Debian package 'chromium')")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def axe_script():
    path = Path(__file__).parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists():
        pytest.skip("axe-core not installed: run 'make js' (needs npm)")
    return path


@pytest.fixture(scope="session")
def node():
    found = shutil.which("node")
    if not found or not (Path(__file__).parent / "js" / "node_modules" / "ical.js").exists():
        pytest.skip("node and ical.js are needed: install Node.js and run 'make js'")
    return found


# --- no skipping in CI ---------------------------------------------------------

def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not reporter or os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        return
    skipped = reporter.stats.get("skipped", [])
    if skipped and exitstatus == 0:
        reporter.write_line(f"CI: {len(skipped)} test(s) were skipped; in CI every tool must be present.", red=True)
        session.exitstatus = 1
