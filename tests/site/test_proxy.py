"""Behind a reverse proxy: a real nginx on loopback in front of the app, which trusts its
X-Forwarded-For, -Proto and -Host only with ``TRUSTED_PROXY_HOPS``.

nginx is Debian's package (``/usr/sbin/nginx``), started by the test with a throwaway
configuration of its own under ``tmp_path``; the app is served by werkzeug in a thread.
Two clients talk to nginx from two loopback addresses (127.0.0.2 and 127.0.0.3), as two
visitors would from two machines.
"""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import jsonify, request, url_for
from werkzeug.serving import make_server

from config import load_config
from meetings import create_app
from meetings.extensions import db
from tests import factories
from tests.helpers import csrf_token_from
from tests.registration.live import free_port

pytestmark = pytest.mark.single_backend  # what the proxy does is the same on either database

NGINX = os.environ.get("NGINX_PATH", "/usr/sbin/nginx")
PUBLIC_HOST = "meetings.example.org"
LOGIN_LIMIT = 20  # auth.views.login: "20 per minute"
FORGED = "198.51.100.23"

NGINX_CONF = """\
{user}
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port};
        server_name {host};
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-Host $host;
        }}
    }}
}}
"""


@pytest.fixture(scope="session")
def nginx():
    if not os.access(NGINX, os.X_OK):
        pytest.skip(f"nginx not found at {NGINX} (Debian package 'nginx'; .ci/run installs it)")
    return NGINX


def production_settings(database_url: str, tmp_path: Path, **env: str) -> dict:
    """The settings of a production deployment at https://meetings.example.org."""
    return load_config(tmp_path / "instance", {
        "FLASK_ENV_NAME": "production", "SECRET_KEY": "s" * 64, "DATABASE_URL": database_url,
        "BASE_URL": f"https://{PUBLIC_HOST}", "MAIL_DEFAULT_SENDER": "meetings@cluster.example", **env})


def probed_app(settings: dict):
    """The app with one more page that shows what it believes about the request."""
    application = create_app(settings)

    @application.get("/_probe")
    def probe():
        return jsonify(remote_addr=request.remote_addr, scheme=request.scheme, host=request.host,
                       is_secure=request.is_secure, home=url_for("site.home", _external=True))

    return application


@contextmanager
def served(application):
    """The app on a free loopback port (werkzeug, in a thread); yields the port."""
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with application.app_context():
            db.engine.dispose()


