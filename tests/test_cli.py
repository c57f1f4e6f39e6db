"""The `mailtrap-py` command as a user runs it: a real subprocess, real sockets.

`serve` runs on port 0 and the test reads the bound port from what it prints, as
a script wrapping the command would; `send` delivers to the `mailtrap` fixture.
No sleeps: every wait is on a line of output or a process exit, with a timeout.
"""

from __future__ import annotations

import imaplib
import os
import poplib
import queue
import re
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from mailtrap_py import __version__

# Seconds a CLI process may take to start, print, or stop.
TIMEOUT = 30

_SCRIPT = Path(sys.executable).with_name("mailtrap-py")
# The installed console script when there is one (what users run), else the module.
CLI = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "mailtrap_py.cli"]

LISTENING = re.compile(r"^\s*(?P<name>\w+)\s+listening on (?P<host>\S+):(?P<port>\d+)\s*$")
CA_LINE = re.compile(r"^\s*CA for TLS clients: (?P<path>.+?)\s*$")


def clean_env(**overrides: str) -> dict[str, str]:
    """The test's environment without any MAILTRAP_* a developer may have set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILTRAP_")}
    env.update(overrides)
    return env


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env or clean_env(),
        check=False,
    )


def outcome(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


class Serve:
    """`mailtrap-py serve ...` in the background, its stdout read line by line."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        if "--imap-port" not in args:
            # The default ports (1143, 1993) would collide between parallel tests.
            args = (*args, "--imap-port", "-1", "--imaps-port", "-1")
        self.proc = subprocess.Popen(
            [*CLI, "serve", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env or clean_env(),
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines), daemon=True),
            threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self.ports: dict[str, int] = {}
        self.host = ""
        self.ca_path = ""

    @staticmethod
    def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))
        lines.put(None)  # EOF: the process closed stdout (it exited)

    def _drain(self, stream: IO[str]) -> None:
        for line in stream:
            self.stderr.append(line)

    def expect(self, pattern: str | re.Pattern[str], timeout: float = TIMEOUT) -> re.Match[str]:
        """Read stdout until a line matches `pattern`; fail with everything seen if not."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no line matching {regex.pattern!r} within {timeout}s\n{self}")
            if line is None:
                self.lines.put(None)  # stay at EOF for later calls
                self.proc.wait(timeout=TIMEOUT)
                pytest.fail(f"serve exited before printing {regex.pattern!r}\n{self}")
            self.stdout.append(line)
            found = regex.search(line)
            if found:
                return found

    def wait_ready(self) -> Serve:
        """Read the start-up banner: every listening port, the CA path, the hint."""
        while True:
            line = self.expect(r".")
            if m := LISTENING.match(line.string):
                self.host = m["host"]
                self.ports[m["name"]] = int(m["port"])
            elif m := CA_LINE.match(line.string):
                self.ca_path = m["path"]
            elif line.string.startswith("Ctrl-C stops"):
                return self

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=TIMEOUT)
        self._finish()
        return code

    def _finish(self) -> None:
        for reader in self._readers:
            reader.join(timeout=TIMEOUT)
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.stdout.append(line)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.proc.stdout.close()
        self.proc.stderr.close()

    def __enter__(self) -> Serve:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
        self._finish()

    def __str__(self) -> str:
        return (
            f"--- exit {self.proc.returncode}\n--- stdout\n"
            + "\n".join(self.stdout)
            + "\n--- stderr\n"
            + "".join(self.stderr)
        )


def send_raw(host: str, port: int, *, to: str = "ann@example.com", **kw) -> tuple[int, bytes]:
    """MAIL, RCPT, DATA by hand: returns the server's reply to DATA."""
    starttls = kw.pop("starttls", None)
    login = kw.pop("login", None)
    with smtplib.SMTP(host, port, timeout=TIMEOUT) as client:
        client.ehlo()
        if starttls is not None:
            client.starttls(context=starttls)
            client.ehlo()
        if login is not None:
            client.login(*login)
        assert client.mail("app@example.com")[0] == 250
        assert client.rcpt(to)[0] == 250
        return client.data(b"Subject: hello from the test\r\n\r\nHi.\r\n")


