"""fetchmail pulling mail over POP3 and deleting it on the server.

fetchmail hands each message to an MDA; here a small Python script that writes
it to a file, so the test reads what fetchmail delivered. The control file is
written with 0600 permissions (fetchmail refuses any other) and TLS is verified
against the server's CA with `sslcertck sslcertfile`, never switched off.
"""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from .pop3_helpers import deliver, maildrop, transcript, tricky

pytestmark = pytest.mark.interop

Run = Callable[..., subprocess.CompletedProcess[str]]
USERS = {"ann@example.com": "secret"}

# The MDA: one file per message, named by a counter, bytes as fetchmail gives them.
SAVE = """
import sys
from pathlib import Path
out = Path(sys.argv[1])
n = len(list(out.glob("*.eml"))) + 1
(out / f"{n:03d}.eml").write_bytes(sys.stdin.buffer.read())
"""


class Fetchmail:
    def __init__(self, binary: str, run: Run, home: Path) -> None:
        self.binary = binary
        self.run_client = run
        self.home = home
        self.out = home / "delivered"
        self.out.mkdir()
        (home / "save.py").write_text(SAVE)

    def run(
        self, mailtrap, *, port: int, tls: str, password: str = "any", protocol: str = "POP3",
        auth: str = "password", ca: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:  # fmt: skip
        """One poll. tls: 'pop3s' (implicit), 'stls' (required) or 'none'."""
        ca = ca or mailtrap.ca_path
        if tls == "none":
            # fetchmail would take STLS on its own when offered; sslproto '' says no.
            security = "sslproto ''"
        else:
            security = f'sslcertck sslcertfile "{ca}"' + (" ssl" if tls == "pop3s" else "")
            if tls == "stls":
                security += " sslproto tls1.2+"
        rc = self.home / "fetchmailrc"
        rc.write_text(
            "set no bouncemail\n"
            f"poll localhost service {port} protocol {protocol} auth {auth}\n"
            f'  user "ann@example.com" there with password "{password}"'
            f' is "{getpass.getuser()}" here\n'
            f"  {security}\n"
            f'  mda "{sys.executable} {self.home / "save.py"} {self.out}"\n'
            "  no keep\n"
        )
        rc.chmod(0o600)
        # Its own home, id file and pid file: as root, fetchmail would otherwise use
        # one pid file in /run for all, and parallel tests would refuse each other.
        env = {**os.environ, "HOME": str(self.home), "FETCHMAILHOME": str(self.home)}
        return self.run_client(
            self.binary,
            *("-f", str(rc), "--pidfile", str(self.home / "fetchmail.pid")),
            *("--verbose", "--nosyslog", "--nodetach"),
            env=env,
        )

    def delivered(self) -> list[bytes]:
        return [path.read_bytes() for path in sorted(self.out.glob("*.eml"))]


@pytest.fixture
def client(fetchmail: str, run: Run, tmp_path: Path) -> Fetchmail:
    home = tmp_path / "fetchmail"
    home.mkdir(mode=0o700)
    return Fetchmail(fetchmail, run, home)


def body_of(delivered: bytes) -> bytes:
    """fetchmail adds a Received header and gives the MDA LF line ends: the part
    from the Subject on, with CRLF restored, is the original message."""
    start = delivered.index(b"From: Shop")
    return delivered[start:].replace(b"\n", b"\r\n")


@pytest.mark.parametrize("tls", ["pop3s", "stls", "none"])
def test_fetchmail_retrieves_and_deletes(client: Fetchmail, mailtrap, tls):
    sent = [tricky("first"), tricky("second")]
    for raw in sent:
        deliver(mailtrap, raw)
    port = mailtrap.pop3s_port if tls == "pop3s" else mailtrap.pop3_port
    result = client.run(mailtrap, port=port, tls=tls)
    assert result.returncode == 0, transcript(result)  # 0: mail was retrieved
    output = result.stdout + result.stderr
    assert "2 messages for ann@example.com" in output, transcript(result)
    if tls == "stls":
        assert "POP3> STLS" in output, transcript(result)
    if tls == "none":
        assert "POP3> STLS" not in output, transcript(result)
    # On disk: both messages, whole.
    assert [body_of(m) for m in client.delivered()] == sent
    # On the server: deleted from the maildrop (fetchmail's DELE + QUIT).
    assert "POP3> QUIT" in output
    assert maildrop(mailtrap) == []
    # A second poll finds nothing (exit 1: no mail).
    again = client.run(mailtrap, port=port, tls=tls)
    assert again.returncode == 1, transcript(again)


def test_fetchmail_refuses_a_server_it_cannot_verify(client: Fetchmail, mailtrap, tmp_path):
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(trustme.CA().cert_pem.bytes())
    deliver(mailtrap, tricky("stays"))
    result = client.run(mailtrap, port=mailtrap.pop3s_port, tls="pop3s", ca=other_ca)
    assert result.returncode == 2, transcript(result)  # 2: socket/TLS error
    assert "certificate verify failed" in result.stdout + result.stderr
    assert client.delivered() == []
    assert maildrop(mailtrap) == [tricky("stays")]


@pytest.mark.mailtrap(users=USERS, strict=True)
@pytest.mark.parametrize(
    ("protocol", "auth"), [("POP3", "password"), ("POP3", "cram-md5"), ("APOP", "password")]
)
def test_fetchmail_logins_of_a_declared_user(client: Fetchmail, mailtrap, protocol, auth):
    deliver(mailtrap, tricky("login"))
    port = mailtrap.pop3s_port
    bad = client.run(
        mailtrap, port=port, tls="pop3s", password="wrong", protocol=protocol, auth=auth
    )
    assert bad.returncode == 3, transcript(bad)  # 3: authentication failed
    assert maildrop(mailtrap) == [tricky("login")]
    good = client.run(
        mailtrap, port=port, tls="pop3s", password="secret", protocol=protocol, auth=auth
    )
    assert good.returncode == 0, transcript(good)
    output = good.stdout + good.stderr
    expected = {"password": "PASS" if protocol == "POP3" else "APOP", "cram-md5": "AUTH CRAM-MD5"}
    assert f"POP3> {expected[auth]}" in output, transcript(good)
    assert [body_of(m) for m in client.delivered()] == [tricky("login")]
    assert maildrop(mailtrap) == []
