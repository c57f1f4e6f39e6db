"""The pytest plugin, tested as users meet it: through pytest itself (pytester)."""

from __future__ import annotations

import socket

import pytest

pytest_plugins = ["pytester"]

SEND = """
import smtplib

def send(mailtrap, to="ann@example.com", subject="Welcome", body="hi"):
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port) as client:
        client.sendmail(
            "app@example.com", [to], f"Subject: {subject}\\r\\nTo: {to}\\r\\n\\r\\n{body}\\r\\n"
        )
"""


INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
"""


@pytest.fixture(autouse=True)
def _inner_pytest(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # pytest-asyncio warns in every inner run whose ini does not set this.
    pytester.makeini(INI)
    # When this suite itself runs under xdist, inner in-process runs must not
    # believe they are a worker too (the plugin offsets fixed ports by worker).
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_fixtures_work_without_any_conftest(pytester: pytest.Pytester):
    pytester.makepyfile(
        SEND
        + """
def test_welcome(mailtrap):
    send(mailtrap, body="Confirm: https://example.com/confirm/xyz")
    msg = mailtrap.wait_for(to="ann@example.com", subject="Welcome", timeout=5)
    assert msg.links[0].startswith("https://example.com/confirm/")
    mailtrap.assert_sent(count=1)
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_each_test_starts_empty(pytester: pytest.Pytester):
    pytester.makepyfile(
        SEND
        + """
def test_first(mailtrap):
    send(mailtrap)
    assert len(mailtrap.messages) == 1

def test_second(mailtrap):
    assert mailtrap.messages == []
    send(mailtrap)
    mailtrap.assert_sent(count=1)
"""
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_a_failed_wait_says_what_was_expected_and_what_arrived(pytester: pytest.Pytester):
    pytester.makepyfile(
        SEND
        + """
def test_wrong_recipient(mailtrap):
    send(mailtrap, to="bob@example.com", subject="Hello Bob")
    mailtrap.wait_for(to="ann@example.com", subject="Welcome", timeout=0.05)
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*MailTimeout: Timed out after 0.05s waiting for a message where "
            "to == 'ann@example.com' and subject contains 'Welcome'.",
            "*1 message(s) arrived:",
            "*1. from app@example.com to bob@example.com: 'Hello Bob'",
            "*Captured mail (mailtrap)*",
        ]
    )


def test_assert_sent_and_assert_nothing_sent_explain_failures(pytester: pytest.Pytester):
    pytester.makepyfile(
        SEND
        + """
import re

def test_count(mailtrap):
    send(mailtrap, subject="one")
    send(mailtrap, subject="two")
    mailtrap.assert_sent(count=1, subject=re.compile("^(one|two)$"))

def test_none_expected(mailtrap):
    send(mailtrap, to="leak@example.com", subject="oops")
    mailtrap.assert_nothing_sent(to="leak@example.com")

def test_passes(mailtrap):
    mailtrap.assert_nothing_sent(within=0.05)
    send(mailtrap, subject="x")
    found = mailtrap.assert_sent(subject="x", to="ann@example.com")
    assert [m.subject for m in found] == ["x"]
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=2, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*Expected 1 message(s) where subject matches /^(one|two)$/, found 2.",
            "*Expected no message where to == 'leak@example.com', but one arrived: "
            "from app@example.com to leak@example.com: 'oops'",
        ]
    )


