"""Fixtures of the HTTP API tests.

Every test here talks to a running server over real sockets: httpx to the API,
smtplib to SMTP, as a test in another language or a shell script would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from .helpers import PendingWaits, api_client, smtp_send


@pytest.fixture
def api(mailtrap) -> Iterator[httpx.Client]:
    """httpx on the `mailtrap` server's API: `api.get("/messages")`."""
    with api_client(mailtrap.api_url) as client:
        yield client


@pytest.fixture
def send(mailtrap) -> Callable[..., str]:
    """`send(message, sender=..., to=[...])` over SMTP to the `mailtrap` server;
    returns the captured message's id."""

    def deliver(message: bytes | EmailMessage, **kwargs: Any) -> str:
        return smtp_send(mailtrap.smtp_port, message, host=mailtrap.host, **kwargs)

    return deliver


@pytest.fixture
def pending_waits(mailtrap, monkeypatch) -> PendingWaits:
    return PendingWaits(mailtrap.store, monkeypatch)