# -- --version --------------------------------------------------------------------


def test_version_prints_the_version():
    result = run_cli("--version")
    assert result.returncode == 0, outcome(result)
    assert result.stdout.strip() == f"mailtrap-py, version {__version__}"


# -- serve ----------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_on_port_0_prints_the_bound_port_serves_and_stops_cleanly(sig):
    with Serve(
        "--smtp-port",
        "0",
        "--smtps-port",
        "-1",
        "--pop3-port",
        "-1",
        "--pop3s-port",
        "-1",
        "--http-port",
        "-1",
    ) as serve:
        serve.wait_ready()
        assert serve.stdout[0] == f"mailtrap-py {__version__}"
        assert serve.host == "127.0.0.1"
        assert list(serve.ports) == ["smtp"]  # -1 turned SMTPS, POP3 and IMAP off
        port = serve.ports["smtp"]
        assert port > 0

        code, reply = send_raw(serve.host, port)
        assert code == 250, reply
        assert reply.startswith(b"2.0.0 OK: queued as ")

        # A client still connected must not keep the server from stopping.
        with smtplib.SMTP(serve.host, port, timeout=TIMEOUT) as idle:
            assert idle.noop()[0] == 250
            assert serve.stop(sig) == 0, str(serve)
    assert serve.stdout[-1] == "stopped", str(serve)
    assert "Traceback" not in "".join(serve.stderr), str(serve)
    # Each capture is logged (INFO by default), with the id the 250 reply named.
    message_id = reply.decode().rsplit(" ", 1)[-1]
    assert any(f"captured {message_id} from " in line for line in serve.stderr), str(serve)


def test_serve_takes_its_ports_from_the_environment():
    env = clean_env(
        MAILTRAP_SMTP_PORT="0",
        MAILTRAP_SMTPS_PORT="0",
        MAILTRAP_POP3_PORT="0",
        MAILTRAP_POP3S_PORT="0",
        MAILTRAP_HTTP_PORT="0",
    )
    with Serve(env=env) as serve:
        serve.wait_ready()
        assert set(serve.ports) == {"smtp", "smtps", "pop3", "pop3s", "http"}
        assert serve.ports["http"] not in (0, 8025)
        assert serve.ports["smtp"] not in (0, 1025)
        assert serve.ports["smtps"] not in (0, 1465)
        assert serve.ports["pop3"] not in (0, 1110)
        assert serve.ports["pop3s"] not in (0, 1995)
        assert serve.ca_path and Path(serve.ca_path).is_file()

        # The CA it prints is the one that verifies it, on both ports.
        context = ssl.create_default_context(cafile=serve.ca_path)
        code, _ = send_raw(serve.host, serve.ports["smtp"], starttls=context)
        assert code == 250
        with smtplib.SMTP_SSL(
            serve.host, serve.ports["smtps"], context=context, timeout=TIMEOUT
        ) as client:
            refused = client.sendmail("app@example.com", ["bob@example.com"], b"Subject: x\r\n\r\n")
        assert refused == {}

        # Both POP3 ports serve the same store; POP3S verifies with the same CA.
        pop = poplib.POP3(serve.host, serve.ports["pop3"], timeout=TIMEOUT)
        pop.stls(context)
        pop.user("ann@example.com")
        pop.pass_("any")
        assert pop.stat()[0] == 1
        pop.quit()
        pops = poplib.POP3_SSL(serve.host, serve.ports["pop3s"], context=context, timeout=TIMEOUT)
        pops.user("bob@example.com")
        pops.pass_("any")
        assert pops.retr(1)[1] == [b"Subject: x", b""]
        pops.quit()
        assert serve.stop() == 0, str(serve)
    assert serve.stdout[-1] == "stopped"


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.txt"
    path.write_text("# who may log in\n\nann@example.com:secret\n  bob@example.com : pa:ss word\n")
    return path


