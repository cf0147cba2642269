"""The IMAP mailbox calendar replies arrive in: what is new in it, and putting it aside.

:class:`Mailbox` speaks IMAP4rev1 through the standard library's imaplib. "New" is
every message of the folder not deleted and not carrying the keyword
``$MeetingsProcessed``; a message read is moved to the processed folder (MOVE, RFC
6851, or COPY and expunge where the server lacks MOVE) or, when that folder is not
set or cannot be used, stays where it is flagged ``\\Seen`` and ``$MeetingsProcessed``
(plain ``\\Seen`` on a server that keeps no keywords; then unread is new).

Everything the server or the network does wrong becomes a :class:`MailboxError`
whose text says what happened in a sentence, for the command to print.
"""
from __future__ import annotations

import base64
import imaplib
import re
import socket
import ssl
from dataclasses import dataclass, field
from typing import Iterator, Mapping

KEYWORD = "$MeetingsProcessed"
TIMEOUT = 30.0
# Messages asked for in one FETCH of their sizes.
SIZE_BATCH = 200

_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")


class MailboxError(Exception):
    """The mailbox could not be reached or used; the message says why, in a sentence."""


@dataclass
class Fetched:
    """One message as read: its bytes, or only its header when it is larger than allowed."""

    uid: bytes
    raw: bytes
    size: int
    whole: bool


@dataclass
class MailboxSettings:
    host: str
    port: int
    tls: str
    user: str
    password: str
    folder: str = "INBOX"
    processed: str | None = "Processed"
    timeout: float = TIMEOUT

    @classmethod
    def from_config(cls, config: Mapping) -> "MailboxSettings":
        """The INBOUND_IMAP_* settings; :class:`MailboxError` when the mailbox is not configured."""
        if not config["INBOUND_IMAP_HOST"]:
            raise MailboxError("No INBOUND_IMAP_HOST configured: there is no mailbox to read. "
                               "Set INBOUND_IMAP_HOST, INBOUND_IMAP_USER and INBOUND_IMAP_PASSWORD.")
        if not config["INBOUND_IMAP_USER"] or not config["INBOUND_IMAP_PASSWORD"]:
            raise MailboxError("INBOUND_IMAP_USER and INBOUND_IMAP_PASSWORD must be set to read the mailbox "
                               f"on {config['INBOUND_IMAP_HOST']}.")
        return cls(host=config["INBOUND_IMAP_HOST"], port=int(config["INBOUND_IMAP_PORT"]),
                   tls=config["INBOUND_IMAP_TLS"], user=config["INBOUND_IMAP_USER"],
                   password=config["INBOUND_IMAP_PASSWORD"], folder=config["INBOUND_IMAP_FOLDER"],
                   processed=config["INBOUND_IMAP_PROCESSED_FOLDER"])


@dataclass
class PutAside:
    """What :meth:`Mailbox.put_aside` did with a set of messages."""

    moved: int = 0
    flagged: int = 0
    notes: list[str] = field(default_factory=list)


def encode_name(name: str) -> bytes:
    """A mailbox name as IMAP wants it: modified UTF-7 (RFC 3501 5.1.3), quoted."""
    out = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            utf16 = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(utf16).decode("ascii").rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    encoded = "".join(out).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{encoded}"'.encode("ascii")


def _text(data) -> str:
    """The server's words from an imaplib response, for a sentence."""
    parts = [item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
             for item in (data or []) if item is not None]
    return " ".join(parts).strip() or "no reason given"


def _reason(error: BaseException) -> str:
    if isinstance(error, socket.gaierror):
        return "the host name is not known"
    if isinstance(error, ConnectionRefusedError):
        return "the connection was refused (is the server running, and is this its port?)"
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "no answer in time"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed ({error.reason or error})"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class _TLSClient(imaplib.IMAP4_SSL):
    """IMAP over TLS whose socket is closed when the handshake fails (imaplib leaves it open)."""

    def _create_socket(self, timeout):
        sock = imaplib.IMAP4._create_socket(self, timeout)
        try:
            return self.ssl_context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


