"""Fault rules and recipient policies seen through real clients: smtplib,
aiosmtplib and Django's SMTP backend each get exactly the injected reply."""

from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage

import aiosmtplib
import pytest

from mailtrap_py import MailServer
from mailtrap_py.faults import Rule

RAW = b"Subject: hello\r\nFrom: app@example.com\r\n\r\nbody\r\n"


def make_message(to: str = "ann@example.com", subject: str = "hello") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "app@example.com"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("body\n")
    return msg


def send(mailtrap, to=("ann@example.com",), raw=RAW, sender="app@example.com"):
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10) as client:
        return client.sendmail(sender, list(to), raw)


# -- smtplib: each stage, the exact code and text ------------------------------


def test_rcpt_reject_for_one_address_only(mailtrap):
    rule = mailtrap.faults.reject(
        stage="RCPT", code=550, text="5.1.1 bounce@example.com: no such user", match="bounce@*"
    )
    refused = send(mailtrap, to=["bounce@example.com", "ann@example.com"])
    assert refused == {"bounce@example.com": (550, b"5.1.1 bounce@example.com: no such user")}
    [msg] = mailtrap.messages
    assert msg.recipients == ("ann@example.com",)
    assert rule.fired == 1


def test_rcpt_reject_of_every_recipient_raises_and_captures_nothing(mailtrap):
    mailtrap.faults.reject(stage="RCPT", code=550, match="bounce@example.com")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
        send(mailtrap, to=["bounce@example.com"])
    assert caught.value.recipients == {"bounce@example.com": (550, b"5.1.1 Mailbox unavailable")}
    assert mailtrap.messages == []


def test_mail_reject_by_sender_pattern(mailtrap):
    mailtrap.faults.reject(stage="MAIL", code=553, text="5.7.1 Sender refused", match="/^spam/")
    with pytest.raises(smtplib.SMTPSenderRefused) as caught:
        send(mailtrap, sender="spammer@example.com")
    assert (caught.value.smtp_code, caught.value.smtp_error) == (553, b"5.7.1 Sender refused")
    send(mailtrap, sender="app@example.com")  # another sender goes through
    assert len(mailtrap.messages) == 1


def test_data_reject_is_not_captured(mailtrap):
    mailtrap.faults.reject(stage="DATA", code=554, text="5.6.0 Content refused")
    with pytest.raises(smtplib.SMTPDataError) as caught:
        send(mailtrap)
    assert (caught.value.smtp_code, caught.value.smtp_error) == (554, b"5.6.0 Content refused")
    assert mailtrap.messages == []


def test_data_match_tests_sender_and_recipients(mailtrap):
    mailtrap.faults.reject(stage="DATA", match="vip@example.com")
    send(mailtrap, to=["ann@example.com"])
    with pytest.raises(smtplib.SMTPDataError):
        send(mailtrap, to=["ann@example.com", "vip@example.com"])
    assert len(mailtrap.messages) == 1


def test_fail_twice_then_accept_captures_once(mailtrap):
    rule = mailtrap.faults.fail(stage="DATA", code=451, times=2)
    codes = []
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10) as client:
        for _attempt in range(3):
            try:
                client.sendmail("app@example.com", ["ann@example.com"], RAW)
                codes.append(250)
            except smtplib.SMTPDataError as error:
                codes.append(error.smtp_code)
                assert error.smtp_error == b"4.3.0 Local error in processing, try again later"
    assert codes == [451, 451, 250]
    assert len(mailtrap.messages) == 1
    assert (rule.fired, rule.exhausted) == (2, True)


def test_every_nth_message_fails(mailtrap):
    mailtrap.faults.fail(stage="DATA", every=3)
    outcomes = []
    for _ in range(6):
        try:
            send(mailtrap)
            outcomes.append("ok")
        except smtplib.SMTPDataError:
            outcomes.append("451")
    assert outcomes == ["ok", "ok", "451", "ok", "ok", "451"]
    assert len(mailtrap.messages) == 4


def test_disconnect_mid_data_raises_and_captures_nothing(mailtrap):
    rule = mailtrap.faults.disconnect(stage="DATA")
    client = smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.sendmail("app@example.com", ["ann@example.com"], RAW)
    client.close()
    assert mailtrap.messages == []
    assert rule.fired == 1
    mailtrap.assert_nothing_sent(within=0.2)


