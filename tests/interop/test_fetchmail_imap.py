"""fetchmail pulling mail over IMAP: plain, STARTTLS and IMAPS, keeping it or
deleting it (\\Deleted, then EXPUNGE) on the server.

As in test_fetchmail.py (POP3), fetchmail hands each message to a small Python
MDA that writes it to a file; the control file is 0600, and TLS is verified
against the server's CA with `sslcertck sslcertfile`. `--verbose` logs the IMAP
dialogue (`IMAP> ...`, `IMAP< ...`), which the failure messages show.
"""

from __future__ import annotations

import getpass
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from .imap_helpers import Target, server_under_test, transcript, tricky

pytestmark = pytest.mark.interop

Run = Callable[..., subprocess.CompletedProcess[str]]

# The MDA: one file per message, bytes as fetchmail gives them, renamed into place
# whole (the IDLE test watches the folder while fetchmail runs).
SAVE = """
import sys
from pathlib import Path
out = Path(sys.argv[1])
n = len(list(out.glob("*.eml"))) + 1
(out / "part").write_bytes(sys.stdin.buffer.read())
(out / "part").rename(out / f"{n:03d}.eml")
"""


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Target:
    return server_under_test(request)


class Fetchmail:
    def __init__(self, binary: str, run: Run, home: Path, server: Target) -> None:
        self.binary = binary
        self.run_client = run
        self.home = home
        self.server = server
        self.out = home / "delivered"
        self.out.mkdir()
        (home / "save.py").write_text(SAVE)
        self.rc = home / "fetchmailrc"

    def run(self, **options) -> subprocess.CompletedProcess[str]:
        """One poll (see `configure` for the options)."""
        self.configure(**options)
        argv, env = self.argv()
        return self.run_client(*argv, env=env)

    def configure(
        self, *, tls: str = "imaps", keep: bool = False, fetchall: bool = False,
        folder: str = "INBOX", password: str | None = None, user: str | None = None,
        ca: Path | None = None,
    ) -> None:  # fmt: skip
        """Write the control file. tls: 'imaps' (implicit), 'starttls' (required)
        or 'none'."""
        ca = ca or self.server.ca_path
        port = self.server.imaps_port if tls == "imaps" else self.server.imap_port
        if tls == "none":
            # fetchmail would take STARTTLS on its own when offered; sslproto '' says no.
            security = "sslproto ''"
        else:
            security = f'sslcertck sslcertfile "{ca}"' + (" ssl" if tls == "imaps" else "")
            if tls == "starttls":
                security += " sslproto tls1.2+"
        self.rc.write_text(
            "set no bouncemail\n"
            f"poll {self.server.host} service {port} protocol IMAP auth password\n"
            f'  user "{user or self.server.user}" there'
            f' with password "{password or self.server.password}"'
            f' is "{getpass.getuser()}" here\n'
            f'  folder "{folder}"\n'
            f"  {security}\n"
            f'  mda "{sys.executable} {self.home / "save.py"} {self.out}"\n'
            f"  {'keep' if keep else 'no keep'} {'fetchall' if fetchall else 'no fetchall'}\n"
        )
        self.rc.chmod(0o600)

    def argv(self, *, idle: bool = False) -> tuple[list[str], dict[str, str]]:
        # Its own home, id file and pid file (see test_fetchmail.py).
        env = {**os.environ, "HOME": str(self.home), "FETCHMAILHOME": str(self.home)}
        argv = [
            self.binary,
            *("-f", str(self.rc), "--pidfile", str(self.home / "fetchmail.pid")),
            *("--verbose", "--nosyslog", "--nodetach"),
            *(["--idle"] if idle else []),
        ]
        return argv, env

    def delivered(self) -> list[bytes]:
        return [path.read_bytes() for path in sorted(self.out.glob("*.eml"))]


@pytest.fixture
def client(fetchmail: str, run: Run, tmp_path: Path, server: Target) -> Fetchmail:
    home = tmp_path / "fetchmail"
    home.mkdir(mode=0o700)
    return Fetchmail(fetchmail, run, home, server)


def body_of(delivered: bytes) -> bytes:
    """fetchmail adds a Received header and gives the MDA LF line ends: the part
    from the From on, with CRLF restored, is the original message."""
    start = delivered.index(b"From: Shop")
    return delivered[start:].replace(b"\n", b"\r\n")


def explain(result: subprocess.CompletedProcess[str], client: Fetchmail) -> str:
    return f"{transcript(result)}\n--- fetchmailrc\n{client.rc.read_text()}"