class Mailbox:
    """One IMAP session on the configured folder: ``with Mailbox(settings) as box: ...``."""

    def __init__(self, settings: MailboxSettings):
        self.settings = settings
        self.client: imaplib.IMAP4 | None = None
        self.capabilities: set[str] = set()
        self.keywords = True
        self.target: str | None = None
        self.notes: list[str] = []

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    # --- session ---------------------------------------------------------------

    def __enter__(self) -> "Mailbox":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        """Connect, log in, open the folder and make sure the processed folder is there."""
        settings = self.settings
        try:
            if settings.tls == "ssl":
                self.client = _TLSClient(settings.host, settings.port, ssl_context=ssl.create_default_context(),
                                         timeout=settings.timeout)
            else:
                self.client = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
                if settings.tls == "starttls":
                    self.client.starttls(ssl.create_default_context())
        except (OSError, imaplib.IMAP4.error) as error:
            if self.client is not None:
                self._drop()
            raise MailboxError(f"Could not connect to the IMAP server {self.where}: {_reason(error)}.") from None
        try:
            self.client.login(settings.user, settings.password)
        except imaplib.IMAP4.abort as error:
            self._drop()
            raise MailboxError(f"The IMAP server {self.where} closed the connection: {error}.") from None
        except imaplib.IMAP4.error as error:
            self._drop()
            raise MailboxError(f"The IMAP server {self.where} refused the login of {settings.user!r}: {error}.") \
                from None
        except OSError as error:
            self._drop()
            raise MailboxError(f"The IMAP server {self.where} could not be used: {_reason(error)}.") from None
        self._guarded(self._prepare)

    def _prepare(self) -> None:
        client = self.client
        # The capabilities after login are the ones that count (many servers list more then).
        status, data = client.capability()
        if status == "OK" and data and data[0]:
            self.capabilities = {word.upper() for word in data[0].decode("ascii", "replace").split()}
        status, data = client.select(encode_name(self.settings.folder))
        if status != "OK":
            raise MailboxError(f"The folder {self.settings.folder!r} on {self.where} could not be opened: "
                               f"{_text(data)}.")
        flags = client.response("PERMANENTFLAGS")[1]
        self.keywords = bool(flags and flags[0] and b"\\*" in flags[0])
        self.target = self._processed_folder()

    def _processed_folder(self) -> str | None:
        wanted = self.settings.processed
        if not wanted or wanted == self.settings.folder:
            return None
        status, data = self.client.list('""', encode_name(wanted))
        if status == "OK" and any(item for item in data if item):
            return wanted
        status, data = self.client.create(encode_name(wanted))
        if status == "OK":
            return wanted
        self.notes.append(f"The folder {wanted!r} could not be made ({_text(data)}): "
                          "read messages stay in place, flagged.")
        return None

    def close(self) -> None:
        """Expunge nothing more, log out; a connection already gone is simply dropped."""
        if self.client is None:
            return
        try:
            self.client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
        self.client = None

    def _drop(self) -> None:
        try:
            self.client.shutdown()
        except (OSError, imaplib.IMAP4.error, AttributeError):
            pass
        self.client = None

    def _guarded(self, action, *args):
        """Run ``action``; a connection that breaks becomes a :class:`MailboxError`."""
        try:
            return action(*args)
        except MailboxError:
            self._drop()
            raise
        except (OSError, imaplib.IMAP4.abort) as error:
            self._drop()
            raise MailboxError(f"The IMAP server {self.where} stopped answering: {_reason(error)}.") from None
        except imaplib.IMAP4.error as error:
            self._drop()
            raise MailboxError(f"The IMAP server {self.where} refused a command: {error}.") from None

    # --- reading ---------------------------------------------------------------

    def new_uids(self) -> list[bytes]:
        """The UIDs of the messages not read yet, oldest first."""
        return self._guarded(self._search)

    def _search(self) -> list[bytes]:
        criteria = ("UNDELETED", "UNKEYWORD", KEYWORD) if self.keywords else ("UNDELETED", "UNSEEN")
        status, data = self.client.uid("SEARCH", *criteria)
        if status != "OK":
            raise MailboxError(f"The IMAP server {self.where} could not search {self.settings.folder!r}: "
                               f"{_text(data)}.")
        return sorted((data[0] or b"").split(), key=int)

    def sizes(self, uids: list[bytes]) -> dict[bytes, int]:
        """Each message's size in bytes, as the server counts it."""
        found: dict[bytes, int] = {}
        for start in range(0, len(uids), SIZE_BATCH):
            batch = uids[start:start + SIZE_BATCH]
            status, data = self._guarded(self.client.uid, "FETCH", b",".join(batch), "(RFC822.SIZE)")
            if status != "OK":
                raise MailboxError(f"The IMAP server {self.where} gave no sizes: {_text(data)}.")
            for item in data:
                line = item[0] if isinstance(item, tuple) else item
                uid, size = _UID.search(line or b""), _SIZE.search(line or b"")
                if uid and size:
                    found[uid.group(1)] = int(size.group(1))
        return found

    def messages(self, max_bytes: int) -> Iterator[Fetched]:
        """Every new message, read without marking it; above ``max_bytes`` only its header."""
        uids = self.new_uids()
        sizes = self.sizes(uids)
        for uid in uids:
            if uid not in sizes:
                continue  # expunged by someone else since the search
            whole = sizes[uid] <= max_bytes
            raw = self._guarded(self._body, uid, "BODY.PEEK[]" if whole else "BODY.PEEK[HEADER]")
            if raw is not None:
                yield Fetched(uid=uid, raw=raw, size=sizes[uid], whole=whole)

    def _body(self, uid: bytes, item: str) -> bytes | None:
        status, data = self.client.uid("FETCH", uid, f"({item})")
        if status != "OK":
            raise MailboxError(f"The IMAP server {self.where} did not give message {uid.decode()}: {_text(data)}.")
        for part in data:
            if isinstance(part, tuple) and len(part) == 2:
                return bytes(part[1])
        return None

    # --- putting aside ---------------------------------------------------------

    def put_aside(self, uids: list[bytes]) -> PutAside:
        """Move ``uids`` to the processed folder, or flag them where moving is not possible."""
        done = PutAside()
        if not uids:
            return done
        return self._guarded(self._put_aside, uids, done)

    def _put_aside(self, uids: list[bytes], done: PutAside) -> PutAside:
        client = self.client
        uid_set = b",".join(uids)
        if self.target is not None:
            target = encode_name(self.target)
            if "MOVE" in self.capabilities:
                status, data = client.uid("MOVE", uid_set, target)
                if status == "OK":
                    done.moved = len(uids)
                    return done
            else:
                status, data = client.uid("COPY", uid_set, target)
                if status == "OK":
                    self._flag(uid_set, deleted=True)
                    if "UIDPLUS" in self.capabilities:
                        client.uid("EXPUNGE", uid_set)
                    done.moved = len(uids)
                    return done
            done.notes.append(f"Could not move messages to {self.target!r} ({_text(data)}): they stay, flagged.")
        self._flag(uid_set)
        done.flagged = len(uids)
        return done

    def _flag(self, uid_set: bytes, deleted: bool = False) -> None:
        flags = ["\\Seen"] + ([KEYWORD] if self.keywords else []) + (["\\Deleted"] if deleted else [])
        status, data = self.client.uid("STORE", uid_set, "+FLAGS.SILENT", f"({' '.join(flags)})")
        if status != "OK":
            raise MailboxError(f"The IMAP server {self.where} did not flag the messages read: {_text(data)}.")