def test_new_address_is_unique_and_names_the_test(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
def test_signup_flow(mailtrap):
    a, b = mailtrap.new_address(), mailtrap.new_address()
    assert a != b
    assert a.startswith("test-signup-flow.") and a.endswith("@example.com")
    assert mailtrap.new_address("Ann Lee", domain="corp.test").startswith("ann-lee.")
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_marker_gives_the_test_its_own_server(pytester: pytest.Pytester):
    pytester.makepyfile(
        SEND
        + """
import smtplib
import pytest

ports = {}

def test_session_server(mailtrap, mailtrap_server):
    ports["session"] = mailtrap.smtp_port
    assert mailtrap.server is mailtrap_server

@pytest.mark.mailtrap(auth_required=True, users={"ann@example.com": "pw"}, strict=True)
def test_own_server(mailtrap):
    assert mailtrap.smtp_port != ports["session"]
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port) as client:
        client.ehlo()
        assert client.mail("a@example.com")[0] == 530
        client.login("ann@example.com", "pw")
        client.sendmail("a@example.com", ["b@example.com"], "Subject: s\\r\\n\\r\\n.")
    assert mailtrap.wait_for(subject="s").auth_user == "ann@example.com"
"""
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_ini_timeout_and_command_line_port(pytester: pytest.Pytester):
    port = free_port()
    pytester.makeini(INI + "mailtrap_timeout = 0.05\n")
    pytester.makepyfile(
        f"""
def test_port(mailtrap):
    assert mailtrap.smtp_port == {port}

def test_timeout(mailtrap):
    mailtrap.wait_for(to="nobody@example.com")
"""
    )
    result = pytester.runpytest(f"--mailtrap-smtp-port={port}", "--mailtrap-smtps-port=0")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*Timed out after 0.05s*"])


def test_pop3_ports_from_ini_and_command_line(pytester: pytest.Pytester):
    pop3, pop3s = free_port(), free_port()
    pytester.makeini(INI + f"mailtrap_pop3_port = {pop3}\n")
    pytester.makepyfile(
        SEND
        + f"""
import poplib

def test_pop3(mailtrap):
    assert (mailtrap.pop3_port, mailtrap.pop3s_port) == ({pop3}, {pop3s})
    send(mailtrap, subject="over pop3")
    client = poplib.POP3_SSL(
        mailtrap.host, mailtrap.pop3s_port, context=mailtrap.client_ssl_context()
    )
    client.user("ann@example.com")
    client.pass_("any")
    assert b"Subject: over pop3" in client.retr(1)[1]
    client.quit()
"""
    )
    result = pytester.runpytest(f"--mailtrap-pop3s-port={pop3s}")
    result.assert_outcomes(passed=1)


def test_xdist_gives_each_worker_its_own_server(pytester: pytest.Pytester):
    base = free_port()
    pytester.makepyfile(
        SEND
        + "".join(
            f"""
def test_{i}(mailtrap):
    import os
    worker = int(os.environ["PYTEST_XDIST_WORKER"][2:])
    assert mailtrap.smtp_port == {base} + 100 * worker
    send(mailtrap, subject="t{i}")
    assert [m.subject for m in mailtrap.messages] == ["t{i}"]
"""
            for i in range(6)
        )
    )
    result = pytester.runpytest_subprocess("-n", "2", f"--mailtrap-smtp-port={base}")
    result.assert_outcomes(passed=6)


def test_async_tests_wait_without_blocking_their_loop(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
import asyncio
import aiosmtplib
import pytest

@pytest.mark.asyncio
async def test_async(mailtrap):
    waiter = asyncio.ensure_future(mailtrap.wait_for_async(subject="async", timeout=5))
    await aiosmtplib.send(
        b"Subject: async\\r\\n\\r\\nhi\\r\\n", sender="a@example.com",
        recipients=["b@example.com"], hostname=mailtrap.host,
        port=mailtrap.smtp_port, start_tls=False,
    )
    assert (await waiter).recipients == ("b@example.com",)
    both = await mailtrap.wait_for_messages_async(1, to="b@example.com")
    assert len(both) == 1
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_fake_email_is_repeatable_per_test(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
import os

def test_make(fake_email):
    msg = fake_email.with_attachments()
    with open(os.environ["OUT"], "ab") as out:
        out.write(bytes(msg) + b"\\n=====\\n")
"""
    )
    outputs = []
    for run in range(2):
        out = pytester.path / f"run{run}.eml"
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("OUT", str(out))
            pytester.runpytest().assert_outcomes(passed=1)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert b"Content-Disposition: attachment" in outputs[0]


def test_marker_without_keywords_is_a_usage_error(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
import pytest

@pytest.mark.mailtrap("oops")
def test_bad(mailtrap):
    pass
"""
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*keyword options only*"])


def test_fault_rules_end_with_their_test_and_the_marker_takes_them(pytester: pytest.Pytester):
    pytester.makepyfile(
        SEND
        + """
import smtplib

import pytest

from mailtrap_py.faults import Rule


def test_a_rule_that_would_break_the_next_test(mailtrap):
    mailtrap.faults.reject(stage="RCPT")
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(mailtrap)


def test_next_test_sends_freely(mailtrap):
    assert len(mailtrap.faults) == 0
    send(mailtrap)
    mailtrap.assert_sent(count=1)


@pytest.mark.mailtrap(faults=["smtp:RCPT:550:bounce@*", Rule(stage="DATA", code=452, times=1)])
def test_marker_rules(mailtrap):
    assert [r.spec() for r in mailtrap.faults] == [
        "smtp:RCPT:550:match=bounce@*",
        "smtp:DATA:452:times=1",
    ]
    with pytest.raises(smtplib.SMTPDataError):
        send(mailtrap)
    send(mailtrap)
    mailtrap.assert_sent(count=1)
"""
    )
    pytester.runpytest().assert_outcomes(passed=3)
