"""mbsync (isync) keeping a local Maildir and an IMAP account in step, both ways.

Far is the IMAP server, Near a Maildir in the test's folder. mbsync stores
messages in a Maildir with LF line ends and sends CRLF over IMAP, so the files
are compared with the delivered bytes' LF form, and what mbsync APPENDs with
the CRLF original. `-D n` puts the whole IMAP dialogue in the output shown when
a test fails.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from .imap_helpers import (
    Target,
    lf,
    maildir_flags,
    server_under_test,
    tricky,
    without_tuid,
)
from .imap_helpers import maildir_messages as _maildir_messages
from .imap_helpers import transcript as _transcript

pytestmark = pytest.mark.interop

Run = Callable[..., subprocess.CompletedProcess[str]]

SECURITY = {"none": "None", "starttls": "STARTTLS", "imaps": "IMAPS"}


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Target:
    return server_under_test(request)


@pytest.fixture
def mbsync(require_tool: Callable[[str], str]) -> str:
    return require_tool("mbsync")


def maildir_messages(maildir: Path) -> list[tuple[str, bytes]]:
    """(file name, bytes without mbsync's X-TUID header), sorted by the bytes."""
    found = [(name, without_tuid(data)) for name, data in _maildir_messages(maildir)]
    return sorted(found, key=lambda item: item[1])


class Mbsync:
    def __init__(self, binary: str, run: Run, home: Path, server: Target) -> None:
        self.binary = binary
        self.run_client = run
        self.home = home
        self.server = server
        self.root = home / "mail"
        self.root.mkdir()

    def sync(
        self, *, tls: str = "none", patterns: str = "INBOX", ca: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        ca = ca or self.server.ca_path
        port = self.server.imaps_port if tls == "imaps" else self.server.imap_port
        rc = self.home / "mbsyncrc"
        rc.write_text(
            "IMAPAccount far\n"
            f"Host {self.server.host}\n"
            f"Port {port}\n"
            f"User {self.server.user}\n"
            f"Pass {self.server.password}\n"
            f"SSLType {SECURITY[tls]}\n"
            + (f"CertificateFile {ca}\n" if tls != "none" else "")
            + "\n"
            "IMAPStore far\n"
            "Account far\n"
            "\n"
            "MaildirStore near\n"
            f"Path {self.root}/\n"
            f"Inbox {self.root}/INBOX\n"
            "SubFolders Verbatim\n"
            "\n"
            "Channel test\n"
            "Far :far:\n"
            "Near :near:\n"
            f"Patterns {patterns}\n"
            "Create Both\n"
            "Expunge Both\n"
            "SyncState *\n"
            "Sync All\n"
        )
        # -D n: the IMAP dialogue; -V: what mbsync decided.
        env = {"HOME": str(self.home), "PATH": "/usr/bin:/bin"}
        return self.run_client(self.binary, "-c", str(rc), "-V", "-Dn", "test", env=env)

    def folder(self, name: str = "INBOX") -> Path:
        return self.root / name


def transcript(result: subprocess.CompletedProcess[str], client: Mbsync) -> str:
    rc = (client.home / "mbsyncrc").read_text()
    return f"{_transcript(result)}\n--- mbsyncrc\n{rc}"


@pytest.fixture
def client(mbsync: str, run: Run, tmp_path: Path, server: Target) -> Mbsync:
    return Mbsync(mbsync, run, tmp_path, server)


def sync_ok(client: Mbsync, **options: str) -> subprocess.CompletedProcess[str]:
    result = client.sync(**options)
    assert result.returncode == 0, transcript(result, client)
    return result


@pytest.mark.parametrize("tls", ["none", "starttls", "imaps"])
def test_mbsync_pulls_and_pushes(client: Mbsync, server: Target, tls: str):
    sent = [tricky("first"), tricky("second"), tricky("third")]
    for raw in sent:
        server.deliver(raw)

    # 1. Far -> Near: three files, the very bytes delivered (LF line ends).
    result = sync_ok(client, tls=tls)
    if tls == "starttls":
        assert "STARTTLS" in result.stdout, transcript(result, client)
    inbox = client.folder()
    files = maildir_messages(inbox)
    assert [data for _, data in files] == sorted(lf(raw) for raw in sent), transcript(
        result, client
    )
    assert all(maildir_flags(name) == "" for name, _ in files)

    # 2. Near -> Far: one read, one deleted, one new message written to the Maildir.
    by_body = {data: name for name, data in files}
    seen_name = by_body[lf(sent[0])]
    doomed_name = by_body[lf(sent[1])]
    seen_path = next(inbox.glob(f"*/{seen_name}"))
    seen_path.rename(seen_path.parent.parent / "cur" / (seen_name.split(":2,")[0] + ":2,S"))
    next(inbox.glob(f"*/{doomed_name}")).unlink()
    new = tricky("written-near")
    (inbox / "tmp" / "1700000000.M1P1.near").write_bytes(lf(new))
    (inbox / "tmp" / "1700000000.M1P1.near").rename(inbox / "new" / "1700000000.M1P1.near")
    result = sync_ok(client, tls=tls)

    on_server = server.folder("INBOX")
    assert [without_tuid(m.raw) for m in on_server] == [sent[0], sent[2], new], transcript(
        result, client
    )
    assert b"X-TUID: " in on_server[2].raw  # what mbsync sent, kept as it came
    flags = [m.flags for m in on_server]
    assert "\\Seen" in flags[0], transcript(result, client)
    assert "\\Seen" not in flags[1]
    assert "\\Deleted" not in flags[1]
    assert "APPEND" in result.stdout

    # 3. Nothing left to do: a third run changes neither side.
    again = sync_ok(client, tls=tls)
    assert server.folder("INBOX") == on_server, transcript(again, client)
    assert sorted(data for _, data in maildir_messages(inbox)) == sorted(
        lf(raw) for raw in (sent[0], sent[2], new)
    )


@pytest.mark.parametrize("tls", ["starttls", "imaps"])
def test_mbsync_refuses_a_server_it_cannot_verify(
    client: Mbsync, server: Target, tmp_path: Path, tls: str
):
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(trustme.CA().cert_pem.bytes())
    server.deliver(tricky("stays"))
    result = client.sync(tls=tls, ca=other_ca)
    assert result.returncode != 0, transcript(result, client)
    # mbsync's words for OpenSSL's X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY.
    assert "SSL error connecting" in result.stderr, transcript(result, client)
    assert "unable to get local issuer certificate" in result.stderr, transcript(result, client)
    assert maildir_messages(client.folder()) == []
    assert server.raws() == [tricky("stays")]


def test_mbsync_flags_set_on_the_server_reach_the_maildir(client: Mbsync, server: Target):
    import imaplib

    raws = [tricky("flag-me"), tricky("leave-me")]
    for raw in raws:
        server.deliver(raw)
    sync_ok(client)
    with imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=10) as imap:
        imap.login(server.user, server.password)
        imap.select("INBOX")
        status, data = imap.uid(
            "STORE", str(server.folder()[0].uid), "+FLAGS", "(\\Flagged \\Seen)"
        )
        assert status == "OK", data
    result = sync_ok(client)
    flags = {data: maildir_flags(name) for name, data in maildir_messages(client.folder())}
    assert flags == {lf(raws[0]): "FS", lf(raws[1]): ""}, transcript(result, client)


def test_mbsync_syncs_the_sent_folder(client: Mbsync, server: Target):
    old = tricky("sent-before")
    server.deliver(old, folder="Sent")
    result = sync_ok(client, patterns="Sent")
    sent_dir = client.folder("Sent")
    assert [data for _, data in maildir_messages(sent_dir)] == [lf(old)], transcript(result, client)
    new = tricky("sent-near")
    (sent_dir / "cur" / "1700000001.M2P1.near:2,S").write_bytes(lf(new))
    result = sync_ok(client, patterns="Sent")
    on_server = server.folder("Sent")
    assert [without_tuid(m.raw) for m in on_server] == [old, new], transcript(result, client)
    assert "\\Seen" in on_server[1].flags
    assert server.folder("INBOX") == []


def test_mbsync_mirrors_every_folder_and_creates_new_ones(client: Mbsync, server: Target):
    server.deliver(tricky("in-inbox"))
    result = sync_ok(client, patterns="*")
    for name in ("INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"):
        assert (client.folder(name) / "cur").is_dir(), transcript(result, client)
    # A folder made on the Maildir side, one level down, is CREATEd on the server.
    projects = client.folder("Projects/2026")
    for sub in ("cur", "new", "tmp"):
        (projects / sub).mkdir(parents=True)
    (projects / "cur" / "1700000002.M3P1.near:2,S").write_bytes(lf(tricky("project")))
    result = sync_ok(client, patterns="*")
    assert 'CREATE "Projects/2026"' in result.stdout, transcript(result, client)
    stored = server.folder("Projects/2026")
    assert [without_tuid(m.raw) for m in stored] == [tricky("project")], transcript(result, client)
    assert "\\Seen" in stored[0].flags
