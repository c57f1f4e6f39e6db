"""curl's SMTP client against the `mailtrap` fixture.

curl uploads a file as the message as it is (no headers added, no line endings
changed), which makes it the right client to prove byte-exact capture.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.interop

Run = Callable[..., subprocess.CompletedProcess[str]]

USERS = {"ann@example.com": "secret"}

# CRLF line endings as on the wire; a dot-led line and a double-dot line (curl
# dot-stuffs them, the server must unstuff them); trailing whitespace; 8-bit text.
EML = (
    "From: Shop <shop@example.com>\r\n"
    "To: Ann <ann@example.com>\r\n"
    "Subject: Your order\r\n"
    "Message-ID: <order-42@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Thanks for your order.  \r\n"
    ".hidden? no: a line that starts with a dot\r\n"
    "..and one with two\r\n"
    ".\r\n"
    "Grüße, the shop\r\n"
).encode()


def transcript(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stderr\n{result.stderr}\n--- stdout\n{result.stdout}"


def assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, transcript(result)


@pytest.fixture
def eml(tmp_path: Path) -> Path:
    path = tmp_path / "order.eml"
    path.write_bytes(EML)
    return path


def curl_argv(curl: str, url: str, eml: Path, *args: str, rcpts=("ann@example.com",)) -> list[str]:
    argv = [curl, "--silent", "--show-error", "--verbose", "--max-time", "20", url]
    argv += ["--mail-from", "shop@example.com"]
    for rcpt in rcpts:
        argv += ["--mail-rcpt", rcpt]
    return [*argv, "--upload-file", str(eml), *args]


def smtp_url(mailtrap) -> str:
    return f"smtp://{mailtrap.host}:{mailtrap.smtp_port}"


def smtps_url(mailtrap, host: str | None = None) -> str:
    return f"smtps://{host or mailtrap.host}:{mailtrap.smtps_port}"


def test_uploaded_eml_is_captured_byte_for_byte(curl, run: Run, mailtrap, eml):
    assert_ok(run(*curl_argv(curl, smtp_url(mailtrap), eml)))

    msg = mailtrap.wait_for(to="ann@example.com", timeout=5)
    assert msg.raw == EML
    assert msg.sender == "shop@example.com"
    assert msg.recipients == ("ann@example.com",)
    assert msg.subject == "Your order"
    assert msg.message_id == "<order-42@example.com>"
    assert msg.text is not None and "Grüße, the shop" in msg.text
    assert msg.tls is False
    mailtrap.assert_sent(count=1)


def test_every_mail_rcpt_is_in_the_envelope(curl, run: Run, mailtrap, eml):
    rcpts = ("ann@example.com", "bob@example.org", "hidden@example.net")
    assert_ok(run(*curl_argv(curl, smtp_url(mailtrap), eml, rcpts=rcpts)))

    msg = mailtrap.wait_for(to="hidden@example.net", timeout=5)
    assert msg.recipients == rcpts
    assert msg.raw == EML
    # Envelope-only recipients are the message's Bcc.
    assert msg.bcc == ["bob@example.org", "hidden@example.net"]
    mailtrap.assert_sent(count=1)


def test_starttls_required_and_verified(curl, run: Run, mailtrap, eml):
    result = run(
        *curl_argv(curl, smtp_url(mailtrap), eml, "--ssl-reqd", "--cacert", str(mailtrap.ca_path))
    )
    assert_ok(result)
    assert "> STARTTLS" in result.stderr
    assert "SSL certificate verify ok" in result.stderr

    msg = mailtrap.wait_for(to="ann@example.com", timeout=5)
    assert msg.tls is True
    assert msg.raw == EML


def test_starttls_without_the_ca_is_refused_by_curl(curl, run: Run, mailtrap, eml):
    # The positive case above is verification, not just encryption: without the
    # CA, curl refuses the certificate (exit 60) and nothing is sent.
    result = run(*curl_argv(curl, smtp_url(mailtrap), eml, "--ssl-reqd"))
    assert result.returncode == 60, transcript(result)
    mailtrap.assert_nothing_sent()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_smtps_verified(curl, run: Run, mailtrap, eml, host):
    # The certificate names both the address and the name a client may use.
    result = run(
        *curl_argv(curl, smtps_url(mailtrap, host), eml, "--cacert", str(mailtrap.ca_path))
    )
    assert_ok(result)
    assert "SSL certificate verify ok" in result.stderr

    msg = mailtrap.wait_for(to="ann@example.com", timeout=5)
    assert msg.tls is True
    assert msg.raw == EML


def test_auth_catch_all_accepts_any_user(curl, run: Run, mailtrap, eml):
    result = run(*curl_argv(curl, smtp_url(mailtrap), eml, "--user", "dev@example.com:anything"))
    assert_ok(result)

    msg = mailtrap.wait_for(to="ann@example.com", timeout=5)
    assert msg.auth_user == "dev@example.com"


@pytest.mark.mailtrap(users=USERS, strict=True)
@pytest.mark.parametrize("mechanism", [None, "PLAIN", "LOGIN", "CRAM-MD5"])
def test_auth_declared_user(curl, run: Run, mailtrap, eml, mechanism):
    # None: curl picks the mechanism itself (it prefers CRAM-MD5 over LOGIN/PLAIN).
    options = ["--login-options", f"AUTH={mechanism}"] if mechanism else []
    result = run(
        *curl_argv(curl, smtp_url(mailtrap), eml, "--user", "ann@example.com:secret", *options)
    )
    assert_ok(result)
    assert f"> AUTH {mechanism or ''}" in result.stderr

    msg = mailtrap.wait_for(to="ann@example.com", timeout=5)
    assert msg.auth_user == "ann@example.com"
    assert msg.raw == EML


@pytest.mark.mailtrap(users=USERS, strict=True)
def test_auth_over_smtps_with_a_wrong_password_is_refused(curl, run: Run, mailtrap, eml):
    result = run(
        *curl_argv(
            curl,
            smtps_url(mailtrap),
            eml,
            "--cacert",
            str(mailtrap.ca_path),
            "--user",
            "ann@example.com:wrong",
        )
    )
    assert result.returncode == 67, transcript(result)  # CURLE_LOGIN_DENIED
    assert "< 535 " in result.stderr
    mailtrap.assert_nothing_sent()