def test_serve_users_file_makes_login_strict(users_file: Path):
    with Serve(
        "--smtp-port",
        "0",
        "--smtps-port",
        "-1",
        "--pop3-port",
        "0",
        "--pop3s-port",
        "-1",
        "--http-port",
        "-1",
        "--users",
        str(users_file),
    ) as serve:
        serve.wait_ready()
        host, port = serve.host, serve.ports["smtp"]
        for user, password in [
            ("ann@example.com", "wrong"),
            ("ann@example.com", ""),
            ("mallory@example.com", "secret"),  # not declared: strict refuses
        ]:
            with smtplib.SMTP(host, port, timeout=TIMEOUT) as client:
                with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
                    client.login(user, password)
                assert refused.value.smtp_code == 535
        # Right passwords work; everything after the first colon is the password.
        for user, password in [("ann@example.com", "secret"), ("bob@example.com", " pa:ss word")]:
            code, _ = send_raw(host, port, login=(user, password))
            assert code == 250
        # POP3 logins follow the same file.
        for user, password, good in [
            ("mallory@example.com", "secret", False),
            ("ann@example.com", "wrong", False),
            ("bob@example.com", " pa:ss word", True),
        ]:
            pop = poplib.POP3(host, serve.ports["pop3"], timeout=TIMEOUT)
            pop.user(user)
            if good:
                assert pop.pass_(password).startswith(b"+OK")
            else:
                with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
                    pop.pass_(password)
            pop.quit()
        assert serve.stop() == 0, str(serve)


def test_serve_rejects_a_malformed_users_file(tmp_path: Path):
    path = tmp_path / "users.txt"
    path.write_text("ann@example.com:secret\njust-a-name\n")
    result = run_cli(
        "serve", "--smtp-port", "0", "--smtps-port", "-1", "--http-port", "-1", "--users", str(path)
    )
    assert result.returncode == 2, outcome(result)
    assert f"{path}:2: expected address:password" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_a_taken_port_says_so_and_exits_non_zero():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(
            "serve", "--smtp-port", str(port), "--smtps-port", "-1", "--http-port", "-1"
        )
    assert result.returncode == 1, outcome(result)
    assert "cannot start" in result.stderr
    assert str(port) in result.stderr
    assert "in use" in result.stderr
    assert "Traceback" not in result.stderr
    assert "listening" not in result.stdout


# -- send -----------------------------------------------------------------------


def send_args(mailtrap, *args: str, port: int | None = None) -> list[str]:
    port = mailtrap.smtp_port if port is None else port
    return ["send", "--host", mailtrap.host, "--port", str(port), *args]


def test_send_delivers_the_given_subject_and_body(mailtrap):
    result = run_cli(
        *send_args(mailtrap, "--to", "x@example.com", "--subject", "hi", "--body", "text")
    )
    assert result.returncode == 0, outcome(result)
    assert result.stdout.strip() == "sent 'hi' to x@example.com"

    msg = mailtrap.wait_for(to="x@example.com", subject="hi", timeout=5)
    mailtrap.assert_sent(count=1)
    assert msg.recipients == ("x@example.com",)
    assert msg.to == ["x@example.com"]
    assert msg.subject == "hi"
    assert msg.text is not None and msg.text.strip() == "text"
    assert msg.sender and msg.from_ == msg.sender
    assert msg.tls is False


EML = (
    b"From: =?utf-8?q?Gr=C3=BC=C3=9Fe?= <shop@example.com>\r\n"
    b"To: Ann <ann@example.com>\r\n"
    b"Cc: bob@example.org\r\n"
    b"Subject: Exact bytes\r\n"
    b"X-Order: 42\r\n"
    b"\r\n"
    b"Line one.  \r\n"
    b".a line with a leading dot\r\n"
    b"\xc3\xa9t\xc3\xa9 8-bit\r\n"
)


