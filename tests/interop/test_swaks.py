"""swaks, the SMTP test client admins reach for, against the `mailtrap` fixture.

Every case checks both sides: swaks' exit code (with its transcript in the
failure message) and what the server captured.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable

import pytest

pytestmark = pytest.mark.interop

Run = Callable[..., subprocess.CompletedProcess[str]]

SENDER = "app@example.com"
USERS = {"ann@example.com": "secret"}
MECHANISMS = ["PLAIN", "LOGIN", "CRAM-MD5"]


def swaks_argv(
    swaks: str, mailtrap, *args: str, port: int | None = None, to: str = ""
) -> list[str]:
    return [
        swaks,
        "--server",
        mailtrap.host,
        "--port",
        str(mailtrap.smtp_port if port is None else port),
        "--from",
        SENDER,
        "--to",
        to or "ann@example.com",
        "--timeout",
        "20",
        *args,
    ]


def transcript(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, transcript(result)


# -- the house rule the interop tests run under ---------------------------------


def test_missing_tool_skips_locally_but_fails_in_ci(require_tool, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-mail-client is not installed"):
        require_tool("no-such-mail-client")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="in CI a missing program is a failure"):
        require_tool("no-such-mail-client")


def test_require_tool_returns_the_path_of_an_installed_tool(require_tool, swaks):
    assert require_tool("swaks") == swaks
    assert swaks.endswith("/swaks")


# -- plain delivery -------------------------------------------------------------


def test_plain_send_with_custom_header_and_body(swaks, run: Run, mailtrap):
    ann, bob = mailtrap.new_address("ann"), mailtrap.new_address("bob")
    result = run(
        *swaks_argv(
            swaks,
            mailtrap,
            "--header",
            "Subject: Interop hello",
            "--header",
            "X-Campaign: spring-launch",
            "--body",
            "Hello from swaks\nSecond line.\n.starts with a dot",
            to=f"{ann},{bob}",
        )
    )
    assert_ok(result)
    assert "250 2.0.0 OK: queued as" in result.stdout

    msg = mailtrap.wait_for(to=bob, subject="Interop hello", timeout=5)
    mailtrap.assert_sent(count=1)
    assert msg.sender == SENDER
    assert msg.recipients == (ann, bob)
    assert msg.subject == "Interop hello"
    assert msg.headers["X-Campaign"] == "spring-launch"
    assert msg.headers["X-Mailer"].startswith("swaks")
    assert msg.text is not None
    assert msg.text.splitlines()[:3] == ["Hello from swaks", "Second line.", ".starts with a dot"]
    # swaks dot-stuffed the line ("..starts"); the server keeps the original bytes.
    assert b"\r\n.starts with a dot\r\n" in msg.raw
    assert b"\r\n..starts" not in msg.raw
    assert msg.tls is False
    assert msg.auth_user is None


def test_pipelined_commands_are_answered_in_order(swaks, run: Run, mailtrap):
    ann, bob = mailtrap.new_address("ann"), mailtrap.new_address("bob")
    result = run(*swaks_argv(swaks, mailtrap, "--pipeline", to=f"{ann},{bob}"))
    assert_ok(result)
    # swaks really pipelined: MAIL, both RCPTs and DATA went out before any reply.
    lines = [line.strip() for line in result.stdout.splitlines()]
    mail = next(i for i, line in enumerate(lines) if line.startswith("-> MAIL FROM"))
    assert [line.split(":")[0] for line in lines[mail : mail + 4]] == [
        "-> MAIL FROM",
        "-> RCPT TO",
        "-> RCPT TO",
        "-> DATA",
    ], transcript(result)
    assert lines[mail + 4 : mail + 8] == ["<-  250 OK"] * 3 + [
        "<-  354 End data with <CR><LF>.<CR><LF>"
    ], transcript(result)

    msg = mailtrap.wait_for(to=ann, timeout=5)
    assert msg.recipients == (ann, bob)
    mailtrap.assert_sent(count=1)


def test_attachment_bytes_arrive_unchanged(swaks, run: Run, mailtrap, tmp_path):
    payload = bytes(range(256)) * 16 + b"\r\n.\r\n\x00end"  # every byte value, a lone dot
    path = tmp_path / "report.bin"
    path.write_bytes(payload)
    result = run(
        *swaks_argv(
            swaks,
            mailtrap,
            "--body",
            "Report attached.",
            "--attach-type",
            "application/octet-stream",
            "--attach",
            f"@{path}",
        )
    )
    assert_ok(result)

    msg = mailtrap.wait_for(has_attachment=True, timeout=5)
    assert msg.text is not None and msg.text.startswith("Report attached.")
    [attachment] = msg.attachments
    assert attachment.filename == "report.bin"
    assert attachment.content_type == "application/octet-stream"
    assert attachment.inline is False
    assert attachment.size == len(payload)
    assert attachment.content == payload


# -- TLS ------------------------------------------------------------------------


def test_starttls_verified_against_the_exposed_ca(swaks_tls, run: Run, mailtrap):
    result = run(
        *swaks_argv(
            swaks_tls, mailtrap, "--tls", "--tls-verify", "--tls-ca-path", str(mailtrap.ca_path)
        )
    )
    assert_ok(result)
    assert "=== TLS started" in result.stdout
    assert " ~> MAIL FROM" in result.stdout  # the envelope went over the TLS session

    msg = mailtrap.wait_for(to="ann@example.com", timeout=5)
    assert msg.tls is True
    assert msg.sender == SENDER


def test_starttls_verification_really_checks_the_certificate(swaks_tls, run: Run, mailtrap):
    # Without the CA, --tls-verify must refuse the server: proof that the test
    # above verifies rather than merely encrypts.
    result = run(*swaks_argv(swaks_tls, mailtrap, "--tls", "--tls-verify"))
    assert result.returncode != 0, transcript(result)
    assert "certificate verify failed" in result.stdout + result.stderr, transcript(result)
    mailtrap.assert_nothing_sent()


def test_smtps_verified_against_the_exposed_ca(swaks_tls, run: Run, mailtrap):
    result = run(
        *swaks_argv(
            swaks_tls,
            mailtrap,
            "--tls-on-connect",
            "--tls-verify",
            "--tls-ca-path",
            str(mailtrap.ca_path),
            port=mailtrap.smtps_port,
        )
    )
    assert_ok(result)
    # TLS came first: the greeting itself was read over TLS.
    assert re.search(r"=== TLS started.*<~  220 ", result.stdout, re.DOTALL), transcript(result)

    msg = mailtrap.wait_for(to="ann@example.com", timeout=5)
    assert msg.tls is True


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_auth_over_smtps(swaks_tls, run: Run, mailtrap, mechanism):
    # AUTH must be offered on the implicit-TLS port too (aiosmtpd's known trap).
    result = run(
        *swaks_argv(
            swaks_tls,
            mailtrap,
            "--tls-on-connect",
            "--tls-verify",
            "--tls-ca-path",
            str(mailtrap.ca_path),
            *("-a", mechanism, "-au", "carol@example.com", "-ap", "any"),
            port=mailtrap.smtps_port,
        )
    )
    assert_ok(result)
    msg = mailtrap.wait_for(to="ann@example.com", timeout=5)
    assert msg.tls is True
    assert msg.auth_user == "carol@example.com"


# -- AUTH -----------------------------------------------------------------------


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_auth_catch_all_accepts_any_login(swaks, run: Run, mailtrap, mechanism):
    result = run(
        *swaks_argv(swaks, mailtrap, "-a", mechanism, "-au", "dev@example.com", "-ap", "whatever")
    )
    assert_ok(result)
    assert "235 2.7.0 Authentication successful" in result.stdout

    msg = mailtrap.wait_for(to="ann@example.com", timeout=5)
    assert msg.auth_user == "dev@example.com"


@pytest.mark.mailtrap(users=USERS, strict=True)
@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_auth_declared_user_with_right_password(swaks, run: Run, mailtrap, mechanism):
    result = run(
        *swaks_argv(swaks, mailtrap, "-a", mechanism, "-au", "ann@example.com", "-ap", "secret")
    )
    assert_ok(result)

    msg = mailtrap.wait_for(to="ann@example.com", timeout=5)
    assert msg.auth_user == "ann@example.com"
    mailtrap.assert_sent(count=1)


@pytest.mark.mailtrap(users=USERS, strict=True)
@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_auth_wrong_password_is_rejected(swaks, run: Run, mailtrap, mechanism):
    result = run(
        *swaks_argv(swaks, mailtrap, "-a", mechanism, "-au", "ann@example.com", "-ap", "wrong")
    )
    assert result.returncode != 0, transcript(result)
    assert re.search(r"^<\S*\s+535 ", result.stdout, re.MULTILINE), transcript(result)
    assert "-> MAIL FROM" not in result.stdout
    mailtrap.assert_nothing_sent()
    assert mailtrap.messages == []


@pytest.mark.mailtrap(users=USERS, strict=True)
def test_auth_unknown_user_is_rejected_in_strict_mode(swaks, run: Run, mailtrap):
    result = run(
        *swaks_argv(swaks, mailtrap, "-a", "PLAIN", "-au", "mallory@example.com", "-ap", "secret")
    )
    assert result.returncode != 0, transcript(result)
    assert mailtrap.messages == []