def test_delay_is_observed(mailtrap):
    mailtrap.faults.delay(stage="DATA", seconds=0.5)
    started = time.monotonic()
    send(mailtrap)
    took = time.monotonic() - started
    assert 0.45 <= took < 5
    assert len(mailtrap.messages) == 1


def test_delay_then_reject_compose(mailtrap):
    mailtrap.faults.delay(stage="RCPT", seconds=0.3)
    mailtrap.faults.reject(stage="RCPT")
    started = time.monotonic()
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(mailtrap)
    assert time.monotonic() - started >= 0.25


def test_greeting_reject_is_a_connect_error(mailtrap):
    mailtrap.faults.reject(stage="greeting", text="5.3.2 Not accepting mail today")
    with pytest.raises(smtplib.SMTPConnectError) as caught:
        smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10)
    assert (caught.value.smtp_code, caught.value.smtp_error) == (
        554,
        b"5.3.2 Not accepting mail today",
    )


def test_disconnect_at_connect(mailtrap):
    mailtrap.faults.disconnect(stage="connect")
    with pytest.raises(smtplib.SMTPServerDisconnected):
        smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10)


def test_ehlo_rule_covers_helo_too(mailtrap):
    mailtrap.faults.reject(stage="EHLO", code=554, text="5.7.1 Go away")
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10) as client:
        assert client.ehlo() == (554, b"5.7.1 Go away")
        assert client.helo() == (554, b"5.7.1 Go away")


def test_any_other_command_by_name(mailtrap):
    mailtrap.faults.reject(stage="NOOP", code=421, times=1)
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10) as client:
        assert client.noop() == (421, b"4.3.2 Service not available, closing transmission channel")
        # 421 closes the channel (RFC 5321 section 3.8)
        with pytest.raises(smtplib.SMTPServerDisconnected):
            client.noop()


def test_auth_reject_for_one_user(mailtrap):
    rule = mailtrap.faults.reject(stage="AUTH", match="ann@*")
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError) as caught:
            client.login("ann@example.com", "pw")
        assert (caught.value.smtp_code, caught.value.smtp_error) == (
            535,
            b"5.7.8 Authentication credentials invalid",
        )
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10) as client:
        assert client.login("bob@example.com", "pw")[0] == 235
    assert rule.fired == 3  # smtplib tried CRAM-MD5, PLAIN and LOGIN in turn


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_auth_temporary_failure_on_every_mechanism(mailtrap, mechanism):
    mailtrap.faults.fail(stage="AUTH", times=1)
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10) as client:
        client.ehlo()
        client.user, client.password = "ann@example.com", "pw"
        method = getattr(client, "auth_" + mechanism.lower().replace("-", "_"))
        with pytest.raises(smtplib.SMTPAuthenticationError) as caught:
            client.auth(mechanism, method, initial_response_ok=False)
        assert caught.value.smtp_code == 454
        assert client.auth(mechanism, method, initial_response_ok=False)[0] == 235


def test_delay_at_auth(mailtrap):
    mailtrap.faults.delay(stage="AUTH", seconds=0.4)
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10) as client:
        started = time.monotonic()
        assert client.login("ann@example.com", "pw")[0] == 235
        assert time.monotonic() - started >= 0.35


def test_rule_from_a_string(mailtrap):
    rule = mailtrap.faults.add("smtp:RCPT:450:greylisted@*:text=4.2.0 Try later")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
        send(mailtrap, to=["greylisted@example.com"])
    assert caught.value.recipients["greylisted@example.com"] == (450, b"4.2.0 Try later")
    assert rule.fired == 1


def test_exhausted_and_cleared_rules_stop_firing(mailtrap):
    mailtrap.faults.reject(stage="RCPT", times=1)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(mailtrap)
    send(mailtrap)
    mailtrap.faults.reject(stage="RCPT")
    mailtrap.faults.clear()
    send(mailtrap)
    assert len(mailtrap.messages) == 2


def test_throttle_slows_a_large_message(mailtrap):
    big = b"Subject: big\r\n\r\n" + (b"y" * 78 + b"\r\n") * 800  # ~64 KB
    rule = mailtrap.faults.throttle(bytes_per_second=64_000)
    started = time.monotonic()
    send(mailtrap, raw=big)
    slow = time.monotonic() - started
    assert rule.fired == 1
    assert slow >= 0.9  # 64 KB at 64 KB/s is a second
    assert [m.size for m in mailtrap.messages] == [len(big)]


