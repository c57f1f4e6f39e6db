"""What the POP3 interop tests share: mail in over SMTP, and a look at the maildrop."""

from __future__ import annotations

import smtplib
import subprocess

# A message with every line a POP3 server can get wrong: a lone dot, dot-led
# lines (dot-stuffed on the wire, unstuffed by the client), 8-bit text, trailing
# whitespace, and a long line.
TRICKY = (
    "From: Shop <shop@example.com>\r\n"
    "To: Ann <ann@example.com>\r\n"
    "Subject: {subject}\r\n"
    "Message-ID: <{subject}@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Thanks for your order.  \r\n"
    ".\r\n"
    ".hidden? no: a line that starts with a dot\r\n"
    "..and one with two\r\n"
    "Grüße, the shop\r\n" + "x" * 1500 + "\r\n"
)


def tricky(subject: str) -> bytes:
    return TRICKY.format(subject=subject).encode()


def deliver(mailtrap, raw: bytes, to: str = "ann@example.com") -> None:
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10) as client:
        assert client.sendmail("shop@example.com", [to], raw) == {}


def maildrop(mailtrap, user: str = "ann@example.com") -> list[bytes]:
    """The raw messages still in `user`'s INBOX on the server."""
    account = mailtrap.store.account(user)
    return [entry.message.raw for entry in account.inbox.entries]


def transcript(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stderr\n{result.stderr}\n--- stdout\n{result.stdout}"
