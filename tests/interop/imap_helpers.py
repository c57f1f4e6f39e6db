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

import contextlib
import imaplib
import itertools
import os
import pwd
import re
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import missing
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

DOVECOT_CONF = """\
base_dir = {dir}/run
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {dir}/dovecot.log
mail_location = maildir:{dir}/mail/%u
first_valid_uid = 1
mail_uid = vmail
mail_gid = vmail
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = static
  args = nopassword=y
}}
userdb {{
  driver = static
  args = uid=vmail gid=vmail home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox Junk {{
    special_use = \\Junk
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Archive {{
    special_use = \\Archive
    auto = subscribe
  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Dovecot:
    """A private Dovecot IMAP server in a temporary folder (see dovecot.md in
    shared/reference): any password, TLS with a certificate from a trustme CA."""

    def __init__(self) -> None:
        import trustme

        if shutil.which("dovecot") is None or not Path("/usr/lib/dovecot/imap").exists():
            missing("dovecot-imapd is not installed", "apt-get install dovecot-imapd")
        try:
            vmail = pwd.getpwnam("vmail")
        except KeyError:
            missing("no vmail user for Dovecot's mail", "useradd -r -M vmail")
        self.dir = Path(tempfile.mkdtemp(prefix="mailtrap-interop-dovecot-"))
        self.dir.chmod(0o755)
        ca = trustme.CA()
        cert = ca.issue_cert("localhost", "127.0.0.1", common_name="localhost")
        self.ca_path = self.dir / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        cert.cert_chain_pems[0].write_to_path(str(self.dir / "cert.pem"))
        cert.private_key_pem.write_to_path(str(self.dir / "key.pem"))
        (self.dir / "mail").mkdir()
        os.chown(self.dir / "mail", vmail.pw_uid, vmail.pw_gid)
        self.imap_port, self.imaps_port = _free_port(), _free_port()
        self.conf = self.dir / "dovecot.conf"
        self.conf.write_text(
            DOVECOT_CONF.format(dir=self.dir, imap_port=self.imap_port, imaps_port=self.imaps_port)
        )
        # The daemon keeps the descriptors it starts with: not pytest's.
        subprocess.run(
            ["dovecot", "-c", str(self.conf)],
            check=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError):
                with socket.create_connection(("127.0.0.1", self.imap_port), 1):
                    break
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("dovecot did not listen")
            time.sleep(0.05)  # a daemon starting up: no event to wait on

    def stop(self) -> None:
        subprocess.run(["doveadm", "-c", str(self.conf), "stop"], check=False, timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


_dovecot: Dovecot | None = None


def _session_dovecot(config: pytest.Config) -> Dovecot:
    global _dovecot
    if _dovecot is None:
        _dovecot = Dovecot()
        config.add_cleanup(_dovecot.stop)
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