def seeded_run(seed: int) -> list[bool]:
    with MailServer(smtps_port=None, http_port=None) as server:
        server.faults.fail(stage="RCPT", probability=0.5, seed=seed)
        results = []
        with smtplib.SMTP(server.host, server.smtp_port, timeout=10) as client:
            client.ehlo()
            for _ in range(20):
                client.mail("app@example.com")
                results.append(client.rcpt("ann@example.com")[0] == 451)
                client.rset()
        return results


def test_seeded_probability_replays_the_same_sequence():
    first, second = seeded_run(1234), seeded_run(1234)
    assert first == second
    assert 0 < sum(first) < 20  # some fired, some did not
    assert seeded_run(99) != first


def test_rules_from_the_marker_options():
    with MailServer(
        smtps_port=None,
        http_port=None,
        faults=["smtp:RCPT:550:bounce@*", Rule(stage="DATA", code=451, times=1)],
    ) as server:
        with smtplib.SMTP(server.host, server.smtp_port, timeout=10) as client:
            client.ehlo()
            client.mail("a@example.com")
            assert client.rcpt("bounce@x.test") == (550, b"5.1.1 Mailbox unavailable")
            assert client.rcpt("ann@x.test")[0] == 250
            assert client.data(RAW)[0] == 451
        assert server.messages == []
        assert [r.fired for r in server.faults] == [1, 1]


@pytest.mark.mailtrap(faults=["smtp:MAIL:550:times=1:text=5.7.1 Marker says no"])
def test_marker_faults_apply_to_the_tests_server(mailtrap):
    with pytest.raises(smtplib.SMTPSenderRefused) as caught:
        send(mailtrap)
    assert caught.value.smtp_error == b"5.7.1 Marker says no"
    send(mailtrap)
    assert len(mailtrap.messages) == 1


# -- aiosmtplib ------------------------------------------------------------------


@pytest.mark.asyncio
async def test_aiosmtplib_sees_the_rcpt_reject(mailtrap):
    mailtrap.faults.reject(stage="RCPT", code=550, text="5.1.1 Unknown user")
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as caught:
        await aiosmtplib.send(
            make_message(), hostname=mailtrap.host, port=mailtrap.smtp_port, start_tls=False
        )
    [refusal] = caught.value.recipients
    assert (refusal.code, refusal.message, refusal.recipient) == (
        550,
        "5.1.1 Unknown user",
        "ann@example.com",
    )


@pytest.mark.asyncio
async def test_aiosmtplib_sees_the_data_failure_then_succeeds(mailtrap):
    mailtrap.faults.fail(stage="DATA", code=452, text="4.3.1 Disk full", times=1)
    with pytest.raises(aiosmtplib.SMTPDataError) as caught:
        await aiosmtplib.send(
            make_message(), hostname=mailtrap.host, port=mailtrap.smtp_port, start_tls=False
        )
    assert (caught.value.code, caught.value.message) == (452, "4.3.1 Disk full")
    await aiosmtplib.send(
        make_message(), hostname=mailtrap.host, port=mailtrap.smtp_port, start_tls=False
    )
    assert len(mailtrap.messages) == 1


@pytest.mark.asyncio
async def test_aiosmtplib_sees_the_disconnect(mailtrap):
    mailtrap.faults.disconnect(stage="DATA")
    with pytest.raises(aiosmtplib.SMTPServerDisconnected):
        await aiosmtplib.send(
            make_message(), hostname=mailtrap.host, port=mailtrap.smtp_port, start_tls=False
        )
    assert mailtrap.messages == []


# -- Django ------------------------------------------------------------------------


def django_connection(mailtrap):
    from django.conf import settings

    if not settings.configured:
        settings.configure(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
    from django.core.mail import get_connection

    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=mailtrap.host,
        port=mailtrap.smtp_port,
        use_tls=False,
        timeout=10,
        fail_silently=False,
    )