@pytest.mark.parametrize("tls", ["imaps", "starttls", "none"])
def test_fetchmail_retrieves_and_deletes(client: Fetchmail, server: Target, tls: str):
    sent = [tricky("first"), tricky("second")]
    for raw in sent:
        server.deliver(raw)
    result = client.run(tls=tls)
    assert result.returncode == 0, explain(result, client)  # 0: mail was retrieved
    output = result.stdout + result.stderr
    assert f"2 messages for {server.user}" in output, explain(result, client)
    said_starttls = re.search(r"IMAP> A\d+ STARTTLS", output) is not None
    assert said_starttls == (tls == "starttls"), explain(result, client)
    # On disk: both messages, whole.
    assert [body_of(m) for m in client.delivered()] == sent, explain(result, client)
    # On the server: flagged \Deleted and expunged.
    assert re.search(r"IMAP> A\d+ STORE \d+ \+FLAGS \(\\Seen \\Deleted\)", output), explain(
        result, client
    )
    assert "EXPUNGE" in output, explain(result, client)
    assert server.folder() == [], explain(result, client)
    # A second poll finds nothing (exit 1: no mail).
    again = client.run(tls=tls)
    assert again.returncode == 1, explain(again, client)


def test_fetchmail_keep_leaves_the_messages_seen(client: Fetchmail, server: Target):
    sent = [tricky("kept-1"), tricky("kept-2")]
    for raw in sent:
        server.deliver(raw)
    result = client.run(keep=True)
    assert result.returncode == 0, explain(result, client)
    assert [body_of(m) for m in client.delivered()] == sent
    on_server = server.folder()
    assert [m.raw for m in on_server] == sent, explain(result, client)
    assert all("\\Seen" in m.flags and "\\Deleted" not in m.flags for m in on_server), explain(
        result, client
    )
    # Seen messages are not new: nothing to fetch (exit 1) ...
    again = client.run(keep=True)
    assert again.returncode == 1, explain(again, client)
    # ... unless asked for all of them; a third message arrives meanwhile.
    server.deliver(tricky("kept-3"))
    unseen_first = client.run(keep=True)
    assert unseen_first.returncode == 0, explain(unseen_first, client)
    assert [body_of(m) for m in client.delivered()] == [*sent, tricky("kept-3")]
    everything = client.run(keep=True, fetchall=True)
    assert everything.returncode == 0, explain(everything, client)
    assert len(client.delivered()) == 6
    assert [m.raw for m in server.folder()] == [*sent, tricky("kept-3")]


def test_fetchmail_reads_another_folder(client: Fetchmail, server: Target):
    server.deliver(tricky("in-inbox"))
    server.deliver(tricky("archived"), folder="Archive")
    result = client.run(folder="Archive")
    assert result.returncode == 0, explain(result, client)
    assert [body_of(m) for m in client.delivered()] == [tricky("archived")]
    assert server.folder("Archive") == []
    assert server.raws() == [tricky("in-inbox")]


def test_fetchmail_refuses_a_server_it_cannot_verify(
    client: Fetchmail, server: Target, tmp_path: Path
):
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(trustme.CA().cert_pem.bytes())
    server.deliver(tricky("stays"))
    result = client.run(tls="imaps", ca=other_ca)
    assert result.returncode == 2, explain(result, client)  # 2: socket/TLS error
    assert "certificate verify failed" in result.stdout + result.stderr
    assert client.delivered() == []
    assert server.raws() == [tricky("stays")]


@pytest.mark.mailtrap(users={"ann@example.com": "secret"}, strict=True)
def test_fetchmail_login_of_a_declared_user(client: Fetchmail, mailtrap):
    if os.environ.get("IMAP_INTEROP_SERVER", "mailtrap") != "mailtrap":
        pytest.skip("mailtrap-py's declared users")
    import smtplib

    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10) as smtp:
        smtp.sendmail("shop@example.com", ["ann@example.com"], tricky("login"))
    bad = client.run(user="ann@example.com", password="wrong")
    assert bad.returncode == 3, explain(bad, client)  # 3: authentication failed
    good = client.run(user="ann@example.com", password="secret")
    assert good.returncode == 0, explain(good, client)
    assert [body_of(m) for m in client.delivered()] == [tricky("login")]
    assert mailtrap.store.account("ann@example.com").inbox.entries == []


def test_fetchmail_idle_picks_up_new_mail_at_once(client: Fetchmail, server: Target):
    """`idle`: fetchmail stays logged in, in IDLE, and fetches what the server
    announces (`* n EXISTS`) without polling again."""
    server.deliver(tricky("before-idle"))
    client.configure()
    argv, env = client.argv(idle=True)
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        try:
            wait_until(lambda: len(client.delivered()) == 1, proc)
            server.deliver(tricky("during-idle"))
            wait_until(lambda: len(client.delivered()) == 2, proc)
            # Delivered, then flagged \Deleted and expunged: wait for that too.
            wait_until(lambda: server.folder() == [], proc)
        finally:
            proc.terminate()
            output, _ = proc.communicate(timeout=30)
    assert [body_of(m) for m in client.delivered()] == [
        tricky("before-idle"),
        tricky("during-idle"),
    ], output
    assert re.search(r"IMAP> A\d+ IDLE", output), output


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen[str]) -> None:
    """Until `condition()` holds (fetchmail did something), for at most 20 seconds."""
    deadline = time.monotonic() + 20
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"fetchmail exited {proc.returncode}: {proc.stdout.read()}")
        if time.monotonic() > deadline:
            proc.terminate()
            pytest.fail(f"fetchmail did not get there in time:\n{proc.communicate()[0]}")
        time.sleep(0.05)  # a file from another process: nothing to wait on but the disk
