"""A real IMAP server on loopback: Debian's Dovecot (``dovecot-imapd``) with a throwaway
configuration, password file and maildirs in a temporary folder of its own.

One server serves a whole test session; each test gets a mailbox of its own
(:meth:`Dovecot.new_mailbox`), so tests never see each other's messages. Messages
are put in with imaplib's APPEND, as a mail server would deliver them, and read
back the same way to see where the fetch left them.

What makes Dovecot 2.3 run as root here: its base, state and log paths and the
maildirs under a folder others may enter (mode 755), the login process as
``dovenull`` and the mail processes as ``dovecot`` (imap-login refuses root),
``first_valid_uid`` low enough for the ``dovecot`` user, and plaintext logins
allowed on loopback without TLS. Any user name logs in with the one password, so each
test's mailbox is a new name, made at its first login.
"""
from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from meetings.inbound.imap import encode_name

DOVECOT = os.environ.get("DOVECOT_PATH") or shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "imap-secret"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = {first_uid}
mail_location = maildir:{root}/mail/%u
{capability}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
}}
"""


def available() -> bool:
    """Whether Dovecot is installed on this machine."""
    return Path(DOVECOT).is_file() and os.access(DOVECOT, os.X_OK)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Mailbox:
    """One IMAP account on the test server."""

    host: str
    port: int
    user: str
    password: str

    def settings(self, **overrides) -> dict:
        """The app's settings for fetching from this mailbox."""
        return {"INBOUND_IMAP_HOST": self.host, "INBOUND_IMAP_PORT": self.port, "INBOUND_IMAP_TLS": "none",
                "INBOUND_IMAP_USER": self.user, "INBOUND_IMAP_PASSWORD": self.password, **overrides}

    def connect(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        """Deliver ``messages`` into ``folder``, as the mail server would."""
        client = self.connect()
        try:
            for raw in messages:
                status, data = client.append(encode_name(folder), None, None, raw)
                assert status == "OK", data
        finally:
            client.logout()

    def create(self, folder: str) -> None:
        client = self.connect()
        try:
            status, data = client.create(encode_name(folder))
            assert status == "OK", data
        finally:
            client.logout()

    def folders(self) -> set[str]:
        client = self.connect()
        try:
            status, lines = client.list()
            assert status == "OK", lines
            return {line.decode().rsplit(" ", 1)[-1].strip('"') for line in lines if line}
        finally:
            client.logout()

    def messages(self, folder: str = "INBOX") -> list[tuple[bytes, set[str]]]:
        """(raw bytes, flags) of every message in ``folder``, oldest first; [] if it does not exist."""
        client = self.connect()
        try:
            status, _ = client.select(encode_name(folder), readonly=True)
            if status != "OK":
                return []
            status, data = client.uid("SEARCH", None, "ALL")
            uids = data[0].split()
            found = []
            for uid in uids:
                status, parts = client.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                head, raw = parts[0]
                flags = head.decode().split("FLAGS (", 1)[1].split(")", 1)[0].split()
                found.append((bytes(raw), set(flags)))
            return found
        finally:
            client.logout()


class Dovecot:
    """Dovecot started with a configuration of its own on a free loopback port."""

    def __init__(self, *, without_move: bool = False):
        # pytest's temporary folders are private (mode 700): the mail processes run as
        # ``dovecot`` and must reach their maildirs, so the root is made here, mode 755.
        self.root = Path(tempfile.mkdtemp(prefix="meetings-dovecot-"))
        self.root.chmod(0o755)
        self.port = free_port()
        self.without_move = without_move
        self._process_started = False

    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    def start(self) -> "Dovecot":
        (self.root / "mail").mkdir()
        if os.geteuid() == 0:
            internal, login, mail_user = "dovecot", "dovenull", "dovecot"
            shutil.chown(self.root / "mail", "dovecot", "dovecot")
        else:
            # Unprivileged: every process runs as whoever started it.
            internal = login = mail_user = pwd.getpwuid(os.geteuid()).pw_name
        uid = pwd.getpwnam(mail_user).pw_uid
        # A server without MOVE (RFC 6851), as older ones are: the fetch then copies and expunges.
        capability = ("imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UIDPLUS"
                      if self.without_move else "")
        self.config_path.write_text(CONFIG.format(
            root=self.root, port=self.port, internal_user=internal, login_user=login, mail_user=mail_user,
            mail_group=pwd.getpwnam(mail_user).pw_gid, first_uid=min(uid, 100), capability=capability,
            password=PASSWORD))
        # The master forks into the background and keeps no pipe: its complaints go to a file.
        with open(self.root / "start.log", "wb") as out:
            result = subprocess.run([DOVECOT, "-c", str(self.config_path)], stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"dovecot did not start: {(self.root / 'start.log').read_text()}{self.log()}")
        self._process_started = True
        self._wait_until_listening()
        return self

    def _wait_until_listening(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot does not answer on port {self.port}:\n{self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self._process_started:
            subprocess.run([DOVECOT, "-c", str(self.config_path), "stop"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
            # ``stop`` signals the master and returns; it is gone once its pid file is.
            deadline = time.monotonic() + 10
            while (self.root / "run" / "master.pid").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            self._process_started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def new_mailbox(self) -> Mailbox:
        """A new account with an empty INBOX: every user name logs in with PASSWORD (a static
        passdb), and its maildir is made at the first login."""
        return Mailbox("127.0.0.1", self.port, f"replies-{uuid.uuid4().hex[:10]}", PASSWORD)

    def __enter__(self) -> "Dovecot":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