def test_django_sees_the_rcpt_reject(mailtrap):
    from django.core.mail import EmailMessage as DjangoMessage

    mailtrap.faults.reject(stage="RCPT", code=550, text="5.1.1 Bounced", match="bounce@*")
    mail = DjangoMessage(
        "Hi",
        "body",
        "app@example.com",
        ["bounce@example.com"],
        connection=django_connection(mailtrap),
    )
    with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
        mail.send()
    assert caught.value.recipients == {"bounce@example.com": (550, b"5.1.1 Bounced")}
    assert mailtrap.messages == []


def test_django_sees_the_data_failure(mailtrap):
    from django.core.mail import EmailMessage as DjangoMessage

    mailtrap.faults.fail(stage="DATA", code=451, text="4.4.5 Queue full", times=1)
    connection = django_connection(mailtrap)
    mail = DjangoMessage(
        "Hi", "body", "app@example.com", ["ann@example.com"], connection=connection
    )
    with pytest.raises(smtplib.SMTPDataError) as caught:
        mail.send()
    assert (caught.value.smtp_code, caught.value.smtp_error) == (451, b"4.4.5 Queue full")
    assert mail.send() == 1
    assert len(mailtrap.messages) == 1


# -- policies ---------------------------------------------------------------------


@pytest.mark.mailtrap(max_recipients=2)
def test_max_recipients_gets_452_past_the_limit(mailtrap):
    refused = send(mailtrap, to=["a@x.test", "b@x.test", "c@x.test"])
    assert refused == {"c@x.test": (452, b"4.5.3 Too many recipients (at most 2)")}
    assert mailtrap.messages[0].recipients == ("a@x.test", "b@x.test")
    send(mailtrap, to=["c@x.test"])  # the limit is per message
    assert len(mailtrap.messages) == 2


@pytest.mark.mailtrap(allowed_recipients=["*@example.com", "/^ops\\+.*@corp\\.test$/"])
def test_allowed_recipient_patterns(mailtrap):
    refused = send(mailtrap, to=["ann@example.com", "ops+alerts@corp.test", "eve@evil.test"])
    assert refused == {
        "eve@evil.test": (550, b"5.1.1 Recipient address rejected: not allowed here")
    }


@pytest.mark.mailtrap(strict=True, users={"ann@example.com": "pw"}, reject_unknown_users=True)
def test_strict_server_rejects_unknown_users(mailtrap):
    refused = send(mailtrap, to=["ANN@example.com", "nobody@example.com"])
    assert refused == {
        "nobody@example.com": (550, b"5.1.1 Recipient address rejected: user unknown")
    }


def test_reject_unknown_users_needs_strict():
    with pytest.raises(ValueError, match="strict"):
        MailServer(reject_unknown_users=True)


@pytest.mark.mailtrap(greylist=0)
def test_greylisting_with_a_zero_second_wait(mailtrap):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
        send(mailtrap)
    code, text = caught.value.recipients["ann@example.com"]
    assert (code, text[:9]) == (451, b"4.7.1 Gre")
    send(mailtrap)  # the retry passes
    send(mailtrap)  # and so does everything after
    assert len(mailtrap.messages) == 2


def test_greylisting_with_an_injected_clock():
    now = [1000.0]
    with MailServer(smtps_port=None, http_port=None, greylist=300, clock=lambda: now[0]) as server:

        def attempt() -> int:
            with smtplib.SMTP(server.host, server.smtp_port, timeout=10) as client:
                client.ehlo()
                client.mail("app@example.com")
                return client.rcpt("ann@example.com")[0]

        assert attempt() == 451
        now[0] += 299
        assert attempt() == 451  # too soon
        now[0] += 1
        assert attempt() == 250
        now[0] += 10_000
        assert attempt() == 250  # remembered


def test_an_address_rule_ignores_who_is_logged_in(mailtrap):
    mailtrap.faults.reject(stage="RCPT", match="ann@*")
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10) as client:
        client.login("ann@example.com", "pw")
        assert client.sendmail("ann@example.com", ["bob@example.com"], RAW) == {}
    assert mailtrap.messages[0].auth_user == "ann@example.com"


def test_a_command_rule_can_match_the_logged_in_user(mailtrap):
    mailtrap.faults.reject(stage="NOOP", code=502, text="5.5.1 Not for you", match="ann@*")
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10) as client:
        assert client.noop()[0] == 250
        client.login("ann@example.com", "pw")
        assert client.noop() == (502, b"5.5.1 Not for you")
