"""What the IMAP client tests (`test_clients_*.py`) share: the mail they read and
a way to put it on the server.

Mail goes in as an app sends it, over SMTP (smtplib), and the tests read it back
with a real IMAP client. Every client test runs the same scenario against the
same three messages in ann's INBOX:

    seq/UID 1  INVOICE     plain text from billing@shop.example
    seq/UID 2  REPORT      multipart/mixed: multipart/alternative (text, html) and
                           a PDF attachment; UTF-8 subject and From name (RFC 2047)
    seq/UID 3  NEWSLETTER  plain text with a List-Id header

`Mailbox.stored()` is the server's own view of a folder (the store), the
reference a client's answers are compared with.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

import pytest

from mailtrap_py.store import Entry

USER = "ann@example.com"
PASSWORD = "any password works"
TIMEOUT = 10  # seconds any single client call may take before the test fails
FOLDERS = {
    # name: the SPECIAL-USE attribute LIST shows (RFC 6154)
    "INBOX": None,
    "Archive": "\\Archive",
    "Drafts": "\\Drafts",
    "Junk": "\\Junk",
    "Sent": "\\Sent",
    "Trash": "\\Trash",
}


@dataclass(frozen=True)
class Mail:
    """One message as sent over SMTP."""

    raw: bytes
    subject: str  # decoded
    sender: str

    @property
    def header(self) -> bytes:
        """The header section, up to and including the blank line."""
        return self.raw[: self.raw.index(b"\r\n\r\n") + 4]


INVOICE = Mail(
    raw=(
        b"From: Billing <billing@shop.example>\r\n"
        b"To: Ann <ann@example.com>\r\n"
        b"Subject: Invoice 1001\r\n"
        b"Date: Mon, 06 Jan 2025 09:30:00 +0100\r\n"
        b"Message-ID: <invoice-1001@shop.example>\r\n"
        b"\r\n"
        b"Please pay 42 EUR by Friday.\r\n"
    ),
    subject="Invoice 1001",
    sender="billing@shop.example",
)

# "Grüße aus Köln ☕" and "Jörg Müller" in RFC 2047 encoded words; the text part
# is quoted-printable UTF-8, the attachment base64 (a 4-byte "PDF").
REPORT_SUBJECT = "Grüße aus Köln ☕"
REPORT = Mail(
    raw=(
        b"From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <joerg@example.de>\r\n"
        b"To: Ann <ann@example.com>\r\n"
        b"Cc: carl@example.com\r\n"
        b"Reply-To: office@example.de\r\n"
        b"Subject: =?utf-8?b?R3LDvMOfZSBhdXMgS8O2bG4g4piV?=\r\n"
        b"Date: Tue, 07 Jan 2025 14:00:00 +0000\r\n"
        b"Message-ID: <report-7@example.de>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="outer"\r\n'
        b"\r\n"
        b"This is a multi-part message in MIME format.\r\n"
        b"--outer\r\n"
        b'Content-Type: multipart/alternative; boundary="inner"\r\n'
        b"\r\n"
        b"--inner\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n"
        b"\r\n"
        b"Der Bericht aus K=C3=B6ln ist angeh=C3=A4ngt.\r\n"
        b"--inner\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n"
        b"\r\n"
        b"<p>Der Bericht aus <b>K=C3=B6ln</b> ist angeh=C3=A4ngt.</p>\r\n"
        b"--inner--\r\n"
        b"\r\n"
        b"--outer\r\n"
        b'Content-Type: application/pdf; name="report.pdf"\r\n'
        b'Content-Disposition: attachment; filename="report.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b"\r\n"
        b"JVBERi0=\r\n"
        b"--outer--\r\n"
    ),
    subject=REPORT_SUBJECT,
    sender="joerg@example.de",
)

NEWSLETTER = Mail(
    raw=(
        b"From: news@lists.example.org\r\n"
        b"To: ann@example.com\r\n"
        b"Subject: Weekly digest\r\n"
        b"Date: Wed, 08 Jan 2025 06:00:00 +0000\r\n"
        b"Message-ID: <digest-2@lists.example.org>\r\n"
        b"List-Id: Weekly <weekly.lists.example.org>\r\n"
        b"\r\n"
        b"Read more online. To unsubscribe, reply STOP.\r\n"
    ),
    subject="Weekly digest",
    sender="news@lists.example.org",
)

SAMPLES = (INVOICE, REPORT, NEWSLETTER)


def plain(subject: str, body: str = "Hello.") -> bytes:
    """A minimal message, for tests that only need one more in the folder."""
    return (f"From: app@example.com\r\nTo: {USER}\r\nSubject: {subject}\r\n\r\n{body}\r\n").encode()


class Mailbox:
    """Ann's mailbox on the test's server: mail in over SMTP, the store's view out."""

    user = USER
    password = PASSWORD

    def __init__(self, mailtrap) -> None:
        self.mailtrap = mailtrap
        self.host = mailtrap.host

    def deliver(self, raw: bytes, sender: str = "app@example.com") -> None:
        """Send `raw` to ann over SMTP; it is in her INBOX once this returns."""
        with smtplib.SMTP(self.host, self.mailtrap.smtp_port, timeout=TIMEOUT) as smtp:
            assert smtp.sendmail(sender, [USER], raw) == {}

    def stored(self, folder: str = "INBOX") -> list[Entry]:
        """The folder's entries as the server holds them, in UID order."""
        return list(self.mailtrap.store.account(USER).folders[folder].entries)

    def raw(self, uid: int, folder: str = "INBOX") -> bytes:
        """The message with `uid` exactly as the server stores it."""
        (entry,) = [e for e in self.stored(folder) if e.uid == uid]
        return entry.message.raw

    def uids(self, folder: str = "INBOX") -> list[int]:
        return [entry.uid for entry in self.stored(folder)]

    def flags(self, uid: int, folder: str = "INBOX") -> set[str]:
        (entry,) = [e for e in self.stored(folder) if e.uid == uid]
        return set(entry.flags)


@pytest.fixture
def mailbox(mailtrap) -> Mailbox:
    """Ann's INBOX holding INVOICE, REPORT and NEWSLETTER (UIDs 1, 2, 3), unread."""
    box = Mailbox(mailtrap)
    for mail in SAMPLES:
        box.deliver(mail.raw, sender=mail.sender)
    assert box.uids() == [1, 2, 3]
    return box