@contextmanager
def nginx_in_front(nginx_path: str, app_port: int, root: Path):
    """nginx on a free loopback port, proxying to ``app_port``; yields its port."""
    root.mkdir()
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    conf = root / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, root=root, port=port, host=PUBLIC_HOST, app_port=app_port))
    with open(root / "stderr.log", "wb") as stderr:
        process = subprocess.Popen([nginx_path, "-p", str(root), "-c", str(conf), "-e", str(root / "error.log")],
                                   stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        _wait_for(port, process, root)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(port: int, process: subprocess.Popen, root: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = "\n".join(p.read_text(errors="replace") for p in (root / "stderr.log", root / "error.log")
                             if p.exists())
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{logs}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on {port} within {timeout} s")


class Visitor:
    """One browser on a machine of its own (a loopback source address), with its own cookies,
    asking for https://meetings.example.org through the proxy."""

    def __init__(self, port: int, source: str):
        self.port, self.source = port, source
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[str] = []
        self.token: str | None = None

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.source, 0))
        sent = {"Host": PUBLIC_HOST, "Accept-Language": "en",
                # What a browser sends from the login page (Flask-WTF checks it on HTTPS).
                "Referer": f"https://{PUBLIC_HOST}/login", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            self.set_cookies = response.headers.get_all("Set-Cookie") or []
            for header in self.set_cookies:
                self.cookies.update({key: morsel.value for key, morsel in SimpleCookie(header).items()})
            return response.status, response.headers, text
        finally:
            connection.close()

    def probe(self, headers: dict | None = None) -> dict:
        status, _, text = self.request("GET", "/_probe", headers=headers)
        assert status == 200, text[:500]
        return json.loads(text)

    def wrong_login(self, headers: dict | None = None) -> int:
        if self.token is None:
            status, _, text = self.request("GET", "/login")
            assert status == 200, text[:500]
            self.token = csrf_token_from(text)
        status, _, _ = self.request("POST", "/login", {"email": "organiser@example.org", "password": "wrong password",
                                                        "csrf_token": self.token}, headers)
        return status


@pytest.fixture
def behind_nginx(app, _schema, tmp_path, nginx):
    """Start the app with production settings behind nginx; yields a function making visitors."""
    @contextmanager
    def start(**env: str):
        application = probed_app(production_settings(_schema, tmp_path, **env))
        with served(application) as app_port, nginx_in_front(nginx, app_port, tmp_path / "nginx") as port:
            yield lambda source: Visitor(port, source)
    return start


def test_two_visitors_behind_the_proxy_have_limits_of_their_own(behind_nginx):
    with behind_nginx(TRUSTED_PROXY_HOPS="1") as visitor:
        first, second = visitor("127.0.0.2"), visitor("127.0.0.3")
        assert [first.wrong_login() for _ in range(LOGIN_LIMIT)] == [422] * LOGIN_LIMIT
        assert first.wrong_login() == 429
        # A forged X-Forwarded-For does not open a new bucket: nginx appends the real address.
        assert first.wrong_login({"X-Forwarded-For": FORGED}) == 429
        # The other visitor is not locked out by the first.
        assert second.wrong_login() == 422
        assert first.probe()["remote_addr"] == "127.0.0.2"
        assert second.probe({"X-Forwarded-For": FORGED})["remote_addr"] == "127.0.0.3"


def test_behind_the_proxy_urls_and_the_secure_cookie_follow_https(behind_nginx, organiser):
    with behind_nginx(TRUSTED_PROXY_HOPS="1") as visitor:
        browser = visitor("127.0.0.2")
        seen = browser.probe()
        assert seen == {"remote_addr": "127.0.0.2", "scheme": "https", "host": PUBLIC_HOST, "is_secure": True,
                        "home": f"https://{PUBLIC_HOST}/"}
        status, headers, text = browser.request("GET", "/login")
        assert status == 200
        session_cookie = next(c for c in browser.set_cookies if c.startswith("session="))
        morsel = next(iter(SimpleCookie(session_cookie).values()))
        assert morsel["secure"] and morsel["httponly"] and morsel["samesite"] == "Lax"
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        # Logging in through the proxy, with the HTTPS checks of the CSRF protection, works.
        status, headers, _ = browser.request("POST", "/login", {
            "email": organiser.email, "password": factories.PASSWORD, "csrf_token": csrf_token_from(text)})
        assert status == 302, headers
        assert browser.request("GET", "/manage/profile")[0] == 200


def test_without_the_setting_forwarded_headers_are_ignored_behind_the_proxy(behind_nginx):
    with behind_nginx() as visitor:
        seen = visitor("127.0.0.2").probe({"X-Forwarded-For": FORGED, "X-Forwarded-Proto": "https"})
        # nginx's own connection, and the scheme the app was really asked with.
        assert seen["remote_addr"] == "127.0.0.1"
        assert seen["scheme"] == "http" and seen["is_secure"] is False
        assert seen["home"] == f"http://{PUBLIC_HOST}/"


def test_without_the_setting_a_forged_forwarded_for_changes_nothing(app, _schema, tmp_path):
    """The app reached directly, with the default TRUSTED_PROXY_HOPS=0: a client that writes
    another address into X-Forwarded-For each time is still one client."""
    application = probed_app(production_settings(_schema, tmp_path))
    assert application.config["TRUSTED_PROXY_HOPS"] == 0
    with served(application) as port:
        client = Visitor(port, "127.0.0.2")
        forged = [{"X-Forwarded-For": f"203.0.113.{n}", "X-Forwarded-Proto": "https",
                   "X-Forwarded-Host": "evil.example"} for n in range(LOGIN_LIMIT + 1)]
        assert [client.wrong_login(headers) for headers in forged] == [422] * LOGIN_LIMIT + [429]
        seen = client.probe(forged[0])
        assert seen["remote_addr"] == "127.0.0.2"
        assert seen["scheme"] == "http" and seen["host"] == PUBLIC_HOST
        assert seen["home"] == f"http://{PUBLIC_HOST}/"


@pytest.mark.parametrize("hops", [1, 2])
def test_the_setting_wraps_the_application_once(app, _schema, tmp_path, hops):
    from werkzeug.middleware.proxy_fix import ProxyFix

    application = create_app(production_settings(_schema, tmp_path, TRUSTED_PROXY_HOPS=str(hops)))
    assert isinstance(application.wsgi_app, ProxyFix)
    assert (application.wsgi_app.x_for, application.wsgi_app.x_proto, application.wsgi_app.x_host) == (hops,) * 3
    assert not isinstance(application.wsgi_app.app, ProxyFix)
    with application.app_context():
        db.engine.dispose()
    assert not isinstance(create_app(production_settings(_schema, tmp_path)).wsgi_app, ProxyFix)
