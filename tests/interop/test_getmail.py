"""getmail6 pulling mail over POP3 into a Maildir, and deleting it on the server.

getmail refuses to deliver as root; when the suite runs as root (CI), the
Maildir belongs to `nobody` and getmail's `user = nobody` drops to it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from .pop3_helpers import deliver, maildrop, transcript, tricky

pytestmark = pytest.mark.interop

Run = Callable[..., subprocess.CompletedProcess[str]]
USERS = {"ann@example.com": "secret"}


class Getmail:
    def __init__(self, binary: str, run: Run, home: Path) -> None:
        self.binary = binary
        self.run_client = run
        self.home = home
        self.maildir = home / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(parents=True)
        self.user = ""
        if os.geteuid() == 0:
            self.user = "nobody"
            nobody = pwd.getpwnam("nobody")
            for path in [self.maildir, *self.maildir.iterdir()]:
                os.chown(path, nobody.pw_uid, nobody.pw_gid)

    def run(
        self, mailtrap, *, tls: bool, password: str = "any", ca: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        if tls:
            retriever = (
                "type = SimplePOP3SSLRetriever\n"
                f"port = {mailtrap.pop3s_port}\n"
                f"ca_certs = {ca or mailtrap.ca_path}\n"
            )
        else:
            retriever = f"type = SimplePOP3Retriever\nport = {mailtrap.pop3_port}\n"
        rc = self.home / "getmailrc"
        rc.write_text(
            "[retriever]\n"
            f"{retriever}"
            "server = localhost\n"
            "username = ann@example.com\n"
            f"password = {password}\n"
            "\n[destination]\n"
            "type = Maildir\n"
            f"path = {self.maildir}/\n"
            + (f"user = {self.user}\n" if self.user else "")
            + "\n[options]\n"
            "delete = true\n"
            "read_all = true\n"
            "verbose = 2\n"
        )
        rc.chmod(0o600)
        return self.run_client(self.binary, "--rcfile", str(rc), "--getmaildir", str(self.home))

    def delivered(self) -> list[bytes]:
        return [p.read_bytes() for p in sorted((self.maildir / "new").iterdir())]


@pytest.fixture
def client(getmail: str, run: Run) -> Iterator[Getmail]:
    # Not tmp_path: pytest makes that 0700, which `nobody` could not enter.
    home = Path(tempfile.mkdtemp(prefix="mailtrap-getmail-"))
    home.chmod(0o755)
    try:
        yield Getmail(getmail, run, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def original(delivered: bytes) -> bytes:
    """getmail adds Return-Path, Delivered-To and Received headers on top and
    writes LF line ends; from the first original header on, it is the message."""
    return delivered[delivered.index(b"From: Shop") :].replace(b"\n", b"\r\n")


@pytest.mark.parametrize("tls", [True, False], ids=["pop3s", "plain"])
def test_getmail_retrieves_into_maildir_and_deletes(client: Getmail, mailtrap, tls):
    sent = [tricky("first"), tricky("second")]
    for raw in sent:
        deliver(mailtrap, raw)
    result = client.run(mailtrap, tls=tls)
    assert result.returncode == 0, transcript(result)
    assert "2 messages" in result.stdout, transcript(result)
    assert sorted(original(m) for m in client.delivered()) == sorted(sent)
    assert maildrop(mailtrap) == []
    # The capture log is not the maildrop: it keeps both.
    assert len(mailtrap.messages) == 2
    again = client.run(mailtrap, tls=tls)
    assert again.returncode == 0, transcript(again)
    assert "0 messages" in again.stdout, transcript(again)
    assert len(client.delivered()) == 2


def test_getmail_refuses_a_server_it_cannot_verify(client: Getmail, mailtrap, tmp_path):
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(trustme.CA().cert_pem.bytes())
    deliver(mailtrap, tricky("stays"))
    result = client.run(mailtrap, tls=True, ca=other_ca)
    assert result.returncode != 0, transcript(result)
    assert "CERTIFICATE_VERIFY_FAILED" in result.stdout + result.stderr, transcript(result)
    assert client.delivered() == []
    assert maildrop(mailtrap) == [tricky("stays")]


@pytest.mark.mailtrap(users=USERS, strict=True)
def test_getmail_with_a_declared_user(client: Getmail, mailtrap):
    deliver(mailtrap, tricky("login"))
    bad = client.run(mailtrap, tls=True, password="wrong")
    assert bad.returncode != 0, transcript(bad)
    assert "[AUTH]" in bad.stdout + bad.stderr, transcript(bad)
    assert maildrop(mailtrap) == [tricky("login")]
    good = client.run(mailtrap, tls=True, password="secret")
    assert good.returncode == 0, transcript(good)
    assert [original(m) for m in client.delivered()] == [tricky("login")]
    assert maildrop(mailtrap) == []
