"""In-process delivery (MAIL_SERVER set, no broker): a process serving the app delivers what is
due from its start and on a timer; tests and `flask` commands other than `run` get no thread."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

import config as settings
from config import ConfigError, load_config
from meetings import create_app
from meetings.extensions import db
from meetings.mail.runner import background_delivery
from meetings.mail.models import QUEUED, SENT
from tests.mail.helpers import fresh, queue, wait_until

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def served_config(tmp_path, database_url, port, **overrides):
    values = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_TIMEOUT": 5,
              **overrides}
    return settings.testing_config(tmp_path / "served", database_url, **values)


def finish(made) -> None:
    """Stop the app's thread and close its database connections (the test's own app lives on)."""
    background_delivery(made).stop()
    with made.app_context():
        db.session.remove()
        db.engine.dispose()


def test_served_app_delivers_from_its_start_and_on_its_timer(app, database_url, smtp_server, tmp_path):
    # Queued by a process that cannot deliver (no MAIL_SERVER): nothing wakes the served app.
    first = queue(to_email="first@example.org")
    db.session.commit()
    served = create_app(served_config(tmp_path, database_url, smtp_server.port, MAIL_DELIVERY_INTERVAL=0.3))
    try:
        assert background_delivery(served).running
        (received,) = smtp_server.recorder.wait_for(1)
        assert received.rcpt_tos == ["first@example.org"]
        wait_until(lambda: fresh(first.id).status == SENT)
        # Later mail from elsewhere goes with the next tick, with no commit in this app.
        second = queue(to_email="second@example.org")
        db.session.commit()
        smtp_server.recorder.wait_for(2)
        wait_until(lambda: fresh(second.id).status == SENT)
        assert background_delivery(served).running
    finally:
        finish(served)
    assert len(smtp_server.messages) == 2


@pytest.mark.parametrize("command,settings,started", [
    (None, {"MAIL_DELIVERY_INTERVAL": 0.3}, True),           # a WSGI server imports wsgi:app
    ("run", {"MAIL_DELIVERY_INTERVAL": 0.3}, True),          # flask run
    ("send", {"MAIL_DELIVERY_INTERVAL": 0.3}, False),        # flask mail send, db upgrade, ...
    ("cli", {"MAIL_DELIVERY_INTERVAL": 0.3}, False),         # the flask group loading the app for a command
    (None, {}, False),                                       # the test settings: no timer
    (None, {"MAIL_DELIVERY_INTERVAL": 0.3, "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}, False),  # the worker's job
    (None, {"MAIL_DELIVERY_INTERVAL": 0.3, "MAIL_SERVER": None}, False),  # nowhere to send
])
def test_who_gets_a_delivery_thread(app, database_url, closed_port, tmp_path, command, settings, started):
    config = served_config(tmp_path, database_url, closed_port, **settings)
    if command is None:
        made = create_app(config)
    else:
        with click.Context(click.Command(command)):
            made = create_app(config)
    try:
        assert background_delivery(made).running is started
    finally:
        finish(made)


def _process_env(database_url: str, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAIL_", "CELERY_", "FLASK_"))}
    env.update({"DATABASE_URL": database_url, "SECRET_KEY": "background-test", "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(port), "MAIL_DEFAULT_SENDER": "cluster@meetings.test"})
    return env


THREADS = "import threading; print(sorted(t.name for t in threading.enumerate()))"


def test_flask_commands_get_no_thread_and_send_nothing(app, database_url, smtp_server):
    message = queue()
    db.session.commit()
    env = _process_env(database_url, smtp_server.port)
    for command in (["shell"], ["mail", "status"]):
        result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *command], input=THREADS, cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "outbox-delivery" not in result.stdout
    assert fresh(message.id).status == QUEUED
    assert smtp_server.messages == []


def test_the_wsgi_app_delivers_as_soon_as_it_is_loaded(app, database_url, smtp_server):
    message = queue()
    db.session.commit()
    # What gunicorn does with wsgi:app; the process sends before anyone makes a request
    # (and here waits for that first run before it exits).
    wait = "from meetings.mail.runner import background_delivery; background_delivery(wsgi.app).wait_idle(60)"
    result = subprocess.run([sys.executable, "-c", f"import wsgi; {THREADS}; {wait}"], cwd=ROOT,
                            env=_process_env(database_url, smtp_server.port), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "outbox-delivery" in result.stdout
    smtp_server.recorder.wait_for(1)
    wait_until(lambda: fresh(message.id).status == SENT)


@pytest.mark.parametrize("name,value", [("MAIL_DELIVERY_INTERVAL", "soon"), ("MAIL_DELIVERY_INTERVAL", "-1"),
                                        ("MAIL_CLAIM_TIMEOUT", "0"), ("MAIL_CLAIM_TIMEOUT", "nan")])
def test_bad_delivery_timings_are_refused_when_the_app_is_made(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config(tmp_path, {"SECRET_KEY": "x", name: value})


def test_delivery_timings_from_the_environment(tmp_path):
    config = load_config(tmp_path, {"SECRET_KEY": "x", "MAIL_DELIVERY_INTERVAL": "0", "MAIL_CLAIM_TIMEOUT": "90"})
    assert (config["MAIL_DELIVERY_INTERVAL"], config["MAIL_CLAIM_TIMEOUT"]) == (0.0, 90.0)
    config = load_config(tmp_path, {"SECRET_KEY": "x"})
    assert (config["MAIL_DELIVERY_INTERVAL"], config["MAIL_CLAIM_TIMEOUT"]) == (60.0, 600.0)
