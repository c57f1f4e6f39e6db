"""What the IMAP interop tests share: the server under test, mail in, and a look
at a folder on the server.

The tests run against mailtrap-py (the `mailtrap` fixture). With
`IMAP_INTEROP_SERVER=dovecot` they run against a private Dovecot instead (Debian
`dovecot-imapd`, started once per test session in a temporary folder on a free
loopback port): the reference that shows a client's configuration and the
tests' expectations are right, whatever mailtrap-py does. Both are reached
through one small interface, `Target`:

- `deliver(raw, folder)`: mail in (SMTP for mailtrap-py; Dovecot has no SMTP, so
  IMAP APPEND there);
- `folder(name)`: what the server holds, in UID order, raw bytes and flags (the
  store for mailtrap-py; a FETCH over imaplib for Dovecot).
"""

from __future__ import annotations

import imaplib
import itertools
import os
import re
import smtplib
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.imap.dovecot import running_dovecot

from .pop3_helpers import tricky as tricky  # re-exported: the tests' message

_users = itertools.count(1)


@dataclass(frozen=True)
class Stored:
    """One message in a server folder."""

    uid: int
    raw: bytes
    flags: frozenset[str]


class Target:
    """The IMAP server a test drives. `host` is "localhost": the name the TLS
    certificates carry, so clients verify them without switching anything off."""

    name = "?"
    host = "localhost"
    imap_port: int
    imaps_port: int
    ca_path: Path
    user: str
    password = "any"

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        raise NotImplementedError

    def folder(self, name: str = "INBOX") -> list[Stored]:
        raise NotImplementedError

    def raws(self, name: str = "INBOX") -> list[bytes]:
        return [m.raw for m in self.folder(name)]

    def url(self, path: str = "", *, scheme: str = "imap") -> str:
        port = self.imaps_port if scheme == "imaps" else self.imap_port
        return f"{scheme}://{self.host}:{port}/{path}"


class MailtrapTarget(Target):
    name = "mailtrap-py"

    def __init__(self, mailtrap) -> None:
        self.mailtrap = mailtrap
        self.imap_port = mailtrap.imap_port
        self.imaps_port = mailtrap.imaps_port
        self.ca_path = mailtrap.ca_path
        self.user = mailtrap.new_address("imap")

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        if folder != "INBOX":
            # Only INBOX takes mail from SMTP; other folders fill up over IMAP.
            _append(self, raw, folder)
            return
        with smtplib.SMTP(self.mailtrap.host, self.mailtrap.smtp_port, timeout=10) as client:
            assert client.sendmail("shop@example.com", [self.user], raw) == {}

    def folder(self, name: str = "INBOX") -> list[Stored]:
        account = self.mailtrap.store.account(self.user, create=False)
        found = account.folders.get(name) if account is not None else None
        if found is None:
            return []
        return [
            Stored(entry.uid, entry.message.raw, frozenset(entry.flags))
            for entry in list(found.entries)
        ]


class DovecotTarget(Target):
    name = "dovecot"

    def __init__(self, dovecot: Dovecot) -> None:
        self.imap_port = dovecot.imap_port
        self.imaps_port = dovecot.imaps_port
        self.ca_path = dovecot.ca_path
        self.user = f"imap.{os.getpid()}.{next(_users)}@example.com"

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        _append(self, raw, folder)

    def folder(self, name: str = "INBOX") -> list[Stored]:
        with imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10) as client:
            client.login(self.user, self.password)
            status, _ = client.select(f'"{name}"', readonly=True)
            if status != "OK":
                return []
            status, data = client.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
            assert status == "OK", data
            found = []
            for item in data:
                if not isinstance(item, tuple):
                    continue
                head = item[0].decode()
                uid = int(re.search(r"UID (\d+)", head).group(1))
                flags = re.search(r"FLAGS \(([^)]*)\)", head).group(1).split()
                found.append(Stored(uid, item[1], frozenset(flags) - {"\\Recent"}))
            return sorted(found, key=lambda m: m.uid)


def _append(target: Target, raw: bytes, folder: str) -> None:
    with imaplib.IMAP4("127.0.0.1", target.imap_port, timeout=10) as client:
        client.login(target.user, target.password)
        status, data = client.append(f'"{folder}"', "", None, raw)
        assert status == "OK", data


def server_under_test(request: pytest.FixtureRequest) -> Target:
    """mailtrap-py, or the session's Dovecot with `IMAP_INTEROP_SERVER=dovecot`;
    either way with a user of its own."""
    if os.environ.get("IMAP_INTEROP_SERVER", "mailtrap") == "dovecot":
        return DovecotTarget(_session_dovecot(request.config))
    return MailtrapTarget(request.getfixturevalue("mailtrap"))


# -- Dovecot, the reference --------------------------------------------------------


class _SessionDovecot:
    """The session's Dovecot (tests/imap/dovecot.py), with TLS, stopped at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self._running = running_dovecot(tls=True)
        server = self._running.__enter__()
        config.add_cleanup(lambda: self._running.__exit__(None, None, None))
        self.imap_port, self.imaps_port = server.imap_port, server.imaps_port
        assert server.ca_path is not None
        self.ca_path = server.ca_path


Dovecot = _SessionDovecot
_dovecot: _SessionDovecot | None = None


def _session_dovecot(config: pytest.Config) -> _SessionDovecot:
    global _dovecot
    if _dovecot is None:
        _dovecot = _SessionDovecot(config)
    return _dovecot


# -- what the clients leave behind -----------------------------------------------------


def maildir_messages(maildir: Path) -> list[tuple[str, bytes]]:
    """(file name, bytes) of every message in a Maildir folder (new/ and cur/),
    sorted by the bytes (file names differ between clients and runs)."""
    found = [
        (path.name, path.read_bytes())
        for sub in ("new", "cur")
        if (maildir / sub).is_dir()
        for path in (maildir / sub).iterdir()
    ]
    return sorted(found, key=lambda item: item[1])


def lf(raw: bytes) -> bytes:
    """A message as Maildir clients store it: LF line ends."""
    return raw.replace(b"\r\n", b"\n")


def without_tuid(data: bytes) -> bytes:
    """mbsync adds an `X-TUID` header to each message it stores, in the Maildir and
    on the server (it finds a message it stored by it if it was interrupted);
    everything else is the message as it was."""
    return re.sub(rb"(?m)^X-TUID: [^\n]*\n", b"", data, count=1)


def maildir_flags(name: str) -> str:
    """The flag letters of a Maildir file name (`...:2,FS` -> "FS")."""
    return name.rsplit(":2,", 1)[1] if ":2," in name else ""


def transcript(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stderr\n{result.stderr}\n--- stdout\n{result.stdout}"
