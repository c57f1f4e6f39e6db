"""SMTP capture seen through real clients: smtplib, aiosmtplib and Django's backend."""

from __future__ import annotations

import hmac
import smtplib
import ssl
from email.message import EmailMessage

import aiosmtplib
import pytest

from mailtrap_py import MailServer


def make_message(to: str = "ann@example.com", subject: str = "Welcome") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "App <noreply@example.com>"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("Confirm: https://example.com/confirm/abc123\n")
    return msg


def ehlo_extensions(client: smtplib.SMTP) -> dict[str, str]:
    code, _ = client.ehlo()
    assert code == 250
    return dict(client.esmtp_features)


def test_ehlo_advertises_what_the_issue_promises(mailtrap):
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port) as client:
        features = ehlo_extensions(client)
    assert features["size"] == str(32 * 1024 * 1024)
    for name in ("8bitmime", "smtputf8", "pipelining", "starttls"):
        assert name in features, name
    assert set(features["auth"].split()) == {"PLAIN", "LOGIN", "CRAM-MD5"}


def test_greeting_names_the_server_without_a_dns_lookup(mailtrap):
    with smtplib.SMTP() as client:
        code, banner = client.connect(mailtrap.host, mailtrap.smtp_port)
    assert code == 220
    assert banner.startswith(b"localhost mailtrap-py")


def test_plain_send_is_captured_with_its_envelope(mailtrap):
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port) as client:
        client.send_message(make_message(), to_addrs=["ann@example.com", "hidden@example.com"])
        local_port = client.sock.getsockname()[1]
    msg = mailtrap.wait_for(to="ann@example.com", subject="Welcome")
    assert msg.sender == "noreply@example.com"
    assert msg.recipients == ("ann@example.com", "hidden@example.com")
    assert msg.bcc == ["hidden@example.com"]
    assert msg.peer == f"127.0.0.1:{local_port}"
    assert msg.auth_user is None
    assert msg.tls is False
    assert msg.links == ["https://example.com/confirm/abc123"]


def test_250_reply_names_the_captured_id(mailtrap):
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port) as client:
        client.ehlo()
        client.mail("a@example.com")
        client.rcpt("b@example.com")
        code, reply = client.data(b"Subject: id\r\n\r\nx\r\n")
    assert code == 250
    [msg] = mailtrap.messages
    assert reply.decode().endswith(f"queued as {msg.id}")


def test_starttls_verifies_against_the_exposed_ca(mailtrap):
    context = ssl.create_default_context(cafile=str(mailtrap.ca_path))
    with smtplib.SMTP("localhost", mailtrap.smtp_port) as client:
        client.starttls(context=context)
        features = ehlo_extensions(client)
        client.send_message(make_message(subject="over tls"))
    assert "starttls" not in features  # not offered twice
    assert mailtrap.wait_for(subject="over tls").tls is True


def test_starttls_with_ca_pem_bytes(mailtrap):
    context = ssl.create_default_context(cadata=mailtrap.ca_pem.decode())
    with smtplib.SMTP("127.0.0.1", mailtrap.smtp_port) as client:
        client.starttls(context=context)
        client.send_message(make_message(subject="pem"))
    assert mailtrap.wait_for(subject="pem").tls


def test_a_client_that_does_not_trust_the_ca_is_refused_by_its_own_check(mailtrap):
    with (
        smtplib.SMTP("localhost", mailtrap.smtp_port) as client,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        client.starttls(context=ssl.create_default_context())


def test_smtps_implicit_tls_offers_auth_and_no_starttls(mailtrap):
    with smtplib.SMTP_SSL(
        "localhost", mailtrap.smtps_port, context=mailtrap.client_ssl_context()
    ) as client:
        features = ehlo_extensions(client)
        client.login("ann@example.com", "anything")
        client.send_message(make_message(subject="smtps"))
    assert "starttls" not in features
    assert "auth" in features
    msg = mailtrap.wait_for(subject="smtps")
    assert msg.tls is True
    assert msg.auth_user == "ann@example.com"


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_each_auth_mechanism_accepts_any_password_by_default(mailtrap, mechanism):
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port) as client:
        client.ehlo()
        client.user, client.password = "ann@example.com", "whatever"
        method = {
            "PLAIN": client.auth_plain,
            "LOGIN": client.auth_login,
            "CRAM-MD5": client.auth_cram_md5,
        }[mechanism]
        code, _ = client.auth(mechanism, method)
        assert code == 235
        client.send_message(make_message(subject=mechanism))
    assert mailtrap.wait_for(subject=mechanism).auth_user == "ann@example.com"


@pytest.mark.mailtrap(users={"ann@example.com": "s3cret"}, strict=True)
@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_declared_users_need_their_password(mailtrap, mechanism):
    def attempt(user: str, password: str) -> int:
        with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port) as client:
            client.ehlo()
            client.user, client.password = user, password
            method = {
                "PLAIN": client.auth_plain,
                "LOGIN": client.auth_login,
                "CRAM-MD5": client.auth_cram_md5,
            }[mechanism]
            try:
                return client.auth(mechanism, method)[0]
            except smtplib.SMTPAuthenticationError as error:
                return error.smtp_code

    assert attempt("ann@example.com", "s3cret") == 235
    assert attempt("ANN@example.com", "s3cret") == 235  # addresses are case-insensitive
    assert attempt("ann@example.com", "wrong") == 535
    assert attempt("bob@example.com", "s3cret") == 535  # strict: undeclared users refused


