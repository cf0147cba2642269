"""A real server and real HTTP clients for the concurrency tests.

``gunicorn_server`` runs the app in separate worker processes on a loopback port,
as in production; ``Visitor`` is one person's browser reduced to what matters:
its own session cookie, the CSRF token of the page it opened, a POST.
"""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from tests.helpers import csrf_token_from

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn_server(database_url: str, tmp_path: Path, *, workers: int = 2, threads: int = 16):
    """Serve the app under gunicorn (gthread workers) on 127.0.0.1; yields (port, log path)."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "REGISTRATION_SERVER_DATABASE_URL": database_url,
           "REGISTRATION_SERVER_INSTANCE": str(tmp_path / "server-instance"), "PYTHONPATH": str(ROOT)}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--worker-class", "gthread", "--threads", str(threads), "--timeout", "120", "--backlog", "512",
             "tests.registration.server:app()"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_serving(port, process, log)
        yield port, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(port: int, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text(errors='replace')}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/privacy")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer in {timeout} s:\n{log.read_text(errors='replace')}")


class Visitor:
    """One person with their own cookies, talking HTTP to the server."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie(value)
                self.cookies.update({key: morsel.value for key, morsel in cookie.items()})
            return response.status, text, dict(response.headers)
        finally:
            connection.close()

    def open_form(self, path: str) -> None:
        """GET the page holding the form: the session cookie and the form's CSRF token."""
        status, text, _ = self.request("GET", path)
        assert status == 200, (path, status, text[:500])
        self.token = csrf_token_from(text)

    def post(self, path: str, form: dict | None = None) -> tuple[int, str, dict]:
        return self.request("POST", path, {**(form or {}), "csrf_token": self.token})


def all_at_once(calls) -> list:
    """Run every callable in its own thread, released together; their results in order."""
    calls = list(calls)
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as exc:  # a client error is a result to report, not a crash of the test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results
