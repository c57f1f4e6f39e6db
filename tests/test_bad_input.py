"""Bad input gets a clear SMTP error, never a dead server.

These talk raw SMTP over a socket on purpose: the point is to send what no
well-behaved client would. Each test checks the offending connection's reply and
then that a fresh, well-behaved client (smtplib) is still served.
"""

from __future__ import annotations

import smtplib
import socket

import pytest

from mailtrap_py import MailServer


class Conversation:
    """A raw SMTP connection: write bytes, read whole (multi-line) replies."""

    def __init__(self, port: int, timeout: float = 10) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.file = self.sock.makefile("rb")
        self.greeting = self.reply()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self) -> bytes:
        lines = []
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError("server closed the connection")
            lines.append(line)
            if line[3:4] != b"-":
                return b"".join(lines)

    def command(self, line: bytes) -> bytes:
        self.send(line + b"\r\n")
        return self.reply()

    def closed_by_server(self) -> bool:
        """True once the server has closed its end (reads EOF within the timeout)."""
        try:
            return self.file.read() == b""
        except (ConnectionResetError, TimeoutError):
            return False

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@pytest.fixture
def talk(mailtrap):
    opened: list[Conversation] = []

    def open_conversation(port: int | None = None) -> Conversation:
        conversation = Conversation(port or mailtrap.smtp_port)
        opened.append(conversation)
        return conversation

    yield open_conversation
    for conversation in opened:
        conversation.close()


def still_serving(port: int, subject: str = "still here") -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail("a@example.com", ["b@example.com"], f"Subject: {subject}\r\n\r\nok\r\n")


def test_unknown_command(mailtrap, talk):
    c = talk()
    assert c.command(b"EHLO client").startswith(b"250")
    assert c.command(b"FROBNICATE now").startswith(b"500")
    assert c.command(b"\x00\xff\xfe junk").startswith(b"500")
    assert c.command(b"").startswith(b"500")
    assert c.command(b"NOOP").startswith(b"250")  # the connection carries on
    still_serving(mailtrap.smtp_port)
    assert [m.subject for m in mailtrap.messages] == ["still here"]


@pytest.mark.parametrize(
    ("commands", "expected"),
    [
        ([b"MAIL FROM:<a@example.com>"], b"503"),  # before HELO/EHLO
        ([b"EHLO c", b"RCPT TO:<b@example.com>"], b"503"),  # RCPT before MAIL
        ([b"EHLO c", b"DATA"], b"503"),  # DATA before MAIL
        ([b"EHLO c", b"MAIL FROM:<a@example.com>", b"DATA"], b"503"),  # DATA before RCPT
        ([b"EHLO c", b"MAIL FROM:<a@example.com>", b"MAIL FROM:<a@example.com>"], b"503"),
        ([b"EHLO c", b"MAIL FROM:<a@b@example.com>"], b"553"),
        ([b"EHLO c", b"MAIL TO:<a@example.com>"], b"501"),
        ([b"EHLO c", b"MAIL FROM:<a@example.com> BOGUS=1"], b"555"),
        ([b"EHLO c", b"AUTH NOPE"], b"504"),
        ([b"EHLO c", b"AUTH PLAIN !!!notbase64"], b"501"),
        ([b"EHLO c", b"STARTTLS extra"], b"501"),
    ],
)
def test_commands_out_of_order_or_malformed(mailtrap, talk, commands, expected):
    c = talk()
    replies = [c.command(line) for line in commands]
    assert replies[-1].startswith(expected), replies
    assert c.command(b"RSET").startswith(b"250")
    still_serving(mailtrap.smtp_port)


def test_command_line_over_the_limit(mailtrap, talk):
    c = talk()
    c.command(b"EHLO c")
    assert c.command(b"MAIL FROM:<" + b"a" * 2000 + b"@example.com>").startswith(b"500")
    assert c.command(b"NOOP").startswith(b"250")
    still_serving(mailtrap.smtp_port)


