"""offlineimap3 keeping a local Maildir and an IMAP account in step.

offlineimap stores messages with LF line ends: the files are compared with the
delivered bytes' LF form. `-d imap` puts the IMAP dialogue in the output shown
when a test fails. Implicit TLS (`ssl = yes`) is verified with `sslcacertfile`;
after STARTTLS offlineimap 8 verifies nothing (it hands imaplib2 no CA), so that
case shows only that the server's STARTTLS works for it.
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
    maildir_messages,
    server_under_test,
    tricky,
)
from .imap_helpers import transcript as _transcript

pytestmark = pytest.mark.interop

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Target:
    return server_under_test(request)


@pytest.fixture
def offlineimap(require_tool: Callable[[str], str]) -> str:
    return require_tool("offlineimap")


class OfflineImap:
    def __init__(self, binary: str, run: Run, home: Path, server: Target) -> None:
        self.binary = binary
        self.run_client = run
        self.home = home
        self.server = server
        self.root = home / "mail"
        self.root.mkdir()
        self.rc = home / "offlineimaprc"

    def sync(
        self, *, tls: str = "none", folders: tuple[str, ...] = ("INBOX",), ca: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        ca = ca or self.server.ca_path
        port = self.server.imaps_port if tls == "imaps" else self.server.imap_port
        security = {
            "none": "ssl = no\nstarttls = no\n",
            "starttls": f"ssl = no\nstarttls = yes\nsslcacertfile = {ca}\n",
            "imaps": f"ssl = yes\nsslcacertfile = {ca}\n",
        }[tls]
        self.rc.write_text(
            "[general]\n"
            "accounts = test\n"
            f"metadata = {self.home}/metadata\n"
            "ui = basic\n"
            "\n[Account test]\n"
            "localrepository = near\n"
            "remoterepository = far\n"
            "\n[Repository near]\n"
            "type = Maildir\n"
            f"localfolders = {self.root}\n"
            "\n[Repository far]\n"
            "type = IMAP\n"
            f"remotehost = {self.server.host}\n"
            f"remoteport = {port}\n"
            f"remoteuser = {self.server.user}\n"
            f"remotepass = {self.server.password}\n"
            f"{security}"
            f"folderfilter = lambda name: name in {list(folders)!r}\n"
        )
        env = {"HOME": str(self.home), "PATH": "/usr/bin:/bin"}
        return self.run_client(self.binary, "-c", str(self.rc), "-o", "-d", "imap", env=env)

    def folder(self, name: str = "INBOX") -> Path:
        return self.root / name


def transcript(result: subprocess.CompletedProcess[str], client: OfflineImap) -> str:
    return f"{_transcript(result)}\n--- offlineimaprc\n{client.rc.read_text()}"


@pytest.fixture
def client(offlineimap: str, run: Run, tmp_path: Path, server: Target) -> OfflineImap:
    return OfflineImap(offlineimap, run, tmp_path, server)


def sync_ok(client: OfflineImap, **options) -> subprocess.CompletedProcess[str]:
    result = client.sync(**options)
    assert result.returncode == 0, transcript(result, client)
    # offlineimap reports some failures in its output and still exits 0.
    assert "ERROR" not in result.stdout + result.stderr, transcript(result, client)
    return result


@pytest.mark.parametrize("tls", ["none", "starttls", "imaps"])
def test_offlineimap_syncs_both_ways(client: OfflineImap, server: Target, tls: str):
    sent = [tricky("first"), tricky("second"), tricky("third")]
    for raw in sent:
        server.deliver(raw)
    result = sync_ok(client, tls=tls)
    if tls == "starttls":
        assert "Using STARTTLS connection" in result.stdout, transcript(result, client)
    inbox = client.folder()
    files = maildir_messages(inbox)
    assert [data for _, data in files] == sorted(lf(raw) for raw in sent), transcript(
        result, client
    )

    # Back to the server: one read, one deleted, one written here.
    by_body = {data: name for name, data in files}
    seen = next(inbox.glob(f"*/{by_body[lf(sent[0])]}"))
    seen.rename(inbox / "cur" / (seen.name.split(":2,")[0] + ":2,S"))
    next(inbox.glob(f"*/{by_body[lf(sent[1])]}")).unlink()
    new = tricky("written-near")
    (inbox / "new" / "1700000000.M1P1.near").write_bytes(lf(new))
    result = sync_ok(client, tls=tls)
    on_server = server.folder()
    assert [m.raw for m in on_server] == [sent[0], sent[2], new], transcript(result, client)
    assert "\\Seen" in on_server[0].flags
    assert on_server[1].flags == frozenset()

    # A server-side change comes back on the next run.
    server.deliver(tricky("fourth"))
    result = sync_ok(client, tls=tls)
    files = maildir_messages(inbox)
    expected = sorted(lf(raw) for raw in (sent[0], sent[2], new, tricky("fourth")))
    assert [data for _, data in files] == expected, transcript(result, client)
    assert {maildir_flags(name) for name, data in files if data == lf(sent[0])} == {"S"}


def test_offlineimap_syncs_several_folders(client: OfflineImap, server: Target):
    server.deliver(tricky("in-inbox"))
    server.deliver(tricky("in-sent"), folder="Sent")
    result = sync_ok(client, folders=("INBOX", "Sent", "Drafts"))
    assert [d for _, d in maildir_messages(client.folder("INBOX"))] == [lf(tricky("in-inbox"))]
    assert [d for _, d in maildir_messages(client.folder("Sent"))] == [lf(tricky("in-sent"))]
    assert maildir_messages(client.folder("Drafts")) == [], transcript(result, client)


def test_offlineimap_refuses_a_server_it_cannot_verify(
    client: OfflineImap, server: Target, tmp_path: Path
):
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(trustme.CA().cert_pem.bytes())
    server.deliver(tricky("stays"))
    result = client.sync(tls="imaps", ca=other_ca)
    assert result.returncode != 0, transcript(result, client)
    assert "certificate verify failed" in result.stdout + result.stderr, transcript(result, client)
    assert maildir_messages(client.folder()) == []
