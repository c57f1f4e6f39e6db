"""Helpers of the HTTP API tests: a client on a server's API, SMTP delivery, and a
way to know a long poll is pending."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from typing import Any

import httpx
import pytest

from mailtrap_py.store import Store

# Seconds any one HTTP exchange may take before the test fails instead of hanging.
HTTP_TIMEOUT = 10.0
# Seconds a test waits for something it expects to happen.
CONDITION_TIMEOUT = 10.0


def api_client(base_url: str) -> httpx.Client:
    """An httpx client whose relative URLs start at `<base_url>/api/v1`."""
    return httpx.Client(base_url=f"{base_url}/api/v1", timeout=HTTP_TIMEOUT)


def as_bytes(message: bytes | EmailMessage) -> bytes:
    """The bytes SMTP carries: CRLF line ends, ending in CRLF (so the server keeps
    exactly these bytes: smtplib adds nothing to a message that ends in CRLF)."""
    if isinstance(message, EmailMessage):
        return message.as_bytes(policy=SMTP_POLICY)
    return message


def smtp_send(
    port: int,
    message: bytes | EmailMessage,
    *,
    sender: str = "app@example.com",
    to: list[str] | tuple[str, ...] = ("ann@example.com",),
    host: str = "127.0.0.1",
    starttls: Any = None,
    login: tuple[str, str] | None = None,
) -> str:
    """Deliver over SMTP and return the id the server gave in its 250 reply.

    `starttls`: an SSLContext to upgrade the connection with first; `login`: a
    (user, password) to AUTH with.
    """
    raw = as_bytes(message)
    with smtplib.SMTP(host, port, timeout=HTTP_TIMEOUT) as client:
        client.ehlo()
        if starttls is not None:
            client.starttls(context=starttls)
            client.ehlo()
        if login is not None:
            client.login(*login)
        code, reply = client.mail(sender)
        assert code == 250, reply
        for recipient in to:
            code, reply = client.rcpt(recipient)
            assert code == 250, reply
        code, reply = client.data(raw)
        assert code == 250, reply
    # "2.0.0 OK: queued as 0000002a"
    return reply.decode().rsplit(" ", 1)[-1]


def make_message(
    subject: str = "Hello",
    *,
    to: str = "ann@example.com",
    sender: str = "app@example.com",
    text: str = "Hello there.\n",
    html: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


class PendingWaits:
    """Tells a test when a `/wait` request is parked in the store, so that it
    delivers only once the long poll is really pending (and the test proves a
    wake-up, not an answer to a message that was already there)."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self._started = threading.Semaphore(0)
        original = store.wait_for_async

        async def wait_for_async(*args: Any, **kwargs: Any) -> Any:
            # This runs on the server's loop, and `original` subscribes to the store
            # before it first yields: no delivery (also handled on that loop) can
            # slip in between this release and the subscription.
            self._started.release()
            return await original(*args, **kwargs)

        monkeypatch.setattr(store, "wait_for_async", wait_for_async)

    def wait_started(self, timeout: float = CONDITION_TIMEOUT) -> None:
        assert self._started.acquire(timeout=timeout), "the /wait request never arrived"


def server_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "mailtrap-py"}


def read_events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs from the lines of a text/event-stream (comments and
    `retry:` skipped; one data line per event, as the server sends them)."""
    event, data = "message", ""
    for line in lines:
        if not line:
            if data:
                yield event, data
            event, data = "message", ""
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data = value
