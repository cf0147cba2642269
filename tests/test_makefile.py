"""``make run HOST=... PORT=...``: every step it runs learns where the app is served, so
the links written into emails and calendars point there."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config import load_config
from meetings import create_app
from meetings.core.routing import absolute_url

ROOT = Path(__file__).resolve().parent.parent

# Stands in for ``flask --app wsgi``: prints its arguments and the BASE_URL the app would be made with.
PROBE = """\
import os, sys
from pathlib import Path
sys.path.insert(0, os.getcwd())
from config import load_config
print(" ".join(sys.argv[1:]), "->", load_config(Path(sys.argv[0]).parent / "instance", os.environ)["BASE_URL"])
"""


def make_run(tmp_path: Path, *variables: str) -> list[str]:
    make = shutil.which("make")
    if make is None:
        pytest.skip("GNU make is not installed")
    probe = tmp_path / "flask_probe.py"
    probe.write_text(PROBE)
    env = {key: value for key, value in os.environ.items()
           if key not in ("BASE_URL", "FLASK_RUN_HOST", "FLASK_RUN_PORT", "HOST", "PORT", "FLASK_ENV_NAME")}
    env["SECRET_KEY"] = "make-run-test"
    # ``-o install``: the checkout is installed already; only the steps of ``run`` matter here.
    result = subprocess.run([make, "-s", "-o", "install", "run", *variables, f"FLASK={sys.executable} {probe}"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_make_run_port_reaches_every_step(tmp_path):
    lines = make_run(tmp_path, "PORT=8080")
    assert lines == ["db upgrade -> http://127.0.0.1:8080",
                     "demo load --if-empty -> http://127.0.0.1:8080",
                     "demo login -> http://127.0.0.1:8080",
                     "run --host 127.0.0.1 --port 8080 -> http://127.0.0.1:8080"]


def test_make_run_host_and_port(tmp_path):
    assert make_run(tmp_path, "HOST=localhost", "PORT=8081")[-1] == \
        "run --host localhost --port 8081 -> http://localhost:8081"


def test_make_run_defaults(tmp_path):
    assert make_run(tmp_path)[-1] == "run --host 127.0.0.1 --port 5000 -> http://127.0.0.1:5000"


def test_links_in_emails_follow_the_port(tmp_path):
    app = create_app(load_config(tmp_path, {"SECRET_KEY": "x", "FLASK_RUN_PORT": "8080",
                                            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}))
    with app.app_context():
        assert absolute_url("events_public.index") == "http://127.0.0.1:8080/events/"
