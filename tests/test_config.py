"""Settings from the environment: secrets, database URLs, cookies, and the README's table."""
from __future__ import annotations

import inspect
import re
import stat
from pathlib import Path

import pytest

import config
from config import ConfigError, load_config

README = Path(__file__).resolve().parent.parent / "README.md"


def test_production_without_secret_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path, {"FLASK_ENV_NAME": "production"})
    assert not (tmp_path / "secret_key").exists()


PRODUCTION = {"FLASK_ENV_NAME": "production", "MAIL_DEFAULT_SENDER": "meetings@cluster.example"}


def test_production_uses_the_given_secret_key(tmp_path):
    cfg = load_config(tmp_path, {**PRODUCTION, "SECRET_KEY": "s3cret"})
    assert cfg["SECRET_KEY"] == "s3cret"
    assert not (tmp_path / "secret_key").exists()


def test_development_generates_a_secret_key_once_and_keeps_it(tmp_path):
    instance = tmp_path / "instance"
    first = load_config(instance, {})["SECRET_KEY"]
    key_file = instance / "secret_key"
    assert key_file.read_text().strip() == first
    assert len(first) >= 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_config(instance, {})["SECRET_KEY"] == first
    assert load_config(tmp_path / "elsewhere", {})["SECRET_KEY"] != first


def test_development_prefers_a_secret_key_from_the_environment(tmp_path):
    assert load_config(tmp_path, {"SECRET_KEY": "from-env"})["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("given,expected", [
    ("postgres://meet:pw@db.example:5432/meetings", "postgresql+psycopg://meet:pw@db.example:5432/meetings"),
    ("postgresql://meet:pw@db.example/meetings", "postgresql+psycopg://meet:pw@db.example/meetings"),
    ("postgresql+psycopg://meet@db.example/meetings", "postgresql+psycopg://meet@db.example/meetings"),
    ("sqlite:////var/lib/meetings.sqlite3", "sqlite:////var/lib/meetings.sqlite3"),
])
def test_database_urls(tmp_path, given, expected):
    assert load_config(tmp_path, {"SECRET_KEY": "x", "DATABASE_URL": given})["SQLALCHEMY_DATABASE_URI"] == expected


def test_default_database_lives_in_the_instance_folder(tmp_path):
    cfg = load_config(tmp_path, {"SECRET_KEY": "x"})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'meetings.sqlite3'}"


