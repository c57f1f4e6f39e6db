"""Nothing is lost: what a client sends after DATA is stored byte for byte."""

from __future__ import annotations

import os
import smtplib
import socket
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailtrap_py import MailServer

CRLF = b"\r\n"


def send_bytes(port: int, raw: bytes, sender: str = "a@example.com", to: str = "b@example.com"):
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.sendmail(sender, [to], raw)


def test_eight_bit_body_and_headers(mailtrap):
    raw = (
        "From: Zoë <zoe@example.com>\r\nTo: b@example.com\r\n"
        "Subject: Grüße aus Köln\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\nÄpfel, Birnen und Öl — 日本語\r\n"
    ).encode() + b"latin-1 byte: \xe9 and a lone \x80\r\n"
    send_bytes(mailtrap.smtp_port, raw)
    msg = mailtrap.wait_for(to="b@example.com")
    assert msg.raw == raw
    assert msg.subject == "Grüße aus Köln"
    assert msg.from_ is not None and msg.from_.name == "Zoë"


def test_smtputf8_addresses(mailtrap):
    raw = "From: jörg@bücher.example\r\nTo: 用户@例子.广告\r\nSubject: utf8\r\n\r\nhi\r\n".encode()
    with smtplib.SMTP("127.0.0.1", mailtrap.smtp_port) as client:
        client.sendmail("jörg@bücher.example", ["用户@例子.广告"], raw, mail_options=["SMTPUTF8"])
    msg = mailtrap.wait_for(to="用户@例子.广告")
    assert msg.sender == "jörg@bücher.example"
    assert msg.raw == raw
    assert msg.to == ["用户@例子.广告"]


def test_smtputf8_via_send_message(mailtrap):
    msg = EmailMessage()
    msg["From"] = "Jörg <jörg@bücher.example>"
    msg["To"] = "ünïcode@example.com"
    msg["Subject"] = "Ünïcode"
    msg.set_content("Grüße")
    with smtplib.SMTP("127.0.0.1", mailtrap.smtp_port) as client:
        client.send_message(msg)  # smtplib adds SMTPUTF8 by itself here
    got = mailtrap.wait_for(to="ünïcode@example.com")
    assert got.subject == "Ünïcode"
    assert got.text is not None and got.text.strip() == "Grüße"


def test_lines_far_longer_than_rfc_5321_allows(mailtrap):
    long_line = b"x" * 100_000
    raw = b"Subject: long\r\n\r\n" + long_line + CRLF + b"<p>" + b"y" * 5000 + b"</p>" + CRLF
    send_bytes(mailtrap.smtp_port, raw)
    assert mailtrap.wait_for(subject="long").raw == raw


def test_dot_stuffed_lines_come_back_unstuffed(mailtrap):
    raw = b"Subject: dots\r\n\r\n.\r\n..\r\n.leading dot\r\n. \r\nend\r\n"
    send_bytes(mailtrap.smtp_port, raw)  # smtplib stuffs each leading dot
    assert mailtrap.wait_for(subject="dots").raw == raw


def test_dot_stuffing_on_the_wire(mailtrap):
    """Without smtplib in between: the server itself removes one leading dot."""
    with socket.create_connection(("127.0.0.1", mailtrap.smtp_port), timeout=10) as sock:
        stream = sock.makefile("rwb")
        stream.readline()
        stream.write(b"HELO t\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@x.example>\r\nDATA\r\n")
        stream.write(b"Subject: wire\r\n\r\n..one\r\n...two\r\n.\r\n")
        stream.flush()
        replies = [stream.readline() for _ in range(5)]
        stream.write(b"QUIT\r\n")
        stream.flush()
        stream.readline()
        stream.close()
    assert [r[:3] for r in replies] == [b"250", b"250", b"250", b"354", b"250"]
    assert mailtrap.wait_for(subject="wire").raw == b"Subject: wire\r\n\r\n.one\r\n..two\r\n"


def test_binary_attachment_bytes_identical(mailtrap, fake_email):
    payload = os.urandom(300_000)
    msg = fake_email.plain(to="b@example.com", subject="binary")
    msg.add_attachment(payload, maintype="application", subtype="octet-stream", filename="x.bin")
    raw = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
    send_bytes(mailtrap.smtp_port, raw)
    got = mailtrap.wait_for(subject="binary")
    assert got.raw == raw
    [attachment] = got.attachments
    assert attachment.content == payload
    assert attachment.filename == "x.bin"
    assert attachment.size == len(payload)


def test_bare_lf_inside_lines_is_kept(mailtrap):
    raw = b"Subject: lf\r\n\r\nunix\nline endings\nin here\r\n"
    send_bytes(mailtrap.smtp_port, raw)
    assert mailtrap.wait_for(subject="lf").raw == raw


def test_malformed_mime_is_stored_listed_and_degrades(mailtrap):
    raw = (
        b"Subject: =?x-unknown?q?broken?=\r\nTo: <<<not an address\r\n"
        b'Content-Type: multipart/mixed; boundary="nope"\r\n\r\n'
        b"--wrong\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64\r\n"
    )
    send_bytes(mailtrap.smtp_port, raw)
    [msg] = mailtrap.messages
    assert msg.raw == raw
    assert isinstance(msg.subject, str)
    assert msg.defects  # the parser says what is wrong
    assert isinstance(msg.attachments, list)
    assert msg.recipients == ("b@example.com",)


_line = st.binary(max_size=200).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(_line, max_size=30))
def test_any_body_round_trips_byte_for_byte(body):
    server = _shared_server()
    raw = b"Subject: prop\r\n\r\n" + b"".join(line + CRLF for line in body)
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as client:
        client.sendmail("a@example.com", ["prop@example.com"], raw)
    assert server.messages[-1].raw == raw


_server: list[MailServer] = []


def _shared_server() -> MailServer:
    # Hypothesis runs the body many times; one server for all of them.
    if not _server:
        _server.append(MailServer(smtps_port=None).start())
    return _server[0]


@pytest.fixture(scope="module", autouse=True)
def _stop_shared_server():
    yield
    while _server:
        _server.pop().stop()