def test_data_line_over_one_mebibyte_is_refused_whole(mailtrap, talk):
    c = talk()
    c.command(b"EHLO c")
    c.command(b"MAIL FROM:<a@example.com>")
    c.command(b"RCPT TO:<b@example.com>")
    assert c.command(b"DATA").startswith(b"354")
    c.send(b"Subject: huge line\r\n\r\n" + b"x" * (1024 * 1024 + 10) + b"\r\n.\r\n")
    assert c.reply().startswith(b"500")
    assert mailtrap.messages == []
    assert c.command(b"NOOP").startswith(b"250")


def test_client_vanishing_mid_data_captures_nothing(mailtrap, talk):
    c = talk()
    c.command(b"EHLO c")
    c.command(b"MAIL FROM:<a@example.com>")
    c.command(b"RCPT TO:<b@example.com>")
    c.command(b"DATA")
    c.send(b"Subject: cut off\r\n\r\nhalf a mess")
    c.close()
    still_serving(mailtrap.smtp_port, "after the cut")
    assert [m.subject for m in mailtrap.messages] == ["after the cut"]


def test_vanishing_mid_data_during_another_transfer(mailtrap, talk):
    """One client dies mid-DATA while another is halfway through its own DATA."""
    survivor = talk()
    survivor.command(b"EHLO s")
    survivor.command(b"MAIL FROM:<s@example.com>")
    survivor.command(b"RCPT TO:<b@example.com>")
    survivor.command(b"DATA")
    survivor.send(b"Subject: survivor\r\n\r\nfirst half\r\n")

    victim = talk()
    victim.command(b"EHLO v")
    victim.command(b"MAIL FROM:<v@example.com>")
    victim.command(b"RCPT TO:<b@example.com>")
    victim.command(b"DATA")
    victim.send(b"Subject: victim\r\n\r\npartial")
    victim.sock.shutdown(socket.SHUT_RDWR)
    victim.close()

    survivor.send(b"second half\r\n.\r\n")
    assert survivor.reply().startswith(b"250")
    assert [m.subject for m in mailtrap.messages] == ["survivor"]


def test_too_many_unknown_commands_closes_that_connection_only(mailtrap, talk):
    c = talk()
    replies = []
    for _ in range(10):
        try:
            replies.append(c.command(b"BOGUS"))
        except ConnectionError:
            break
    assert replies[-1].startswith(b"502")
    assert c.closed_by_server()
    still_serving(mailtrap.smtp_port)


def test_silent_client_does_not_block_others(mailtrap, talk):
    silent = talk()  # connects, reads the greeting, says nothing
    assert silent.greeting.startswith(b"220")
    still_serving(mailtrap.smtp_port)


def test_idle_connection_is_closed_after_the_timeout():
    with MailServer(smtp_timeout=0.3, smtps_port=None) as server:
        c = Conversation(server.smtp_port, timeout=10)
        try:
            assert c.closed_by_server()  # the server hangs up; no sleep needed
        finally:
            c.close()
        still_serving(server.smtp_port)


def test_plaintext_on_the_tls_port_gets_nothing_and_others_continue(mailtrap):
    with socket.create_connection(("127.0.0.1", mailtrap.smtps_port), timeout=10) as sock:
        sock.sendall(b"EHLO plain-text-client\r\n")
        # The TLS layer rejects the garbage handshake and closes.
        data = b""
        try:
            while chunk := sock.recv(4096):
                data += chunk
        except ConnectionResetError:
            pass
        assert b"250" not in data
    with smtplib.SMTP_SSL(
        "localhost", mailtrap.smtps_port, context=mailtrap.client_ssl_context()
    ) as client:
        client.sendmail("a@example.com", ["b@example.com"], b"Subject: tls ok\r\n\r\nx\r\n")
    assert mailtrap.wait_for(subject="tls ok").tls
