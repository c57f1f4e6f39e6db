"""curl's POP3 client: LIST, RETR and DELE, plain, STLS, POP3S, and its logins.

curl writes a retrieved message to stdout as the server sent it, minus the
dot-stuffing and the terminating line: the right client to prove RETR is exact.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest

from .pop3_helpers import deliver, maildrop, transcript, tricky

pytestmark = pytest.mark.interop

Run = Callable[..., subprocess.CompletedProcess[str]]
USERS = {"ann@example.com": "secret"}


def curl_pop3(curl: str, url: str, *args: str, user: str = "ann@example.com:any") -> list[str]:
    argv = [curl, "--silent", "--show-error", "--verbose", "--max-time", "20"]
    return [*argv, "--user", user, url, *args]


def pop3_url(mailtrap, path: str = "", host: str | None = None) -> str:
    return f"pop3://{host or mailtrap.host}:{mailtrap.pop3_port}/{path}"


def pop3s_url(mailtrap, path: str = "") -> str:
    return f"pop3s://localhost:{mailtrap.pop3s_port}/{path}"


def retrieve(argv: list[str]) -> tuple[subprocess.CompletedProcess[bytes], bytes]:
    result = subprocess.run(argv, capture_output=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result, result.stdout


def test_list_shows_every_message_with_its_size(curl, run: Run, mailtrap):
    first, second = tricky("one"), tricky("two-longer")
    deliver(mailtrap, first)
    deliver(mailtrap, second)
    result = run(*curl_pop3(curl, pop3_url(mailtrap)))
    assert result.returncode == 0, transcript(result)
    assert result.stdout.splitlines() == [f"1 {len(first)}", f"2 {len(second)}"]


def test_retr_is_byte_exact(curl, mailtrap):
    raw = tricky("exact")
    deliver(mailtrap, raw)
    _, body = retrieve(curl_pop3(curl, pop3_url(mailtrap, "1")))
    assert body == raw
    assert maildrop(mailtrap) == [raw]  # RETR alone deletes nothing


def test_dele_removes_the_message_on_the_server(curl, run: Run, mailtrap):
    keep, doomed = tricky("keep"), tricky("doomed")
    deliver(mailtrap, doomed)
    deliver(mailtrap, keep)
    # -I: DELE has a one-line answer, no body to transfer.
    result = run(*curl_pop3(curl, pop3_url(mailtrap, "1"), "--request", "DELE", "-I"))
    assert result.returncode == 0, transcript(result)
    assert "> DELE 1" in result.stderr
    assert "< +OK Message 1 deleted." in result.stderr
    assert maildrop(mailtrap) == [keep]
    # The capture log still has both.
    assert len(mailtrap.messages) == 2
    listing = run(*curl_pop3(curl, pop3_url(mailtrap)))
    assert listing.stdout.splitlines() == [f"1 {len(keep)}"]


def test_retr_of_a_missing_message_fails(curl, run: Run, mailtrap):
    result = run(*curl_pop3(curl, pop3_url(mailtrap, "7")))
    assert result.returncode != 0, transcript(result)
    assert "< -ERR No such message: 7" in result.stderr


def test_stls_required_and_verified(curl, mailtrap):
    raw = tricky("stls")
    deliver(mailtrap, raw)
    url = pop3_url(mailtrap, "1", host="localhost")
    argv = curl_pop3(curl, url, "--ssl-reqd", "--cacert", str(mailtrap.ca_path))
    result, body = retrieve(argv)
    assert body == raw
    stderr = result.stderr.decode()
    assert "> STLS" in stderr
    assert "SSL certificate verify ok" in stderr


def test_stls_without_the_ca_is_refused_by_curl(curl, run: Run, mailtrap):
    result = run(*curl_pop3(curl, pop3_url(mailtrap, host="localhost"), "--ssl-reqd"))
    assert result.returncode == 60, transcript(result)  # CURLE_PEER_FAILED_VERIFICATION


def test_pop3s_verified(curl, mailtrap):
    raw = tricky("pop3s")
    deliver(mailtrap, raw)
    result, body = retrieve(
        curl_pop3(curl, pop3s_url(mailtrap, "1"), "--cacert", str(mailtrap.ca_path))
    )
    assert body == raw
    assert "SSL certificate verify ok" in result.stderr.decode()


@pytest.mark.mailtrap(users=USERS, strict=True)
@pytest.mark.parametrize("login", [None, "AUTH=PLAIN", "AUTH=LOGIN", "AUTH=CRAM-MD5", "AUTH=+APOP"])
def test_logins_of_a_declared_user(curl, run: Run, mailtrap, login):
    # None: curl picks (SASL, strongest first); +APOP: RFC 1939 APOP; the others
    # force one SASL mechanism (RFC 5034 AUTH).
    deliver(mailtrap, tricky("login"))
    options = ["--login-options", login] if login else []
    good = run(*curl_pop3(curl, pop3_url(mailtrap), *options, user="ann@example.com:secret"))
    assert good.returncode == 0, transcript(good)
    assert good.stdout.splitlines() == [f"1 {len(tricky('login'))}"]
    assert "+OK Logged in" in good.stderr
    bad = run(*curl_pop3(curl, pop3_url(mailtrap), *options, user="ann@example.com:wrong"))
    assert bad.returncode == 67, transcript(bad)  # CURLE_LOGIN_DENIED
    assert "-ERR [AUTH]" in bad.stderr
