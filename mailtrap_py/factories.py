"""Faker-backed builders of realistic messages, for tests, benchmarks and `send`.

Every builder returns an `email.message.EmailMessage` ready for
`smtplib.SMTP.send_message`. A seed makes the output repeatable, byte for byte:
every random choice, the Date, the Message-ID, Content-IDs and MIME boundaries come
from the factory's own seeded generators, never from the clock or the global `random`.
"""

from __future__ import annotations

import base64
import random
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from faker import Faker

# A valid 1x1 PNG, so an inline image is an image any viewer opens.
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)

# Locales whose names and subjects are not ASCII, for international messages.
INTERNATIONAL_LOCALES = ("de_DE", "fr_FR", "ja_JP", "ru_RU", "el_GR", "zh_CN")

# Dates fall in a fixed window rather than "this year", so a seed gives the same Date
# header whenever and wherever it runs.
_DATE_START = datetime(2024, 1, 1, tzinfo=timezone.utc)
_DATE_SPAN = timedelta(days=2 * 365)


class MessageFactory:
    """Builds messages with plausible names, subjects, bodies and attachments."""

    def __init__(self, seed: int | None = None, *, domain: str = "example.com") -> None:
        self.domain = domain
        self.random = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.intl = Faker(list(INTERNATIONAL_LOCALES))
        self.intl.seed_instance(seed)

    # -- pieces --------------------------------------------------------------

    def address(self, name: str | None = None) -> str:
        """A fresh `local@domain` address on the factory's domain."""
        base = name or self.fake.user_name()
        return f"{base}.{self.random.randrange(10**6)}@{self.domain}".lower()

    def mailbox(self, fake: Faker | None = None) -> str:
        """`Display Name <address>` with a generated person."""
        f = fake or self.fake
        return formataddr((f.name(), self.address(self.fake.user_name())))

    def _headers(
        self,
        msg: EmailMessage,
        *,
        to: str | list[str] | None,
        from_: str | None,
        subject: str | None,
        fake: Faker | None = None,
    ) -> None:
        f = fake or self.fake
        recipients = [to] if isinstance(to, str) else (to or [self.mailbox(f)])
        msg["From"] = from_ or self.mailbox(f)
        msg["To"] = ", ".join(recipients)
        msg["Subject"] = subject if subject is not None else f.sentence(nb_words=6).rstrip(".")
        seconds = self.random.randrange(int(_DATE_SPAN.total_seconds()))
        msg["Date"] = format_datetime(_DATE_START + timedelta(seconds=seconds))
        msg["Message-ID"] = self._msgid()

    def _msgid(self) -> str:
        """A `<unique@domain>` id from the factory's generator (`make_msgid` uses the clock)."""
        return (
            f"<{self.random.getrandbits(64):016x}.{self.random.getrandbits(32):08x}@{self.domain}>"
        )

    def _finish(self, msg: EmailMessage) -> EmailMessage:
        """Give every multipart a boundary from our generator: left unset, the email
        package draws one from the global `random` when the message is serialized."""
        for part in msg.walk():
            if part.is_multipart() and part.get_boundary() is None:
                part.set_boundary("=" * 15 + f"{self.random.randrange(10**19):019d}" + "==")
        return msg

    def _text(self, fake: Faker | None = None) -> str:
        f = fake or self.fake
        paragraphs = f.paragraphs(nb=self.random.randint(1, 4))
        link = f"https://{self.domain}/{self.fake.uri_path()}"
        return "\n\n".join([*paragraphs, f"Details: {link}", f"-- \n{f.name()}"]) + "\n"

    @staticmethod
    def _html(text: str) -> str:
        import html

        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n"))
        return f"<!doctype html><html><body>{paragraphs}</body></html>\n"

    # -- messages ------------------------------------------------------------

    def plain(
        self,
        *,
        to: str | list[str] | None = None,
        from_: str | None = None,
        subject: str | None = None,
        text: str | None = None,
    ) -> EmailMessage:
        """text/plain only."""
        msg = EmailMessage()
        self._headers(msg, to=to, from_=from_, subject=subject)
        msg.set_content(text if text is not None else self._text())
        return self._finish(msg)

    def alternative(
        self,
        *,
        to: str | list[str] | None = None,
        from_: str | None = None,
        subject: str | None = None,
        text: str | None = None,
        html: str | None = None,
    ) -> EmailMessage:
        """multipart/alternative: text and HTML versions of one body."""
        msg = EmailMessage()
        self._headers(msg, to=to, from_=from_, subject=subject)
        body = text if text is not None else self._text()
        msg.set_content(body)
        msg.add_alternative(html if html is not None else self._html(body), subtype="html")
        return self._finish(msg)

    def with_attachments(
        self,
        count: int = 2,
        *,
        to: str | list[str] | None = None,
        from_: str | None = None,
        subject: str | None = None,
    ) -> EmailMessage:
        """multipart/mixed: a text body and `count` attachments (PDF, CSV, binary)."""
        msg = self.alternative(to=to, from_=from_, subject=subject)
        for index in range(count):
            kind = index % 3
            if kind == 0:
                data = b"%PDF-1.4\n" + self.fake.binary(length=self.random.randint(500, 4000))
                msg.add_attachment(
                    data,
                    maintype="application",
                    subtype="pdf",
                    filename=self.fake.file_name(extension="pdf"),
                )
            elif kind == 1:
                rows = [",".join(self.fake.words(nb=4)) for _ in range(self.random.randint(3, 30))]
                msg.add_attachment(
                    ("\n".join(rows) + "\n").encode(),
                    maintype="text",
                    subtype="csv",
                    filename=self.fake.file_name(extension="csv"),
                )
            else:
                msg.add_attachment(
                    self.fake.binary(length=self.random.randint(100, 2000)),
                    maintype="application",
                    subtype="octet-stream",
                    filename=self.fake.file_name(extension="bin"),
                )
        return self._finish(msg)

    def with_inline_image(
        self,
        *,
        to: str | list[str] | None = None,
        from_: str | None = None,
        subject: str | None = None,
    ) -> EmailMessage:
        """multipart/alternative whose HTML part is multipart/related with a cid: image."""
        msg = EmailMessage()
        self._headers(msg, to=to, from_=from_, subject=subject)
        body = self._text()
        msg.set_content(body)
        cid = self._msgid()
        markup = self._html(body).replace(
            "<body>", f'<body><img src="cid:{cid[1:-1]}" alt="logo">', 1
        )
        msg.add_alternative(markup, subtype="html")
        html_part = list(msg.iter_parts())[1]
        assert isinstance(html_part, EmailMessage)
        # A filename alone would make set_content mark the image as an attachment.
        html_part.add_related(
            PNG_1X1,
            maintype="image",
            subtype="png",
            cid=cid,
            filename="logo.png",
            disposition="inline",
        )
        return self._finish(msg)

    def international(
        self,
        *,
        to: str | list[str] | None = None,
        from_: str | None = None,
        subject: str | None = None,
    ) -> EmailMessage:
        """Non-ASCII display names, subject and body (German, Japanese, Russian...)."""
        msg = EmailMessage()
        self._headers(msg, to=to, from_=from_, subject=subject, fake=self.intl)
        body = self._text(self.intl)
        msg.set_content(body)
        msg.add_alternative(self._html(body), subtype="html")
        return self._finish(msg)

    def any(self, **kwargs: str | list[str] | None) -> EmailMessage:
        """One of the kinds above, picked at random: a realistic mix."""
        kind = self.random.choice(
            [
                "plain",
                "alternative",
                "alternative",
                "with_attachments",
                "international",
                "with_inline_image",
            ]
        )
        builder = getattr(self, kind)
        msg = builder(**kwargs)
        assert isinstance(msg, EmailMessage)
        return msg