def test_send_file_delivers_its_exact_bytes(mailtrap, tmp_path: Path):
    path = tmp_path / "order.eml"
    path.write_bytes(EML)
    result = run_cli(*send_args(mailtrap, "--file", str(path)))
    assert result.returncode == 0, outcome(result)

    msg = mailtrap.wait_for(subject="Exact bytes", timeout=5)
    assert msg.raw == EML
    # With no --to/--from, the envelope comes from the file's headers.
    assert msg.sender == "shop@example.com"
    assert msg.recipients == ("ann@example.com", "bob@example.org")


def test_send_file_with_to_overrides_the_header_recipients(mailtrap, tmp_path: Path):
    path = tmp_path / "order.eml"
    path.write_bytes(EML)
    result = run_cli(*send_args(mailtrap, "--file", str(path), "--to", "qa@example.net"))
    assert result.returncode == 0, outcome(result)

    msg = mailtrap.wait_for(to="qa@example.net", timeout=5)
    assert msg.recipients == ("qa@example.net",)
    assert msg.raw == EML


def test_send_file_without_any_recipient_is_a_usage_error(mailtrap, tmp_path: Path):
    path = tmp_path / "nobody.eml"
    path.write_bytes(b"Subject: to nobody\r\n\r\nHi\r\n")
    result = run_cli(*send_args(mailtrap, "--file", str(path)))
    assert result.returncode == 2, outcome(result)
    assert "no recipient" in result.stderr
    assert "Traceback" not in result.stderr
    mailtrap.assert_nothing_sent()


def test_send_count_with_attachments(mailtrap):
    result = run_cli(
        *send_args(mailtrap, "--kind", "with_attachments", "--count", "3", "--to", "qa@example.com")
    )
    assert result.returncode == 0, outcome(result)
    assert len(result.stdout.strip().splitlines()) == 3

    messages = mailtrap.wait_for_messages(3, to="qa@example.com", timeout=5)
    mailtrap.assert_sent(count=3)
    assert len({m.message_id for m in messages}) == 3
    for msg in messages:
        assert msg.attachments, msg
        assert all(a.filename and a.size > 0 for a in msg.attachments)


def test_send_starttls_verified_with_cafile(mailtrap):
    result = run_cli(
        *send_args(
            mailtrap,
            *("--starttls", "--cafile", str(mailtrap.ca_path)),
            *("--to", "tls@example.com", "--subject", "secure", "--body", "b"),
        )
    )
    assert result.returncode == 0, outcome(result)

    msg = mailtrap.wait_for(to="tls@example.com", timeout=5)
    assert msg.tls is True
    assert msg.subject == "secure"


def test_send_ssl_verified_with_cafile(mailtrap):
    result = run_cli(
        *send_args(
            mailtrap,
            *("--ssl", "--cafile", str(mailtrap.ca_path), "--to", "tls@example.com"),
            port=mailtrap.smtps_port,
        )
    )
    assert result.returncode == 0, outcome(result)

    msg = mailtrap.wait_for(to="tls@example.com", timeout=5)
    assert msg.tls is True


def test_send_starttls_without_the_ca_fails_verification_clearly(mailtrap):
    result = run_cli(*send_args(mailtrap, "--starttls", "--to", "tls@example.com"))
    assert result.returncode == 1, outcome(result)
    assert "Error: cannot send to" in result.stderr
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr
    assert "Traceback" not in result.stderr
    mailtrap.assert_nothing_sent()


@pytest.mark.mailtrap(users={"ann@example.com": "secret"}, strict=True)
def test_send_login(mailtrap):
    ok = run_cli(
        *send_args(mailtrap, "--user", "ann@example.com", "--password", "secret", "--to", "x@y.z")
    )
    assert ok.returncode == 0, outcome(ok)
    assert mailtrap.wait_for(to="x@y.z", timeout=5).auth_user == "ann@example.com"

    refused = run_cli(
        *send_args(mailtrap, "--user", "ann@example.com", "--password", "nope", "--to", "x@y.z")
    )
    assert refused.returncode == 1, outcome(refused)
    assert "login as 'ann@example.com' refused: 535" in refused.stderr
    assert "Traceback" not in refused.stderr
    mailtrap.assert_sent(count=1)