def test_cram_md5_checks_the_digest_of_a_declared_user():
    # smtplib computes the real HMAC; a digest made with another key must fail.
    with MailServer(users={"ann@example.com": "pw"}) as server:
        with smtplib.SMTP(server.host, server.smtp_port) as client:
            client.ehlo()
            code, challenge = client.docmd("AUTH", "CRAM-MD5")
            assert code == 334
            import base64

            raw = base64.b64decode(challenge)
            digest = hmac.new(b"not-pw", raw, "md5").hexdigest()
            reply = base64.b64encode(f"ann@example.com {digest}".encode()).decode()
            assert client.docmd(reply)[0] == 535


@pytest.mark.mailtrap(auth_required=True)
def test_auth_required_refuses_mail_before_auth(mailtrap):
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port) as client:
        client.ehlo()
        code, _ = client.mail("a@example.com")
        assert code == 530
        client.login("a@example.com", "x")
        client.send_message(make_message(subject="after auth"))
    assert mailtrap.wait_for(subject="after auth").auth_user == "a@example.com"


@pytest.mark.mailtrap(starttls_required=True)
def test_starttls_required_refuses_plain_commands(mailtrap):
    with smtplib.SMTP("localhost", mailtrap.smtp_port) as client:
        features = ehlo_extensions(client)
        assert "auth" not in features  # RFC 3207: no AUTH offered before TLS
        code, reply = client.mail("a@example.com")
        assert code == 530
        assert b"STARTTLS" in reply
        client.starttls(context=mailtrap.client_ssl_context())
        assert "auth" in ehlo_extensions(client)
        client.send_message(make_message(subject="secured"))
    assert mailtrap.wait_for(subject="secured").tls
    # The implicit-TLS port is already encrypted: no STARTTLS demanded there.
    with smtplib.SMTP_SSL(
        "localhost", mailtrap.smtps_port, context=mailtrap.client_ssl_context()
    ) as client:
        client.send_message(make_message(subject="smtps ok"))
    mailtrap.wait_for(subject="smtps ok")


@pytest.mark.mailtrap(max_message_size=10_000)
def test_size_limit_gives_552_and_captures_nothing(mailtrap):
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port) as client:
        assert ehlo_extensions(client)["size"] == "10000"
        big = b"Subject: big\r\n\r\n" + b"x" * 200 + b"\r\n"
        big = big * 100
        # smtplib declares SIZE= in MAIL FROM, so the refusal comes early...
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail("a@example.com", ["b@example.com"], big)
        assert refused.value.smtp_code == 552
        # ...and a client that does not declare it is refused after DATA.
        client.mail("a@example.com")
        client.rcpt("b@example.com")
        code, _ = client.data(big)
        assert code == 552
        # The same connection still works for a message under the limit.
        client.sendmail("a@example.com", ["b@example.com"], b"Subject: small\r\n\r\nok\r\n")
    assert [m.subject for m in mailtrap.messages] == ["small"]


@pytest.mark.mailtrap(max_message_size=10_000)
def test_size_declared_in_mail_from_over_the_limit_gets_552(mailtrap):
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port) as client:
        client.ehlo()
        code, _ = client.mail("a@example.com", options=["SIZE=20000"])
    assert code == 552


async def _aiosmtplib_send(mailtrap, **kwargs):
    msg = make_message(subject="async")
    return await aiosmtplib.send(msg, hostname="localhost", **kwargs)


@pytest.mark.asyncio
async def test_aiosmtplib_plain_and_starttls(mailtrap):
    await aiosmtplib.send(
        make_message(subject="no tls"),
        hostname=mailtrap.host,
        port=mailtrap.smtp_port,
        start_tls=False,
    )
    # aiosmtplib upgrades by itself when STARTTLS is offered: give it the CA.
    await aiosmtplib.send(
        make_message(subject="auto tls"),
        hostname="localhost",
        port=mailtrap.smtp_port,
        tls_context=mailtrap.client_ssl_context(),
        username="ann@example.com",
        password="pw",
    )
    plain = await mailtrap.wait_for_async(subject="no tls")
    secured = await mailtrap.wait_for_async(subject="auto tls")
    assert (plain.tls, secured.tls) == (False, True)
    assert secured.auth_user == "ann@example.com"


@pytest.mark.asyncio
async def test_aiosmtplib_implicit_tls(mailtrap):
    await aiosmtplib.send(
        make_message(subject="smtps async"),
        hostname="localhost",
        port=mailtrap.smtps_port,
        use_tls=True,
        tls_context=mailtrap.client_ssl_context(),
    )
    assert (await mailtrap.wait_for_async(subject="smtps async")).tls


def test_django_smtp_backend(mailtrap):
    from django.conf import settings

    if not settings.configured:
        settings.configure(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
    from django.core.mail import EmailMultiAlternatives, get_connection

    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=mailtrap.host,
        port=mailtrap.smtp_port,
        username="app",
        password="pw",
        use_tls=False,
        fail_silently=False,
    )
    mail = EmailMultiAlternatives(
        subject="Réinitialisation du mot de passe",
        body="Code: 482913",
        from_email="Site <site@example.com>",
        to=["ann@example.com"],
        bcc=["audit@example.com"],
        connection=connection,
    )
    mail.attach_alternative('<a href="https://example.com/reset/1">reset</a>', "text/html")
    mail.attach("report.csv", "a,b\n1,2\n", "text/csv")
    assert mail.send() == 1
    msg = mailtrap.wait_for(to="ann@example.com")
    assert msg.subject == "Réinitialisation du mot de passe"
    assert msg.bcc == ["audit@example.com"]
    assert msg.codes == ["482913"]
    assert msg.links == ["https://example.com/reset/1"]
    # A text attachment travels as 7bit text, whose line breaks are CRLF on the wire
    # (RFC 2045 section 2.10); the decoded content keeps them as they arrived.
    assert [(a.filename, a.content) for a in msg.attachments] == [("report.csv", b"a,b\r\n1,2\r\n")]
    assert msg.auth_user == "app"
