"""`Mailtrap`: what a test holds. Methods read as the test's intent."""

from __future__ import annotations

import imaplib
import itertools
import re
import ssl
from pathlib import Path
from typing import Any

from mailtrap_py.faults import FaultSet
from mailtrap_py.message import Message
from mailtrap_py.query import Criteria, describe_arrivals
from mailtrap_py.server import MailServer
from mailtrap_py.store import Store

_addresses = itertools.count(1)


class Mailtrap:
    """The mail server as one test sees it: cleared before the test starts.

    The app under test sends to `host:smtp_port` (and may read over IMAP or POP3
    from `host:imap_port`, `host:pop3_port`); the test waits for and asserts on what
    arrived. Criteria are those of `MailServer.wait_for`: to, sender, from_, cc, bcc,
    subject, text, html, body, header, has_attachment, where.
    """

    def __init__(
        self, server: MailServer, *, timeout: float = 5.0, test_name: str = "test"
    ) -> None:
        self.server = server
        self.timeout = timeout
        self._slug = _slug(test_name)

    # -- where to send -------------------------------------------------------

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def smtp_port(self) -> int:
        return self.server.smtp_port

    @property
    def smtps_port(self) -> int:
        return self.server.smtps_port

    @property
    def http_port(self) -> int:
        return self.server.http_port

    @property
    def api_url(self) -> str:
        """Base URL of the HTTP API, e.g. `http://127.0.0.1:41234` (append `/api/v1/...`)."""
        return self.server.api_url

    @property
    def pop3_port(self) -> int:
        return self.server.pop3_port

    @property
    def pop3s_port(self) -> int:
        return self.server.pop3s_port

    @property
    def imap_port(self) -> int:
        return self.server.imap_port

    @property
    def imaps_port(self) -> int:
        return self.server.imaps_port

    @property
    def ca_pem(self) -> bytes:
        return self.server.ca_pem

    @property
    def ca_path(self) -> Path:
        return self.server.ca_path

    def client_ssl_context(self) -> ssl.SSLContext:
        return self.server.client_ssl_context()

    @property
    def store(self) -> Store:
        return self.server.store

    def new_address(self, name: str | None = None, domain: str = "example.com") -> str:
        """An address no other test (or call) in this process gets."""
        local = _slug(name) if name else self._slug
        return f"{local}.{next(_addresses)}@{domain}"

    # -- reading it back like a mail client ------------------------------------

    def imap(self, user: str, password: str = "any", *, tls: bool = True) -> imaplib.IMAP4:
        """An imaplib client logged in as `user` (IMAPS with the CA trusted, or the
        plain port with `tls=False`). Use it as a context manager: it logs out.

            with mailtrap.imap("ann@example.com") as imap:
                imap.select("INBOX")
        """
        client: imaplib.IMAP4
        if tls:
            client = imaplib.IMAP4_SSL(
                self.host,
                self.imaps_port,
                ssl_context=self.client_ssl_context(),
                timeout=self.timeout,
            )
        else:
            client = imaplib.IMAP4(self.host, self.imap_port, timeout=self.timeout)
        try:
            client.login(user, password)
        except BaseException:
            client.shutdown()
            raise
        return client

    # -- making it fail ------------------------------------------------------

    @property
    def faults(self) -> FaultSet:
        """Fault rules: `mailtrap.faults.reject(stage="RCPT", code=550, match=...)`,
        `fail(...)`, `delay(...)`, `disconnect(...)`, `throttle(...)`. Cleared after
        every test."""
        return self.server.faults

    # -- what arrived --------------------------------------------------------

    @property
    def messages(self) -> list[Message]:
        return self.server.messages

    def clear(self) -> None:
        self.server.clear()

    def wait_for(self, *, timeout: float | None = None, **criteria: Any) -> Message:
        """The first message matching `criteria` (already here or still to come)."""
        __tracebackhide__ = True  # failures point at the test, not here
        return self.server.wait_for(timeout=self._timeout(timeout), **criteria)

    def wait_for_messages(
        self, count: int, *, timeout: float | None = None, **criteria: Any
    ) -> list[Message]:
        """The first `count` messages matching `criteria`."""
        __tracebackhide__ = True  # failures point at the test, not here
        return self.server.wait_for_messages(count, timeout=self._timeout(timeout), **criteria)

    async def wait_for_async(self, *, timeout: float | None = None, **criteria: Any) -> Message:
        """`wait_for` for async tests: awaits without blocking the test's loop."""
        __tracebackhide__ = True  # failures point at the test, not here
        return await self.server.wait_for_async(timeout=self._timeout(timeout), **criteria)

    async def wait_for_messages_async(
        self, count: int, *, timeout: float | None = None, **criteria: Any
    ) -> list[Message]:
        __tracebackhide__ = True  # failures point at the test, not here
        return await self.server.wait_for_messages_async(
            count, timeout=self._timeout(timeout), **criteria
        )

    def assert_sent(self, count: int | None = None, **criteria: Any) -> list[Message]:
        """Matching messages have arrived already: at least one, or exactly `count`.

        Returns them. This does not wait: a message an app sent over SMTP is here
        as soon as its client got 250. For mail sent in the background, wait_for.
        """
        __tracebackhide__ = True  # failures point at the test, not here
        query = Criteria.build(criteria)
        everything = self.messages
        found = query.filter(everything)
        if count is None and not found:
            raise AssertionError(
                f"Expected a message where {query.describe()}, found none.\n"
                + describe_arrivals(everything)
            )
        if count is not None and len(found) != count:
            raise AssertionError(
                f"Expected {count} message(s) where {query.describe()}, found {len(found)}.\n"
                + describe_arrivals(everything)
            )
        return found

    def assert_nothing_sent(self, *, within: float = 0.0, **criteria: Any) -> None:
        """No message matching `criteria` has arrived, nor arrives within `within` s."""
        __tracebackhide__ = True  # failures point at the test, not here
        query = Criteria.build(criteria)
        found = self.store.wait_for(query, within, 1)
        if found:
            raise AssertionError(
                f"Expected no message where {query.describe()}, but one arrived: "
                f"{found[0].summary()}\n" + describe_arrivals(self.messages)
            )

    def _timeout(self, timeout: float | None) -> float:
        return self.timeout if timeout is None else timeout

    def __repr__(self) -> str:
        return f"<Mailtrap {self.server!r}>"


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:32].strip("-") or "test"