def test_send_to_a_closed_port_fails_clearly():
    with socket.socket() as bound:  # bound but not listening: connecting is refused
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        result = run_cli("send", "--host", "127.0.0.1", "--port", str(port), "--to", "a@b.c")
    assert result.returncode == 1, outcome(result)
    assert f"Error: cannot send to 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_send_rejects_starttls_with_ssl(mailtrap):
    result = run_cli(*send_args(mailtrap, "--starttls", "--ssl", "--to", "a@b.c"))
    assert result.returncode == 2, outcome(result)
    assert "exclude each other" in result.stderr
    mailtrap.assert_nothing_sent()


@pytest.mark.mailtrap(auth_required=True)
def test_send_refused_by_the_server_shows_its_reply(mailtrap):
    result = run_cli(*send_args(mailtrap, "--to", "a@example.com", "--body", "hi"))
    assert result.returncode == 1, outcome(result)
    assert f"Error: {mailtrap.host}:{mailtrap.smtp_port} refused: 530" in result.stderr
    assert "Traceback" not in result.stderr
    mailtrap.assert_nothing_sent()


def test_serve_reads_back_over_http_and_stops_on_sigterm():
    """The issue's end-to-end: SMTP in, HTTP out, SIGTERM, exit 0."""
    import httpx

    with Serve(
        "--smtp-port",
        "0",
        "--smtps-port",
        "-1",
        "--pop3-port",
        "-1",
        "--pop3s-port",
        "-1",
        "--http-port",
        "0",
    ) as serve:
        serve.wait_ready()
        api = f"http://{serve.host}:{serve.ports['http']}/api/v1"
        code, reply = send_raw(serve.host, serve.ports["smtp"], to="cli@example.com")
        assert code == 250, reply
        with httpx.Client(timeout=TIMEOUT) as client:
            listed = client.get(f"{api}/messages", params={"limit": 5}).json()
            assert listed["total"] == 1
            [summary] = listed["messages"]
            assert summary["recipients"] == ["cli@example.com"]
            assert client.get(f"{api}/health").json()["status"] == "ok"
        assert serve.stop(signal.SIGTERM) == 0, str(serve)
    assert serve.stdout[-1] == "stopped"


# -- faults and policies ----------------------------------------------------------


def test_fault_flags_parse_into_rules():
    from mailtrap_py.cli import parse_faults

    rules = parse_faults(("smtp:RCPT:550:bounce@*", "smtp:DATA:451:times=2"), None)
    assert [r.spec() for r in rules] == ["smtp:RCPT:550:match=bounce@*", "smtp:DATA:451:times=2"]
    chaos = parse_faults((), "7")
    assert [r.probability for r in chaos] == [0.01, 0.1, 0.005, 0.05, 0.05, 0.05]
    assert [r.seed for r in chaos] == [r.seed for r in parse_faults((), "7")]
    assert len(parse_faults((), "random")) == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "smtp:RCPT:250"], "4xx or 5xx"),
        (["--fault", "smtp:RCPT"], "expected [PROTOCOL:]STAGE:ACTION"),
        (["--chaos", "lots"], "not a seed"),
        (["--reject-unknown-users"], "needs --users"),
    ],
)
def test_bad_fault_flags_are_usage_errors(args, message):
    from click.testing import CliRunner

    from mailtrap_py.cli import main

    result = CliRunner().invoke(main, ["serve", *args], env=clean_env())
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_fault_syntax_command_documents_the_syntax():
    result = run_cli("fault-syntax")
    assert result.returncode == 0, outcome(result)
    assert "smtp:RCPT:550:bounce@*" in result.stdout
    assert "times=N" in result.stdout