@pytest.mark.parametrize("env_name,secure", [("development", False), ("production", True)])
def test_cookie_flags(tmp_path, env_name, secure):
    cfg = load_config(tmp_path, {**PRODUCTION, "FLASK_ENV_NAME": env_name, "SECRET_KEY": "x"})
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True
    assert cfg["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert cfg["SESSION_COOKIE_SECURE"] is secure
    assert cfg["REMEMBER_COOKIE_HTTPONLY"] is True
    assert cfg["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert cfg["REMEMBER_COOKIE_SECURE"] is secure


def test_defaults(tmp_path):
    cfg = load_config(tmp_path, {"SECRET_KEY": "x"})
    assert cfg["ENV_NAME"] == "development"
    assert cfg["BASE_URL"] == "http://127.0.0.1:5000"
    assert cfg["MAIL_SERVER"] is None and cfg["MAIL_PORT"] == 25
    assert cfg["MAIL_USE_TLS"] is False and cfg["MAIL_USE_SSL"] is False
    assert cfg["MAIL_DEFAULT_SENDER"] == cfg["ORGANIZER_EMAIL"] == "meetings@localhost"
    assert cfg["CELERY_BROKER_URL"] is None
    assert cfg["RATELIMIT_STORAGE_URI"] == "memory://"
    assert cfg["DEFAULT_TIMEZONE"] == "Europe/Amsterdam"
    assert cfg["WTF_CSRF_ENABLED"] is True and cfg["TESTING"] is False


def test_mail_settings(tmp_path):
    cfg = load_config(tmp_path, {
        "SECRET_KEY": "x", "BASE_URL": "https://meetings.example/", "MAIL_SERVER": "smtp.example",
        "MAIL_PORT": "587", "MAIL_USERNAME": "user", "MAIL_PASSWORD": "pw", "MAIL_USE_TLS": "Yes",
        "MAIL_USE_SSL": "0", "MAIL_DEFAULT_SENDER": "cluster@example.org"})
    assert cfg["BASE_URL"] == "https://meetings.example"
    assert (cfg["MAIL_SERVER"], cfg["MAIL_PORT"], cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"]) == \
        ("smtp.example", 587, "user", "pw")
    assert cfg["MAIL_USE_TLS"] is True and cfg["MAIL_USE_SSL"] is False
    assert cfg["ORGANIZER_EMAIL"] == "cluster@example.org"


def test_testing_config_keeps_csrf_on(tmp_path):
    cfg = config.testing_config(tmp_path, "sqlite://")
    assert cfg["TESTING"] is True and cfg["WTF_CSRF_ENABLED"] is True


@pytest.mark.parametrize("name", [name for name, _, _ in config.SETTINGS])
def test_every_setting_is_read(name):
    assert f'"{name}"' in inspect.getsource(load_config)


@pytest.mark.parametrize("name,default,meaning", config.SETTINGS, ids=[name for name, _, _ in config.SETTINGS])
def test_every_setting_is_in_the_readme_table(name, default, meaning):
    assert f"| `{name}` | {default} | {meaning} |" in README.read_text(encoding="utf-8")


# --- the ORGANIZER of invitations ------------------------------------------------------

@pytest.mark.parametrize("env,address,name", [
    ({"MAIL_DEFAULT_SENDER": "Cluster Meetings <meetings@cluster.example>"}, "meetings@cluster.example",
     "Cluster Meetings"),
    ({"MAIL_DEFAULT_SENDER": '"Büro, Cluster" <buero@cluster.example>'}, "buero@cluster.example", "Büro, Cluster"),
    ({"MAIL_DEFAULT_SENDER": "meetings@cluster.example"}, "meetings@cluster.example", None),
    ({"MAIL_DEFAULT_SENDER": "Cluster Meetings <meetings@cluster.example>", "ORGANIZER_NAME": "Cluster Office"},
     "meetings@cluster.example", "Cluster Office"),
    ({"MAIL_DEFAULT_SENDER": "Cluster Meetings <meetings@cluster.example>",
      "ORGANIZER_EMAIL": "Cluster Office <office@cluster.example>"}, "office@cluster.example", "Cluster Office"),
    ({"MAIL_DEFAULT_SENDER": "Cluster Meetings <meetings@cluster.example>",
      "ORGANIZER_EMAIL": "office@cluster.example"}, "office@cluster.example", None),
    ({}, "meetings@localhost", None),
])
def test_organizer_is_the_address_and_the_name_apart(tmp_path, env, address, name):
    cfg = load_config(tmp_path, {"SECRET_KEY": "x", **env})
    assert (cfg["ORGANIZER_EMAIL"], cfg["ORGANIZER_NAME"]) == (address, name)
    assert cfg["MAIL_DEFAULT_SENDER"] == env.get("MAIL_DEFAULT_SENDER", "meetings@localhost")


@pytest.mark.parametrize("setting,value", [
    ("MAIL_DEFAULT_SENDER", "Cluster Meetings"),
    ("MAIL_DEFAULT_SENDER", "a@cluster.example, b@cluster.example"),
    ("ORGANIZER_EMAIL", "office"),
    ("ORGANIZER_EMAIL", "Cluster Office <>"),
])
def test_an_organizer_that_is_no_address_is_refused(tmp_path, setting, value):
    with pytest.raises(ConfigError, match=rf"^{setting} must be one email address"):
        load_config(tmp_path, {"SECRET_KEY": "x", setting: value})


@pytest.mark.parametrize("setting,value,reason", [
    ("MAIL_DEFAULT_SENDER", "meetings@localhost", "a local address"),
    ("MAIL_DEFAULT_SENDER", "Cluster Meetings <meetings@LOCALHOST>", "a local address"),
    ("MAIL_DEFAULT_SENDER", "meetings@box.localdomain", "a local address"),
    ("ORGANIZER_EMAIL", "office@localhost", "a local address"),
    ("MAIL_DEFAULT_SENDER", "noreply@cluster.example", "a no-reply address"),
    ("MAIL_DEFAULT_SENDER", "Cluster Meetings <no-reply@cluster.example>", "a no-reply address"),
    ("MAIL_DEFAULT_SENDER", "No_Reply.Meetings@cluster.example", "a no-reply address"),
    ("MAIL_DEFAULT_SENDER", "donotreply@cluster.example", "a no-reply address"),
    ("MAIL_DEFAULT_SENDER", "do-not-reply@cluster.example", "a no-reply address"),
    ("ORGANIZER_EMAIL", "dont-reply@cluster.example", "a no-reply address"),
])
def test_production_refuses_an_organizer_nobody_reads(tmp_path, setting, value, reason):
    env = {"FLASK_ENV_NAME": "production", "SECRET_KEY": "x", "MAIL_DEFAULT_SENDER": "meetings@cluster.example",
           setting: value}
    with pytest.raises(ConfigError, match=rf"^{setting} '[^']+' is {reason}: .*set ORGANIZER_EMAIL"):
        load_config(tmp_path, env)
    # Development takes it: the demo runs with meetings@localhost.
    assert load_config(tmp_path, {**env, "FLASK_ENV_NAME": "development"})["ORGANIZER_EMAIL"]


def test_production_takes_a_no_reply_sender_with_a_real_organizer(tmp_path):
    cfg = load_config(tmp_path, {"FLASK_ENV_NAME": "production", "SECRET_KEY": "x",
                                 "MAIL_DEFAULT_SENDER": "Cluster Meetings <no-reply@cluster.example>",
                                 "ORGANIZER_EMAIL": "meetings@cluster.example"})
    assert cfg["ORGANIZER_EMAIL"] == "meetings@cluster.example"
    assert cfg["MAIL_DEFAULT_SENDER"] == "Cluster Meetings <no-reply@cluster.example>"


# --- BASE_URL in development ---------------------------------------------------------

@pytest.mark.parametrize("env,expected", [
    ({}, "http://127.0.0.1:5000"),
    ({"FLASK_RUN_PORT": "8080"}, "http://127.0.0.1:8080"),
    ({"FLASK_RUN_HOST": "localhost", "FLASK_RUN_PORT": "8080"}, "http://localhost:8080"),
    ({"FLASK_RUN_HOST": "192.168.1.20"}, "http://192.168.1.20:5000"),
    ({"FLASK_RUN_HOST": "::1", "FLASK_RUN_PORT": "8080"}, "http://[::1]:8080"),
    ({"FLASK_RUN_HOST": "0.0.0.0", "FLASK_RUN_PORT": "8080"}, "http://127.0.0.1:8080"),
    ({"FLASK_RUN_PORT": "8080", "BASE_URL": "https://meetings.example/"}, "https://meetings.example"),
])
def test_development_base_url_follows_where_flask_run_serves(tmp_path, env, expected):
    assert load_config(tmp_path, {"SECRET_KEY": "x", **env})["BASE_URL"] == expected


def test_production_base_url_does_not_follow_the_development_server(tmp_path):
    cfg = load_config(tmp_path, {**PRODUCTION, "SECRET_KEY": "x", "FLASK_RUN_PORT": "8080"})
    assert cfg["BASE_URL"] == "http://127.0.0.1:5000"


@pytest.mark.parametrize("setting", ["FLASK_RUN_PORT", "TRUSTED_PROXY_HOPS"])
@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_counts_that_are_no_whole_number_are_refused(tmp_path, setting, value):
    with pytest.raises(ConfigError, match=rf"^{setting} must be a whole number of 0 or more, not '{value}'"):
        load_config(tmp_path, {"SECRET_KEY": "x", setting: value})


def test_no_proxy_is_trusted_by_default(tmp_path):
    assert load_config(tmp_path, {"SECRET_KEY": "x"})["TRUSTED_PROXY_HOPS"] == 0
    assert load_config(tmp_path, {"SECRET_KEY": "x", "TRUSTED_PROXY_HOPS": "2"})["TRUSTED_PROXY_HOPS"] == 2


def test_the_invitation_names_the_sender_as_organizer(app, _schema, tmp_path):
    """``MAIL_DEFAULT_SENDER = Cluster Meetings <meetings@cluster.example>`` and no ORGANIZER_EMAIL:
    the calendar says ``ORGANIZER;CN="Cluster Meetings":mailto:meetings@cluster.example``."""
    from icalendar import Calendar

    from meetings import create_app
    from meetings.extensions import db
    from tests.factories import make_meeting, make_participant

    participant = make_participant(make_meeting(status="scheduled"))
    sender = create_app(load_config(tmp_path, {"SECRET_KEY": "x", "DATABASE_URL": _schema,
                                               "MAIL_DEFAULT_SENDER": "Cluster Meetings <meetings@cluster.example>"}))
    try:
        response = sender.test_client().get(f"/rsvp/{participant.token}.ics")
    finally:
        with sender.app_context():
            db.engine.dispose()
    assert response.status_code == 200, response.data
    assert b'\r\nORGANIZER;CN="Cluster Meetings":mailto:meetings@cluster.example\r\n' in response.data
    event = Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert str(event["ORGANIZER"]) == "mailto:meetings@cluster.example"
    assert event["ORGANIZER"].params["CN"] == "Cluster Meetings"


# --- every setting the code reads is declared, with its default in one place ----------

ROOT = Path(__file__).resolve().parent.parent
# config["X"], config.get("X"), config.X (templates): what the package and its templates read.
_READ = re.compile(r"""\bconfig(?:\[\s*|\.get\(\s*)["']([A-Z][A-Z0-9_]*)["']|\bconfig\.([A-Z][A-Z0-9_]*)\b""")
_FALLBACK = re.compile(r"\bconfig\.get\(")
# What load_config takes from the environment: env.get("X"), env["X"], _seconds(env, "X", ...).
_FROM_ENV = re.compile(r"""\benv(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]*)["']|\(env,\s*["']([A-Z][A-Z0-9_]*)["']""")


def _sources():
    yield from sorted((ROOT / "meetings").rglob("*.py"))
    yield from sorted((ROOT / "templates").rglob("*.html"))
    yield from sorted((ROOT / "templates").rglob("*.txt"))


def taken_from_the_environment() -> set[str]:
    return {a or b for a, b in _FROM_ENV.findall(inspect.getsource(config))}


def keys_read() -> dict[str, str]:
    """Each config key the package reads, with the first place that reads it."""
    found: dict[str, str] = {}
    for path in _sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in _READ.finditer(line):
                found.setdefault(match.group(1) or match.group(2), f"{path.relative_to(ROOT)}:{number}")
    return found


def test_the_scan_finds_what_the_code_reads():
    read = keys_read()
    assert {"BASE_URL", "MAIL_BATCH_SIZE", "MAIL_TIMEOUT", "CELERY_QUEUE", "DEFAULT_TIMEZONE"} <= read.keys()
    assert _READ.search('x = app.config.get("MAIL_SOMETHING", 3)').group(1) == "MAIL_SOMETHING"
    assert _READ.search("{{ config.DEFAULT_TIMEZONE }}").group(2) == "DEFAULT_TIMEZONE"


def test_every_key_the_code_reads_has_its_default_in_load_config(tmp_path):
    """A key read anywhere is made by load_config, so its default lives there and nowhere else."""
    made = load_config(tmp_path, {"SECRET_KEY": "x"})
    missing = {key: where for key, where in keys_read().items() if key not in made}
    assert not missing, f"read but not made by config.load_config: {missing}"


def test_no_code_keeps_a_default_of_its_own():
    """``config.get("X", 30)`` or ``config.get("X") or 30`` would be a second default: read ``config["X"]``."""
    found = [f"{path.relative_to(ROOT)}:{number}" for path in _sources()
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if _FALLBACK.search(line)]
    assert not found


def test_every_setting_taken_from_the_environment_is_declared():
    """What load_config takes from the environment is in SETTINGS, hence in the README's table."""
    taken = taken_from_the_environment()
    assert {"MAIL_TIMEOUT", "MAIL_BATCH_SIZE", "CELERY_QUEUE", "ORGANIZER_NAME", "FLASK_RUN_HOST"} <= taken
    assert taken - {name for name, _, _ in config.SETTINGS} == set()


def test_every_read_setting_is_in_settings_and_the_readme(tmp_path):
    """The settings the code reads under their own name (e.g. MAIL_TIMEOUT) are rows of the README's table."""
    readme = README.read_text(encoding="utf-8")
    declared = {name for name, _, _ in config.SETTINGS}
    settable = {key for key in keys_read() if key in taken_from_the_environment()}
    assert settable - declared == set()
    assert [key for key in settable if f"| `{key}` |" not in readme] == []


@pytest.mark.parametrize("setting,value,expected", [
    ("MAIL_TIMEOUT", "12.5", 12.5), ("MAIL_BATCH_SIZE", "20", 20), ("MAIL_MAX_ATTEMPTS", "3", 3),
    ("MAIL_DELIVER_AFTER_COMMIT", "false", False), ("MAIL_DELIVER_AFTER_COMMIT", "", True),
    ("CELERY_QUEUE", "other", "other"),
])
def test_mail_settings_from_the_environment(tmp_path, setting, value, expected):
    assert load_config(tmp_path, {"SECRET_KEY": "x", setting: value})[setting] == expected


@pytest.mark.parametrize("setting,value", [("MAIL_BATCH_SIZE", "0"), ("MAIL_MAX_ATTEMPTS", "0"),
                                           ("MAIL_BATCH_SIZE", "many"), ("MAIL_PORT", "0")])
def test_mail_counts_below_one_are_refused(tmp_path, setting, value):
    with pytest.raises(ConfigError, match=rf"^{setting} must be a whole number of 1 or more"):
        load_config(tmp_path, {"SECRET_KEY": "x", setting: value})