def test_serve_with_pop3_faults_refuses_as_told():
    args = ["--smtp-port", "0", "--smtps-port", "-1", "--http-port", "-1"]
    args += ["--pop3-port", "0", "--pop3s-port", "-1"]
    args += ["--fault", "pop3:PASS:-ERR:match=ann@*:times=1:text=[SYS/TEMP] Try: later"]
    args += ["--fault", "pop3:RETR:disconnect:times=1"]
    with Serve(*args) as serve:
        serve.wait_ready()
        assert any("pop3:RETR:disconnect:times=1" in line for line in serve.stdout), str(serve)
        send_raw(serve.host, serve.ports["smtp"])
        pop = poplib.POP3(serve.host, serve.ports["pop3"], timeout=TIMEOUT)
        try:
            pop.user("ann@example.com")
            with pytest.raises(poplib.error_proto) as caught:
                pop.pass_("x")
            assert caught.value.args[0] == b"-ERR [SYS/TEMP] Try: later"
            pop.user("ann@example.com")
            pop.pass_("x")
            with pytest.raises((poplib.error_proto, OSError)):
                pop.retr(1)
        finally:
            pop.close()
        assert serve.stop(signal.SIGTERM) == 0, str(serve)
    assert any("fault fired at pop3 RETR" in line for line in serve.stderr), str(serve)


def test_serve_with_faults_and_policies_refuses_as_told():
    args = ["--smtp-port", "0", "--smtps-port", "-1", "--http-port", "-1"]
    args += [
        "--fault",
        "smtp:RCPT:550:bounce@*:text=5.1.1 Gone",
        "--fault",
        "smtp:DATA:451:times=1",
    ]
    args += ["--max-recipients", "2", "--allow-recipient", "*@example.com"]
    with Serve(*args) as serve:
        serve.wait_ready()
        assert any("smtp:RCPT:550:match=bounce@*" in line for line in serve.stdout), str(serve)
        with smtplib.SMTP(serve.host, serve.ports["smtp"], timeout=TIMEOUT) as client:
            client.ehlo()
            client.mail("app@example.com")
            assert client.rcpt("bounce@example.com") == (550, b"5.1.1 Gone")
            assert client.rcpt("eve@evil.test")[0] == 550
            assert client.rcpt("a@example.com")[0] == 250
            assert client.rcpt("b@example.com")[0] == 250
            assert client.rcpt("c@example.com")[0] == 452
            assert client.data(b"Subject: x\r\n\r\nx\r\n")[0] == 451
            client.mail("app@example.com")
            client.rcpt("a@example.com")
            assert client.data(b"Subject: x\r\n\r\nx\r\n")[0] == 250
        assert serve.stop(signal.SIGTERM) == 0, str(serve)
    assert any("fault fired" in line for line in serve.stderr), str(serve)


def test_serve_runs_imap_on_the_shared_store():
    with Serve(
        "--smtp-port",
        "0",
        "--smtps-port",
        "-1",
        "--pop3-port",
        "-1",
        "--pop3s-port",
        "-1",
        "--http-port",
        "-1",
        "--imap-port",
        "0",
        "--imaps-port",
        "0",
        "--catchall-login",
        "all@mailtrap.local",
    ) as serve:
        serve.wait_ready()
        assert {"imap", "imaps"} <= set(serve.ports)
        code, reply = send_raw(serve.host, serve.ports["smtp"], to="cli@example.com")
        assert code == 250, reply
        context = ssl.create_default_context(cafile=serve.ca_path)
        with imaplib.IMAP4_SSL("localhost", serve.ports["imaps"], ssl_context=context) as imap:
            imap.login("all@mailtrap.local", "any")
            assert imap.select("INBOX") == ("OK", [b"1"])
        with imaplib.IMAP4(serve.host, serve.ports["imap"]) as imap:
            imap.login("cli@example.com", "any")
            assert imap.select("INBOX") == ("OK", [b"1"])
